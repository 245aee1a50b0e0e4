"""The provenance report as a file: the HTML, saved atomically, and recognised again as
one osint-kit wrote (so writing it anew is safe). Apart from the rendering because the
case facade reads it (to decide whether a file may be overwritten) without rendering."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from osint_kit.base.files import atomic_write, open_regular
from osint_kit.base.text import shown_in_html
from osint_kit.errors import InvalidOption, StorageError


@dataclass(frozen=True)
class ProvenanceReport:
    """The report as HTML; shows itself in a notebook, and saves to a file."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def save(self, path: Path | str) -> Path:
        """Write the report to ``path`` atomically (a reader never sees half of it)."""
        out = Path(path)
        if out.is_dir():
            raise InvalidOption("report path", f"{out} is a folder; name the file to write")
        try:
            atomic_write(out, self.html.encode("utf-8"), mode=0o644)
        except OSError as exc:
            raise StorageError(out, exc.strerror or str(exc)) from exc
        return out


#: Marks a file as a provenance report osint-kit wrote (so writing it again is safe).
GENERATOR = "osint-kit provenance report"


def is_report_of(path: Path, case_id: str) -> bool:
    """Whether ``path`` holds a provenance report of ``case_id`` that osint-kit wrote: a
    derived view, which may be written again from the case without asking."""
    try:
        with open_regular(path) as f:
            head = f.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    return (
        f"<meta name='generator' content='{GENERATOR}'>" in head
        and f"<meta name='osint-kit-case' content='{shown_in_html(case_id, quote=True)}'>" in head
    )

"""Derived exhibits: what an analysis writes (a graph file, a picture, a table export)
is stored as an exhibit of its own, never confused with an original.

One ``analysis.derived`` event records it: the new exhibit (role ``derived``),
the analysis (``method`` and its ``parameters``), the exhibits it was computed
from (``inputs``) and the custody log head it was computed at (``head``), so a
reviewer can tell what it rests on and recompute it.

A stored exhibit is a blob named by its hash, without an extension; programs that go
by the extension (Gephi for GraphML and GEXF) get a copy under the exhibit's
recorded name from ``exhibit_file``, in ``derived/files/`` (a view: deleting it loses
nothing).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from osint_kit.errors import StorageError
from osint_kit.folder.acquisition import Artifact
from osint_kit.folder.views import DerivedViews
from osint_kit.folder.write import CaseWriter
from osint_kit.record.builtin_actions import DERIVED
from osint_kit.record.events import EventDraft, NewExhibit
from osint_kit.record.exhibits import Exhibit

ROLE = "derived"
#: Where ``exhibit_file`` puts its copies, under ``derived/``.
FILES = "files"
#: Extensions of the media types ``mimetypes`` does not know everywhere.
EXTENSIONS = {"application/graphml+xml": ".graphml", "application/gexf+xml": ".gexf"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def record_derived(
    case: CaseWriter,
    data: bytes,
    *,
    media_type: str,
    name: str,
    method: str,
    inputs: Sequence[str],
    parameters: Mapping[str, Any],
    actor: dict[str, Any],
) -> Exhibit:
    """Stage ``data``, record it as a derived exhibit of ``inputs``, publish it."""
    seq, head = case.log.head()
    staged = case.stage_bytes(data)
    artifact = Artifact(staged, ROLE, media_type)
    details = {
        "derived": {
            "method": method,
            "name": name,
            "parameters": dict(parameters),
            "inputs": sorted(set(inputs)),
            "head": {"seq": seq, "hash": head},
        }
    }
    event = case.append(
        EventDraft(
            DERIVED,
            details=details,
            subjects=[NewExhibit(staged.sha256, staged.size, ROLE, media_type, None)],
        ),
        actor,
        publish=[artifact.staged],
    )
    label = event.exhibits[0]
    return case.exhibit(label)


def file_name(exhibit: Exhibit) -> str:
    """``E0042-network-reply.graphml``: the label, then the recorded name made safe on
    every system, with the extension of its media type when the name has none."""
    recorded = re.split(r"[/\\]", exhibit.name or "")[-1]
    name = _UNSAFE.sub("_", recorded).strip("._")[:100]
    known = EXTENSIONS.get(exhibit.media_type or "")
    suffix = Path(name).suffix.lower()
    if known and suffix != known:
        name += known
    elif not suffix and exhibit.media_type:
        name += mimetypes.guess_extension(exhibit.media_type) or ""
    return f"{exhibit.label}-{name}" if name else exhibit.label


def exhibit_file(views: DerivedViews, exhibit: Exhibit) -> Path:
    """A copy of ``exhibit`` under its recorded name in ``derived/files/``, for programs
    that open a file by its extension. A copy, never a link: a program that saves over
    it cannot reach the evidence. Made again when missing or changed."""
    final = views.path(FILES, file_name(exhibit))
    try:
        if final.is_file() and _sha256(final) == exhibit.sha256:
            return final
        views.write(FILES, final.name, make=lambda tmp: shutil.copyfile(exhibit.path, tmp))
    except OSError as exc:
        raise StorageError(final, f"the copy of {exhibit.label} could not be made ({exc})") from exc
    return final


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

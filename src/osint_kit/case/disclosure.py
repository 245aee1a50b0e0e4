"""``case.disclosure``: what leaves the case, authorised and recorded: evidence bundles and
the provenance report a reviewer reads (docs/bundles.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from osint_kit.analysis.media_facts import media_facts
from osint_kit.base.marking import MARKING
from osint_kit.case.runs import checkpointed, many
from osint_kit.disclosure.bundle.build import ExportResult, export_bundle
from osint_kit.disclosure.bundle.plan import ExportPlan, plan_export
from osint_kit.disclosure.report.document import ProvenanceReport, is_report_of
from osint_kit.disclosure.report.page import render
from osint_kit.errors import InvalidOption, OutputExists
from osint_kit.formats.pdf import print_pdf
from osint_kit.record.examiner import Examiner, resolve_examiner
from osint_kit.record.findings import VerificationReport
from osint_kit.record.timestamp import TsaConfig, tsa_config

if TYPE_CHECKING:
    from osint_kit.folder.write import CaseWriter

#: ``Case.verify`` with the options the report passes (trust store, TSA CA, progress).
Verify = Callable[..., VerificationReport]


class CaseDisclosure:
    """Bundles and reports of one case (``case.disclosure``)."""

    def __init__(self, writer: CaseWriter, verify: Verify) -> None:
        self._writer = writer
        self._verify = verify

    def export(
        self,
        dest: Path | str,
        *,
        authorization: str,
        recipient: str,
        purpose: str = "",
        exhibits: Iterable[str] | None = None,
        examiner: Examiner | None = None,
        encrypt_to: Iterable[str] = (),
        tsa: TsaConfig | None = None,
        progress: bool = True,
    ) -> ExportResult:
        """Export exhibits (all if none named) as a BagIt 1.0 bundle zip at ``dest``.

        Refused without an authorisation reference and a recipient, onto an existing
        path (``OutputExists``), or for an unknown exhibit. Recorded as an
        ``export.created`` event with the bundle's SHA-256. ``verify_bundle`` (``osint-kit
        bundle verify``) checks it without the case. With ``encrypt_to`` (age public
        keys), the bundle is ``*.zip.age``, readable only with one of those recipients'
        keys.
        """
        who = resolve_examiner(examiner)
        with checkpointed(self._writer, who, tsa):
            return export_bundle(
                self._writer,
                Path(dest),
                exhibits=list(many("exhibits", exhibits)) if exhibits is not None else None,
                authorization=authorization,
                recipient=recipient,
                purpose=purpose,
                examiner=who,
                encrypt_to=list(many("encrypt_to", encrypt_to)),
                tsa=tsa or tsa_config(),
                progress=progress,
            )

    def plan(self, *, exhibits: Iterable[str] | None = None) -> ExportPlan:
        """What ``export`` with these exhibits would send out, before it does:
        the exhibits, and every event carried in full (what they say goes out too);
        the other events go as seq and digest only."""
        chosen = list(many("exhibits", exhibits)) if exhibits is not None else None
        return plan_export(self._writer, chosen)

    def report(
        self,
        *,
        verify: bool = True,
        tsa_ca: Path | str | None = None,
        trust: Path | str | None = None,
        progress: bool = True,
    ) -> ProvenanceReport:
        """The provenance report of the whole case (HTML; shows inline in a notebook).

        ``.save(path)`` writes it; ``write_report`` (``osint-kit report CASE``) both.
        ``tsa_ca``: the CA the checkpoints' time stamps must chain to (else
        ``$OSINT_KIT_TSA_CA``); each checkpoint's trusted time is in its own section.
        ``trust``: the trust store the signers are checked against (as ``verify``).
        """
        stamps = None
        verification = None
        problems: dict[str, list[str]] = {}
        signers: dict[str, str] = {}
        bad: set[int] = set()
        if verify:
            checked = self._verify(tsa_ca=tsa_ca, trust=trust, progress=progress)
            stamps = checked.stamps
            verification = (checked.ok, checked.text())
            for p in checked.problems:
                if p.exhibit:
                    for label in p.exhibit.split(", "):
                        problems.setdefault(label, []).append(f"{p.kind}: {p.message}")
                if p.kind == "signature-bad" and p.seq is not None:
                    bad.add(p.seq)
            for k in checked.keys:
                said = {None: "no trust store", True: "TRUSTED", False: "NOT TRUSTED"}
                signers[k.key_id] = f"{k.examiner}, {said[k.trusted]}"
        exhibits = list(self._writer.exhibits())
        known = media_facts(
            self._writer, self._writer.views, [(e.sha256, e.media_type) for e in exhibits]
        )
        return render(
            self._writer.identity,
            self._writer.events(),
            exhibits,
            media=known,
            verification=verification,
            problems=problems,
            signers=signers,
            bad_signatures=bad,
            marking=MARKING,
            stamps=stamps,
            progress=progress,
        )

    def write_report(
        self,
        out: Path | str | None = None,
        *,
        force: bool = False,
        pdf: bool = False,
        tsa_ca: Path | str | None = None,
        trust: Path | str | None = None,
        progress: bool = True,
    ) -> Path:
        """Write the provenance report to ``out`` (default ``derived/report.html``), and with
        ``pdf`` also printed by Chromium beside it (same name, ``.pdf``: A4, the marking on
        every page, "page N of M").

        The report is a view derived from the case: the default file, and an earlier
        report of this case wherever it was written, are replaced (its PDF with it); any
        other existing file only with ``force`` (else ``OutputExists``). Written atomically.
        """
        case_id = self._writer.id
        path = Path(out) if out is not None else self._writer.views.path("report.html")
        if path.is_dir():
            raise InvalidOption("report path", f"{path} is a folder; name the file to write")
        ours = out is None or (path.exists() and is_report_of(path, case_id))
        if path.exists() and not force and not ours:
            raise OutputExists(path, "it is not a report of this case; use --force / force=True")
        printed = path.with_suffix(".pdf")
        if pdf and printed.exists() and not force and not ours:
            raise OutputExists(printed, "it is not this case's report; use --force / force=True")
        report = self.report(tsa_ca=tsa_ca, trust=trust, progress=progress)

        def printing(to: Path) -> None:
            print_pdf(report.html, to, case_id=case_id, marking=MARKING, progress=progress)

        if out is None:  # the case's own copy is a derived view, written as the others are
            views = self._writer.views
            path = views.write("report.html", make=report.save)
            if pdf:
                views.write("report.pdf", make=printing)
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        report.save(path)
        if pdf:
            printing(printed)
        return path

    def __repr__(self) -> str:
        return f"<disclosure of case {self._writer.id}: export, plan, report, write_report>"

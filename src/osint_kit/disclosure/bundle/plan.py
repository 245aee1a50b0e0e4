"""What an export sends, decided before anything is written: the exhibits (refusing unknown
and disposed ones), and which events of the log go in full (the rest go as seq and digest).
``plan_export`` (``--dry-run``) shows it; ``export_bundle`` (build.py) sends exactly
that. Apart from the building because it only reads the case, and the recipient's share of
the record is decided here alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osint_kit.base.text import shown_in_html
from osint_kit.errors import CorruptLog, ExportRefused, LogNeedsRepair, UnknownExhibit
from osint_kit.folder.read import CaseFolder
from osint_kit.record.action_type import Disclosure
from osint_kit.record.actions import disclosure_of
from osint_kit.record.chain import read_event_line
from osint_kit.record.disposals import disposed_exhibits
from osint_kit.record.events import Event
from osint_kit.record.exhibits import Exhibit


def in_full(event: dict[str, Any], labels: set[str]) -> bool:
    """Does the bundle carry this event in full? As its type's disclosure rule says
    (``record/builtin_actions.py``): always (the case's creation, the examiners' keys),
    or when one of its subjects is an exported exhibit (by number: an exhibit with the
    same bytes from someone else does not count). An undeclared type goes with the
    exhibits it concerns."""
    if disclosure_of(str(event["action"])) is Disclosure.ALWAYS:
        return True
    return any(
        isinstance(s, dict) and s.get("exhibit") in labels for s in event.get("subjects", [])
    )


def read_log(case: CaseFolder) -> tuple[list[bytes], list[dict[str, Any]]]:
    """Every line and event of the log, refusing a torn or unreadable one (an export of a
    log that does not read cleanly would carry its damage on)."""
    if case.log.torn_tail():
        raise LogNeedsRepair(case.log.path, len(case.log.torn_tail()))
    lines: list[bytes] = []
    events: list[dict[str, Any]] = []
    for n, raw in case.log.raw_lines():
        try:
            event = read_event_line(raw)
        except ValueError as exc:
            raise CorruptLog(case.log.path, n, f"unreadable event ({exc})") from None
        if not (
            isinstance(event, dict)
            and isinstance(event.get("seq"), int)
            and isinstance(event.get("action"), str)
            and isinstance(event.get("digest"), str)
            and isinstance(event.get("subjects"), list)
        ):
            raise CorruptLog(case.log.path, n, "not an event; osint-kit verify says more")
        lines.append(raw)
        events.append(event)
    if not events:
        raise ExportRefused("the case log is empty")
    return lines, events


@dataclass(frozen=True)
class ExportPlan:
    """What an export would send: the exhibits, and which events go in full (the rest
    go as seq and digest only). Shown before anything is written (``--dry-run``)."""

    case: str
    exhibits: tuple[Exhibit, ...]
    #: (seq, action, what) of every event the bundle carries in full.
    in_full: tuple[tuple[int, str, str], ...]
    as_digest: int
    head_seq: int

    def text(self) -> str:
        lines = [
            f"export plan for case {self.case}, up to seq {self.head_seq}:",
            f"  {len(self.exhibits)} exhibit(s):",
        ]
        lines += [
            f"    {ex.label}  {ex.size:>12,}  {ex.media_type or '':<24} {ex.name or ''}"
            for ex in self.exhibits
        ]
        lines.append(f"  {len(self.in_full)} event(s) in full (everything they say goes out):")
        lines += [f"    {seq:>5}  {action:<22} {what}" for seq, action, what in self.in_full]
        lines.append(f"  {self.as_digest} other event(s) as seq and digest only")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "head_seq": self.head_seq,
            "exhibits": [ex.label for ex in self.exhibits],
            "events_in_full": [
                {"seq": seq, "action": action, "what": what} for seq, action, what in self.in_full
            ],
            "events_as_digest": self.as_digest,
        }

    def _repr_html_(self) -> str:
        return f"<pre>{shown_in_html(self.text())}</pre>"


def plan_export(case: CaseFolder, exhibits: list[str] | None) -> ExportPlan:
    """The export of ``exhibits`` (all when None) as it would be made now."""
    chosen = select_exhibits(case, exhibits)
    _, events = read_log(case)
    labels = {ex.label for ex in chosen}
    full = [e for e in events if in_full(e, labels)]
    return ExportPlan(
        case.id,
        tuple(chosen),
        tuple((e["seq"], e["action"], Event.from_json(e).summary()) for e in full),
        len(events) - len(full),
        events[-1]["seq"],
    )


def select_exhibits(case: CaseFolder, labels: list[str] | None) -> list[Exhibit]:
    """The exhibits named (each once), or all not disposed of when none are; an unknown
    or disposed one is refused."""
    every = case.exhibits()
    gone = disposed_exhibits(case.log.events())  # their bytes are gone by decision
    if not labels:
        left = [ex for ex in every if ex.label not in gone]
        if not left:
            disposed = " that was not disposed of" if gone else ""
            raise ExportRefused(f"case {case.id} has no exhibits{disposed} to export")
        return left
    by_label = {ex.label: ex for ex in every}
    chosen = []
    for label in dict.fromkeys(labels):
        if label not in by_label:
            raise UnknownExhibit(label, case.id)
        if label in gone:
            raise ExportRefused(
                f"exhibit {label} was disposed of (disposition at seq {gone[label].seq}, under "
                f"{gone[label].authorization}): its bytes are no longer in the case"
            )
        chosen.append(by_label[label])
    return chosen

"""What concerns each exhibit in the provenance report, looked up once for all of them: a
case can hold 10,000 exhibits, and scanning every event per exhibit would take minutes.
Apart from the exhibits' HTML (exhibit.py) because it is about finding the events; it
only links an exhibit number and shortens a summary, once, for every story that shows it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from osint_kit.disclosure.report.markup import as_list, as_mapping, esc
from osint_kit.record.builtin_actions import EXPORTED
from osint_kit.record.events import Event
from osint_kit.record.exhibits import Exhibit

#: An event's summary in an exhibit's history is shortened past this many characters.
MAX_HISTORY_LINE = 600


@dataclass
class _Run:
    """One collection run against a target, as the post histories read it."""

    event: Event
    #: post id -> the SHA-256 of each record the run listed for it
    records: dict[str, list[str]]
    #: sha256 -> exhibit of this run's subjects
    exhibits: dict[str, str]
    deleted: set[str]
    no_longer_listed: set[str]
    reappeared: set[str]


@dataclass
class ExhibitIndex:
    """What concerns each exhibit, looked up once for all of them (a case may hold
    10,000 exhibits: scanning every event for each would take minutes)."""

    by_seq: dict[int, Event] = field(default_factory=dict)
    #: events naming an exhibit number, and events naming a SHA-256 (same bytes)
    by_label: dict[str, list[Event]] = field(default_factory=dict)
    by_sha: dict[str, list[Event]] = field(default_factory=dict)
    #: input exhibit -> the analysis.derived events whose inputs name it
    derived_from: dict[str, list[Event]] = field(default_factory=dict)
    #: exhibit -> the export.created events that carried it
    exports: dict[str, list[Event]] = field(default_factory=dict)
    #: capture target -> the runs against it, in log order
    runs: dict[str, list[_Run]] = field(default_factory=dict)
    #: the exhibits this report shows (links go to these only)
    shown: set[str] = field(default_factory=set)
    #: event seq -> its summary as an exhibit's history shows it (made once)
    summaries: dict[int, str] = field(default_factory=dict)
    #: (event seq, path in the hand-over) -> what the hand-over's event says of that file
    handed: dict[tuple[int, str], Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Sequence[Event], exhibits: Sequence[Exhibit]) -> ExhibitIndex:
        index = cls(shown={ex.label for ex in exhibits})
        for e in events:
            index.by_seq.setdefault(e.seq, e)
            labels, shas = set(), set()
            for s in e.subjects:
                shas.add(s.sha256)
                if s.exhibit:
                    labels.add(s.exhibit)
            for label in labels:
                index.by_label.setdefault(label, []).append(e)
            for sha in shas:
                index.by_sha.setdefault(sha, []).append(e)
            if e.action == EXPORTED:
                for label in labels:
                    index.exports.setdefault(label, []).append(e)
            derived = as_mapping(e.details.get("derived"))
            inputs = derived.get("inputs")
            if derived and isinstance(inputs, list):
                for label in dict.fromkeys(str(i) for i in inputs):
                    index.derived_from.setdefault(label, []).append(e)
            cap = as_mapping(e.capture)
            if cap.get("method") == "file.import":
                for f in as_list(cap.get("files")):
                    if isinstance(f, Mapping) and isinstance(f.get("relative_path"), str):
                        index.handed.setdefault((e.seq, f["relative_path"]), f)
            if isinstance(cap.get("target"), str) and (cap.get("posts") or cap.get("changes")):
                index.runs.setdefault(cap["target"], []).append(_run(e, cap))
        return index

    def later(self, ex: Exhibit) -> list[Event]:
        """Events after the exhibit's own that name it, or its bytes."""
        found = {e.seq: e for e in self.by_label.get(ex.label, ()) if e.seq > ex.seq}
        found.update((e.seq, e) for e in self.by_sha.get(ex.sha256, ()) if e.seq > ex.seq)
        return [found[seq] for seq in sorted(found)]

    def summary(self, e: Event) -> str:
        """The event's summary, shortened in the middle past ``MAX_HISTORY_LINE``: an export
        of 10,000 exhibits names them all, and each exhibit's history would repeat it (the
        report would grow with the square of the case). The timeline has it in full."""
        said = self.summaries.get(e.seq)
        if said is None:
            said = e.summary()
            if len(said) > MAX_HISTORY_LINE:
                keep = MAX_HISTORY_LINE // 2
                said = (
                    f"{said[:keep]} … {said[-keep:]} (shortened; in full in the custody timeline)"
                )
            self.summaries[e.seq] = said
        return said

    def link(self, label: str) -> str:
        """An exhibit number, linked to its section when this report shows it."""
        if label in self.shown:
            return f"<a href='#{esc(label)}'>{esc(label)}</a>"
        return f"{esc(label)} (not in this report)"


def _run(e: Event, cap: Mapping[str, Any]) -> _Run:
    records: dict[str, list[str]] = {}
    for entry in as_list(cap.get("posts")):
        if isinstance(entry, Mapping):
            records.setdefault(str(entry.get("id")), []).append(str(entry.get("record")))
    changes = as_mapping(cap.get("changes"))

    def ids(key: str) -> set[str]:
        listed = as_list(changes.get(key))
        return {str(gone.get("id")) for gone in listed if isinstance(gone, Mapping)}

    return _Run(
        e,
        records,
        {s.sha256: s.exhibit for s in e.subjects if s.exhibit},
        ids("deleted"),
        ids("no_longer_listed"),
        {str(x) for x in as_list(changes.get("reappeared"))},
    )

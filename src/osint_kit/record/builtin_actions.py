"""The custody event types osint-kit writes, each declared once with its one-line summary.

docs/format.md lists them (a test checks it against ``BUILTIN``); ``osint-kit log``, the
provenance report and the bundle's disclosure rules read them through ``actions.py``.
Summaries read the event defensively: the log may hold anything a plugin or a forger
wrote, so a member of the wrong type reads as empty, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from osint_kit.base.text import one_line
from osint_kit.record.action_type import ActionType, Described, Disclosure, Summary, listing
from osint_kit.record.capture_facts import CaptureFacts, describe_rerouting, rerouted_hosts

CREATED = "case.created"
ACQUIRED = "evidence.acquired"
FAILED = "collection.failed"
DERIVED = "analysis.derived"
NOTE = "note.added"
EXPORTED = "export.created"
VERIFIED = "case.verified"
REPAIRED = "log.repaired"
CHECKPOINT = "log.checkpoint"
KEY_REGISTERED = "examiner.key.registered"
CLOSED = "case.closed"
REOPENED = "case.reopened"
HOLD_PLACED = "hold.placed"
HOLD_LIFTED = "hold.lifted"
REVIEWED = "case.reviewed"
DISPOSAL_STARTED = "disposition.started"
DISPOSAL_COMPLETED = "disposition.completed"

#: The actions whose events make up a case's records history (``case_state.py``).
RECORDS_ACTIONS = (CREATED, CLOSED, REOPENED, HOLD_PLACED, HOLD_LIFTED, REVIEWED)


def _count(value: object) -> int:
    """How many a list member holds: its length, else 0."""
    return len(value) if isinstance(value, list) else 0


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _created(e: Described) -> str:
    d = e.details
    return f"case created: {d.get('title', '')} [{d.get('category', '')}]"


def capture_summary(e: Described) -> str:
    """An acquisition, or one that failed: what, how, from where, and what it yielded."""
    cap = e.capture
    if cap is None:
        return ", ".join(e.exhibits)
    facts = CaptureFacts.of(cap)
    text = " ".join(x for x in (facts.id, facts.method, facts.target) if x)
    changes = cap.get("changes")
    if isinstance(changes, Mapping):
        text += (
            f": {cap.get('collected', 0)} posts, {changes.get('new', 0)} new, "
            f"{changes.get('changed', 0)} changed, "
            f"{_count(changes.get('deleted'))} deleted"
        )
        for word, key in (("no longer listed", "no_longer_listed"), ("reappeared", "reappeared")):
            if n := _count(changes.get(key)):
                text += f", {n} {word}"
    if facts.is_web and (said := facts.headline()):
        text += f": {said}"
    if exhibits := e.exhibit_roles():
        text += f" -> {exhibits}"
    if facts.status and facts.status != "complete":
        text += f" ({facts.status}: {facts.reason or ''})"
    if facts.tls is not None and facts.tls.warning:
        text += f" [{facts.tls.warning}]"
    if rerouted := rerouted_hosts(cap):
        text += f" [REROUTED: {describe_rerouting(rerouted)}]"
    return text


def _derived(e: Described) -> str:
    derived = _map(e.details.get("derived"))
    inputs = derived.get("inputs")
    named = ", ".join(map(str, inputs[:5])) if isinstance(inputs, list) else ""
    made = e.exhibit_roles() or ", ".join(e.exhibits)
    return f"{derived.get('method', 'derived')} of {named or '-'} -> {made}"


def _note(e: Described) -> str:
    return f"note: {e.details.get('text', '')}"


def _exported(e: Described) -> str:
    d = e.details
    bundle = _map(d.get("bundle"))
    return (
        f"export of {', '.join(e.exhibits)} to {d.get('recipient', '')} "
        f"under {d.get('authorization', '')}: {bundle.get('name', '')} "
        f"sha256 {str(bundle.get('sha256', ''))[:16]}…"
    )


def _verified(e: Described) -> str:
    d = e.details
    head = _map(d.get("head"))
    problems = d.get("problems")
    if d.get("ok") is True:
        found = "OK"
    elif isinstance(problems, list):
        kinds = sorted({one_line(p.get("kind")) for p in problems if isinstance(p, Mapping)})
        found = f"{len(problems)} problem(s)" + (f" ({listing(kinds)})" if kinds else "")
    else:
        found = "result unreadable"
    return (
        f"verified {one_line(d.get('target')) or 'the case'}: {found}; "
        f"{d.get('events', '?')} events up to seq {head.get('seq', '?')} "
        f"({str(head.get('hash', ''))[:16]}…)"
    )


def _repaired(e: Described) -> str:
    return f"log repaired: {e.details.get('summary', '')}"


def _checkpoint(e: Described) -> str:
    d = e.details
    stamp = f", trusted time {d.get('gen_time')}" if d.get("trusted_time") else ""
    return f"checkpoint of seq {d.get('seq')} ({str(d.get('hash', ''))[:16]}…){stamp}"


def _key(e: Described) -> str:
    d = e.details
    return f"signing key {d.get('key_id')} of examiner {d.get('examiner')} registered"


def _closed(e: Described) -> str:
    d = e.details
    approver = one_line(d.get("approved_by"))
    text = f"case closed: {one_line(d.get('reason'))} (approved by {approver})"
    retention = d.get("retention")
    if isinstance(retention, Mapping):
        due = one_line(retention.get("due_on"))
        schedule = retention.get("schedule")
        name = one_line(schedule.get("name")) if isinstance(schedule, Mapping) else ""
        text += (
            f"; {one_line(retention.get('action'))} on {due} "
            f"({one_line(retention.get('category'))}, {one_line(retention.get('period'))}"
            f"{', ' + name if name else ''})"
        )
    else:
        text += "; no retention schedule"
    return text


def _reopened(e: Described) -> str:
    d = e.details
    approver = one_line(d.get("approved_by"))
    return f"case reopened: {one_line(d.get('reason'))} (approved by {approver})"


def _reviewed(e: Described) -> str:
    d = e.details
    decision = one_line(d.get("decision"))
    how = f" by {one_line(d.get('period'))}" if decision == "extend" and d.get("period") else ""
    return (
        f"case reviewed: {decision}{how}; next {one_line(d.get('action'))} on "
        f"{one_line(d.get('due_on'))} (was {one_line(d.get('was_due_on')) or 'undated'}): "
        f"{one_line(d.get('reason'))} (approved by {one_line(d.get('approved_by'))})"
    )


def _hold(word: str) -> Summary:
    def summary(e: Described) -> str:
        d = e.details
        return (
            f"legal hold {one_line(d.get('hold'))} {word} under {one_line(d.get('authority'))}: "
            f"{one_line(d.get('reason'))}"
        )

    return summary


def _disposal_started(e: Described) -> str:
    d = e.details
    shown = ", ".join(e.exhibits[:5]) + (" …" if len(e.exhibits) > 5 else "")
    early = _map(d.get("early"))
    before = one_line(early.get("before")) or "an unreadable date"
    said = f", EARLY (before {before}, under {one_line(early.get('authority'))})" if early else ""
    return (
        f"disposition of {len(e.exhibits)} exhibit(s) ({shown}) under "
        f"{d.get('authorization', '')}, approved by {d.get('approved_by', '')}{said}: "
        f"{_count(d.get('blobs'))} blob(s) to delete"
    )


def _disposal_completed(e: Described) -> str:
    d = e.details
    how = " by repair" if d.get("completed_by_repair") is True else ""
    if d.get("cancelled"):
        return f"disposition of seq {d.get('started')} cancelled{how}: {d.get('cancelled')}"
    return (
        f"disposition of seq {d.get('started')} completed{how}: "
        f"{_count(d.get('deleted'))} blob(s), {d.get('bytes_deleted')} bytes deleted"
    )


_CAPTURE = (
    "the capture record: id (C0001…), method (file.import, web.browser, social.telegram, "
    "media.ytdlp…), target, status (complete, partial, failed) and reason, start and end, "
    "tools, and what the method adds (docs/format.md#exhibits-and-captures)"
)
_RECORDS = "by the examiner; `osint-kit case …` or `case.records.…`"

BUILTIN: tuple[ActionType, ...] = (
    ActionType(
        CREATED,
        "A case folder was made: its identity, as `case.json` holds it.",
        "osint-kit, when the case is made (`case new`, `Case.create`)",
        _created,
        Disclosure.ALWAYS,
        {"*": "the members of `case.json` (id, title, category, authority, created_by…)"},
        internal=True,
        first_only=True,
    ),
    ActionType(
        ACQUIRED,
        "Evidence was acquired: one capture and the exhibits it yielded.",
        "the acquisitions: `import`, `capture`, `collect`, `media`",
        capture_summary,
        details={
            "capture": _CAPTURE,
            "same_content_as": "role (or source) -> an earlier exhibit with the same bytes",
        },
        subjects="the new exhibits, each with its role (screenshot, warc, post, original…)",
    ),
    ActionType(
        FAILED,
        "An acquisition got nothing usable; the capture record says why.",
        "the acquisitions, for a run that failed",
        capture_summary,
        details={"capture": _CAPTURE + "; status failed"},
        subjects="what was kept of the attempt (a WARC of the answers), if anything",
    ),
    ActionType(
        DERIVED,
        "An analysis stored its output as a derived exhibit that names its inputs.",
        "the analyses that export (`export_network`, `review`, `clip`…)",
        _derived,
        details={"derived": "method, name, parameters, inputs (exhibits), head {seq, hash}"},
        subjects="the derived exhibits (role derived, thumbnail, keyframe, clip…)",
    ),
    ActionType(
        NOTE,
        "An examiner's note, about the case or some exhibits.",
        "the examiner: `note`, `Case.add_note`",
        _note,
        details={"text": "the note"},
        subjects="the exhibits it is about (role subject)",
    ),
    ActionType(
        EXPORTED,
        "An authorised evidence bundle was made from the case.",
        "the analyst: `export`, `case.disclosure.export`",
        _exported,
        details={
            "bundle": "name, path, sha256, size of the bundle file; path relative to the "
            "case (exports/NAME), or null when it was written outside the case",
            "format": "the bundle format (osint-kit-bundle/1)",
            "authorization, recipient, purpose": "the authority and who it is for",
            "head": "the log head the bundle was cut from {seq, hash}",
            "events_in_full": "the seqs of the events the bundle carries in full",
            "encrypted_to": "age recipients, when encrypted",
            "marking": "the sensitivity marking",
        },
        subjects="the exhibits exported",
    ),
    ActionType(
        VERIFIED,
        "The case was verified and the result put on the record.",
        "`verify --record`, `Case.verify(record=True)`",
        _verified,
        details={
            "ok": "true when nothing was wrong",
            "target, events, head": "what was checked, up to which seq and hash",
            "blobs_checked, bytes_checked": "how much was hashed",
            "problems": "every problem found: kind, message, seq, exhibit, path",
            "notes, signatures": (
                "notes, and who signed what against which trust store (named by what it "
                "holds: `keys`, and `sha256` over its examiners and key ids; never its path)"
            ),
        },
    ),
    ActionType(
        REPAIRED,
        "What a crash left was repaired: a torn last line, interrupted imports, exports, "
        "checkpoints, downloads or disposals.",
        "`repair`, `Case.repair`",
        _repaired,
        details={
            "summary": "one line",
            "torn_tail": "the cut line's bytes, kept as a blob {sha256, size}",
            "completed, discarded, checkpoints, exports, downloads": "what was done with each",
            "left_alone": "what repair would not touch, and why",
        },
        subjects="the torn tail's bytes, and staged parts it finished",
    ),
    ActionType(
        CHECKPOINT,
        "The log head was checkpointed: signed, and stamped when a TSA is configured.",
        "after every acquisition run and export; `stamp`",
        _checkpoint,
        details={
            "seq, hash": "the head checkpointed",
            "file": "the checkpoint's file under timestamps/",
            "trusted_time": "whether an RFC 3161 token was obtained",
            "tsa, gen_time": "the authority and the time it stamped",
        },
    ),
    ActionType(
        KEY_REGISTERED,
        "An examiner's Ed25519 public key was registered, before the first event it signs.",
        "the log itself, at an examiner's first signed event",
        _key,
        Disclosure.ALWAYS,
        {
            "key_id, algorithm, public_key": "the key",
            "examiner": "whose key it is",
            "endorsement": "the examiner's earlier key's signature over this one (a rotation)",
        },
        internal=True,
    ),
    ActionType(
        CLOSED,
        "The case was closed, with the retention its category gets.",
        _RECORDS,
        _closed,
        details={
            "reason, approved_by": "why, and who approved",
            "category, closed_on": "as closed",
            "retention": "action, due_on, period and the schedule, or none",
        },
    ),
    ActionType(
        REOPENED,
        "A closed case was reopened; its retention date no longer runs.",
        _RECORDS,
        _reopened,
        details={"reason, approved_by": "why, and who approved"},
    ),
    ActionType(
        HOLD_PLACED,
        "A legal hold was placed: nothing in the case may be disposed of while it stands.",
        _RECORDS,
        _hold("placed"),
        details={"hold": "its id (H001…)", "authority, reason": "under what, and why"},
    ),
    ActionType(
        HOLD_LIFTED,
        "A standing legal hold was lifted.",
        _RECORDS,
        _hold("lifted"),
        details={"hold": "the hold's id", "authority, reason": "under what, and why"},
    ),
    ActionType(
        REVIEWED,
        "A closed case's retention was reviewed: kept or extended, with its next review date.",
        "the records officer: `case review`, `case.records.review`",
        _reviewed,
        details={
            "decision": "keep (another period of its rule) or extend (to a date, or by a period)",
            "reason, approved_by": "why, and who approved",
            "reviewed_on": "the day of the decision (UTC)",
            "period": "the period added (keep, extend by), or null (extend until a date)",
            "due_on, action": "the next date and what is due then (review)",
            "was_due_on, was_action, was_basis": "the date it replaces, and where that came from",
            "closed_seq": "the seq of the close whose retention it reviews",
        },
    ),
    ActionType(
        DISPOSAL_STARTED,
        "A disposal was authorised and is about to delete blobs (step 1 of 3).",
        "the records officer: `dispose`, `case.records.dispose`",
        _disposal_started,
        details={
            "authorization, approved_by, reason": "the disposal's authority",
            "scope, requested": "the whole case or the exhibits named",
            "exhibits": "each exhibit disposed: sha256, size, role, reason, derived_from, kept_for",
            "blobs, bytes": "the blobs to delete (one still held elsewhere is kept)",
            "records": "the case's records state at that moment",
            "retention": "the date the case was due on, its action and where it came from",
            "early": "for a disposal before that date: the authority, reason and the date "
            "(null otherwise)",
        },
        subjects="the exhibits disposed of (role disposed)",
    ),
    ActionType(
        DISPOSAL_COMPLETED,
        "A disposal finished (step 3 of 3), or was cancelled by a hold or a reopening.",
        "the disposal, or `repair` for one a crash interrupted",
        _disposal_completed,
        details={
            "started": "the seq of its disposition.started",
            "deleted, already_gone, kept_named_again, bytes_deleted": "what happened to each blob",
            "derived_views_removed": "the derived views removed",
            "cancelled": "why nothing more was deleted, when cancelled",
            "completed_by_repair": "true when repair finished it",
        },
    ),
)

"""The one way an acquisition reaches the record, whatever the collector.

Blobs are staged first; the ``evidence.acquired`` event that names them is
appended; only then are they published at their content address. A failure
before the event discards the staged bytes; a failed acquisition is recorded as a
``collection.failed`` event with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from osint_kit.errors import OsintKitError, RecordedNotPublished
from osint_kit.folder.write import CaseWriter
from osint_kit.record.builtin_actions import ACQUIRED, FAILED
from osint_kit.record.events import EventDraft, NewExhibit
from osint_kit.record.exhibits import Capture
from osint_kit.record.staging import StagedBlob

log = logging.getLogger("osint_kit")


@dataclass(frozen=True)
class Artifact:
    """A staged blob and what it is in the capture (its role and media type)."""

    staged: StagedBlob
    role: str
    media_type: str
    source: str | None = None


def record_acquisition(
    case: CaseWriter,
    artifacts: Sequence[Artifact],
    capture: Mapping[str, Any],
    actor: dict[str, Any],
    *,
    per_file: bool = False,
    before_write: Callable[[], object] | None = None,
) -> Capture:
    """Append the ``evidence.acquired`` event for ``artifacts``, then publish them.

    Content the case already holds is named in ``details.same_content_as`` (by role,
    or by source where roles repeat), unless ``per_file``: the capture's own list of
    files says it of each file (a hand-over). ``before_write``: see
    ``CustodyLog.append_batch``."""
    details: dict[str, Any] = {}
    if not per_file:
        earlier = case.log.exhibits_for_sha256(a.staged.sha256 for a in artifacts)
        roles = [a.role for a in artifacts]
        unique = len(set(roles)) == len(roles)
        same = {
            a.role if unique else (a.source or f"{a.role} {n}"): earlier[a.staged.sha256]
            for n, a in enumerate(artifacts, start=1)
            if a.staged.sha256 in earlier
        }
        if same:
            details["same_content_as"] = same if len(artifacts) > 1 else next(iter(same.values()))
    subjects = [
        NewExhibit(a.staged.sha256, a.staged.size, a.role, a.media_type, a.source)
        for a in artifacts
    ]
    event = case.append(
        EventDraft(ACQUIRED, details=details, subjects=subjects, capture=capture),
        actor,
        publish=[a.staged for a in artifacts],
        before_write=before_write,
    )
    result = Capture.from_event(event)
    assert result is not None
    return result


def discard(case: CaseWriter, artifacts: Sequence[Artifact]) -> None:
    for a in artifacts:
        case.discard(a.staged)


def record_failure(
    case: CaseWriter,
    capture: Mapping[str, Any],
    actor: dict[str, Any],
    artifacts: Sequence[Artifact] = (),
) -> Capture | None:
    """A failed acquisition is an event too; if even that cannot be written, log why.

    ``artifacts`` keeps what a server did answer (a 404 page, a 429) as exhibits of
    the failure: that an account was not there is itself evidence.
    """
    subjects = [
        NewExhibit(a.staged.sha256, a.staged.size, a.role, a.media_type, a.source)
        for a in artifacts
    ]
    try:
        event = case.append(
            EventDraft(FAILED, subjects=subjects, capture=capture),
            actor,
            publish=[a.staged for a in artifacts],
        )
    except RecordedNotPublished:
        raise
    except (OSError, OsintKitError) as exc:  # the writer discarded the staged bytes
        log.error("could not record the failed capture of %s: %s", capture.get("target"), exc)
        return None
    return Capture.from_event(event)

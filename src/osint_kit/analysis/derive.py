"""Derived exhibits: what an analysis writes (a graph file, a picture, a table export)
is stored as an exhibit of its own, never confused with an original.

One ``analysis.derived`` event records it: the new exhibit (role ``derived``),
the analysis (``method`` and its ``parameters``), the exhibits it was computed
from (``inputs``) and the custody log head it was computed at (``head``), so a
reviewer can tell what it rests on and recompute it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from osint_kit.folder.acquisition import Artifact
from osint_kit.folder.write import CaseWriter
from osint_kit.record.builtin_actions import DERIVED
from osint_kit.record.events import EventDraft, NewExhibit
from osint_kit.record.exhibits import Exhibit

ROLE = "derived"


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

"""What every run of a job through the facade shares: a checkpoint once it is over.

Each acquisition run, export and records step ends with the log's head signed (and
stamped when a TSA is configured), even a run that failed on the record
(``CollectionFailed``) or was interrupted: its end is then on the record too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from osint_kit.errors import InvalidOption, OsintKitError, TimestampError
from osint_kit.folder.checkpoint import make_checkpoint
from osint_kit.folder.write import CaseWriter
from osint_kit.record.examiner import Examiner
from osint_kit.record.timestamp import TsaConfig, tsa_config

log = logging.getLogger("osint_kit")


@contextmanager
def checkpointed(
    writer: CaseWriter, who: Examiner, tsa: TsaConfig | None = None
) -> Iterator[None]:
    """Checkpoint after a run that wrote to the log. A TSA that fails leaves the
    checkpoint unstamped (logged), never the run unrecorded."""
    before = writer.log.head()
    try:
        yield
    except (OsintKitError, KeyboardInterrupt):  # an interrupted run recorded what it did
        _checkpoint_if_moved(writer, before, who, tsa)
        raise
    _checkpoint_if_moved(writer, before, who, tsa)


def _checkpoint_if_moved(
    writer: CaseWriter, before: tuple[int, str], who: Examiner, tsa: TsaConfig | None
) -> None:
    if writer.log.head() == before:
        return
    config = tsa or tsa_config()
    try:
        make_checkpoint(writer, who, config)
    except TimestampError as exc:
        log.warning("checkpoint left without a trusted time: %s", exc)
        make_checkpoint(writer, who, None)


def many(name: str, values: Any) -> Any:
    """A list where one is expected: one string (or path) there would be iterated
    character by character ("ok.txt" as six files), so it is refused."""
    if isinstance(values, str | bytes | Path):
        raise InvalidOption(name, f"give a list, not one {type(values).__name__} ({values!r})")
    return values

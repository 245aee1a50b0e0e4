"""The head ledger: outside every case, the heads this machine's writes left behind.

A hash chain cannot show events cut cleanly off its end: what is left is still a
valid chain. So after every write osint-kit appends one line to
``<data dir>/heads/<case uuid>.jsonl`` in the examiner's own data folder (not the
case folder): ``{"case": id, "uuid": ..., "seq": N, "hash": ..., "time": ...}``.
``verify`` on that machine then says when the log no longer reaches the last
head written, or holds another event at that seq. The case uuid is the ``id`` of
its ``case.created`` event, so two cases with one name never share a ledger.

The ledger is as strong as that folder's protection: an insider who can also
write there can cut both (docs/format.md, "What verification cannot see").
Lines are appended without an fsync (after the log's own): a crash may lose the
last line, which only makes the ledger say less, never something false.

Copies of a case share its uuid: a training copy or a reviewer's working copy on the
same machine writes to the same ledger. So each line also names the folder that wrote
it, ``"folder": {"path", "dev", "ino"}`` (``FolderId``), and ``verify`` holds a case
to the heads its own folder wrote (the same folder: the same device and inode, which
``mv`` keeps, or the same path, which a restore keeps), not to a copy's. The ledger is
the examiner's own, outside every case: the absolute path there travels nowhere.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import orjson
import platformdirs

from osint_kit.base.dates import utc_now
from osint_kit.base.files import read_regular
from osint_kit.errors import InvalidOption

log = logging.getLogger("osint_kit")

ENV_DATA_DIR = "OSINT_KIT_DATA_DIR"
_UUID = re.compile(r"[0-9a-f-]{36}")
#: ``Head.source`` of a head read from this machine's ledger.
LEDGER = "this machine's head ledger"


@dataclass(frozen=True)
class FolderId:
    """Which case folder on this machine wrote a ledger line: its resolved path, and
    its device and inode (kept by ``mv`` on one file system; a copy gets its own)."""

    path: str
    dev: int
    ino: int

    @classmethod
    def of(cls, folder: Path) -> FolderId | None:
        try:
            st = os.stat(folder)
            return cls(str(folder.resolve()), st.st_dev, st.st_ino)
        except (OSError, RuntimeError):
            return None

    @classmethod
    def parse(cls, value: object) -> FolderId | None:
        if not isinstance(value, dict):
            return None
        path, dev, ino = value.get("path"), value.get("dev"), value.get("ino")
        if isinstance(path, str) and isinstance(dev, int) and isinstance(ino, int):
            return cls(path, dev, ino)
        return None

    def same(self, other: FolderId) -> bool:
        """The same folder: moved (same device and inode) or put back at its path."""
        return (self.dev, self.ino) == (other.dev, other.ino) or self.path == other.path

    def still_there(self) -> bool:
        """Does a case folder still stand at the recorded path?"""
        return os.path.isfile(os.path.join(self.path, "custody.jsonl"))


def data_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    return Path(override) if override else Path(platformdirs.user_data_dir("osint-kit"))


def ledger_path(case_uuid: str) -> Path | None:
    if not _UUID.fullmatch(case_uuid):
        return None
    return data_dir() / "heads" / f"{case_uuid}.jsonl"


def record_head(
    case_uuid: str, case_id: str, seq: int, hsh: str, folder: Path | None = None
) -> None:
    """Append this write's head, with the case ``folder`` that wrote it; a ledger that
    cannot be written is logged, not raised: the write to the case has already
    succeeded."""
    path = ledger_path(case_uuid)
    if path is None:
        return
    entry: dict[str, object] = {
        "case": case_id,
        "uuid": case_uuid,
        "seq": seq,
        "hash": hsh,
        "time": utc_now(),
    }
    where = FolderId.of(folder) if folder is not None else None
    if where is not None:
        entry["folder"] = {"path": where.path, "dev": where.dev, "ino": where.ino}
    line = orjson.dumps(entry)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, line + b"\n")
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("could not add to the head ledger %s: %s", path, exc)


@dataclass(frozen=True)
class Head:
    """A head held outside the case: "its log had event ``seq`` with hash ``hash``";
    from the ledger, with the folder that wrote it (None on lines written before
    folders were named)."""

    seq: int
    hash: str
    source: str
    folder: FolderId | None = None

    @classmethod
    def parse(cls, text: str, source: str = "--expect-head") -> Head:
        """``SEQ:HASH``; the hash in full or its first 16 hex digits or more."""
        seq, _, hsh = str(text).strip().partition(":")
        hsh = hsh.strip().lower()
        if not seq.strip().isdigit() or not re.fullmatch(r"[0-9a-f]{16,64}", hsh):
            raise InvalidOption(
                "expect-head", f"{text!r} is not SEQ:HASH (the hash in full or 16+ hex digits)"
            )
        return cls(int(seq), hsh, source)

    def matches(self, full: str | None) -> bool:
        return full is not None and full.startswith(self.hash)


def recorded_heads(case_uuid: str) -> tuple[Path | None, list[Head]]:
    """The heads this machine recorded for the case (unreadable lines skipped)."""
    path = ledger_path(case_uuid)
    if path is None or not path.is_file():
        return path, []
    heads = []
    try:
        data = read_regular(path)  # a FIFO put there must not hang verify
    except OSError as exc:
        log.warning("could not read the head ledger %s: %s", path, exc)
        return path, []
    for raw in data.splitlines():
        try:
            obj = orjson.loads(raw)
            seq, hsh = obj["seq"], obj["hash"]
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(seq, int) and isinstance(hsh, str):
            heads.append(Head(seq, hsh, LEDGER, FolderId.parse(obj.get("folder"))))
    return path, heads

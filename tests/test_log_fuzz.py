"""Any damage to log lines (issue 18): every command sees a reported problem or a clear
refusal (an OsintKitError with its exit status), never another exception."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AUTHORITY, EXAMINER
from osint_kit import Case, OsintKitError

_BUILT: dict[str, Path] = {}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)  # fmt: skip

mutations = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("set"), st.sampled_from(
        ["seq", "id", "time", "case", "actor", "action", "subjects", "details", "tool",
         "digest", "prev", "hash", "signature"]), json_values),
    st.tuples(st.just("subject"), st.sampled_from(["sha256", "size", "exhibit", "role"]),
              json_values),
    st.tuples(st.just("bytes"), st.binary(max_size=200), st.just(0)),
    st.tuples(st.just("nest"), st.integers(200, 3000), st.just(0)),
    st.tuples(st.just("duplicate"), st.just(0), st.just(0)),
)  # fmt: skip


def _case(base: Path) -> Path:
    if "case" not in _BUILT:
        mp = pytest.MonkeyPatch()
        mp.setenv("OSINT_KIT_DATA_DIR", str(base / "data"))
        mp.setenv("OSINT_KIT_CONFIG_DIR", str(base / "config"))
        case = Case.create(
            "FUZZ-1", title="t", category="other", authority=AUTHORITY, root=base / "cases",
            examiner=EXAMINER,
        )  # fmt: skip
        (base / "tip.txt").write_text("a tip\n")
        case.import_files([base / "tip.txt"], handed_over_by="W", examiner=EXAMINER, progress=False)
        case.add_note("Seen at the station.", exhibits=["E0001"], examiner=EXAMINER)
        mp.undo()
        _BUILT["case"] = case.path
    return _BUILT["case"]


def _mutate(lines: list[bytes], index: int, change: tuple[Any, Any, Any]) -> list[bytes]:
    what, a, b = change
    i = index % len(lines)
    line = lines[i]
    if what == "flip":
        pos = a % len(line)
        line = line[:pos] + bytes([line[pos] ^ b]) + line[pos + 1 :]
    elif what == "truncate":
        line = line[: a % len(line)]
    elif what in ("set", "subject"):
        event = json.loads(line)
        if what == "set":
            event[a] = b
        elif event["subjects"]:
            event["subjects"][0][a] = b
        line = json.dumps(event, allow_nan=True).encode() + b"\n"
    elif what == "bytes":
        line = a + b"\n"
    elif what == "nest":
        line = b'{"seq":' + b"[" * a + b"]" * a + b"}\n"
    else:
        return [*lines[: i + 1], line, *lines[i + 1 :]]
    return [*lines[:i], line, *lines[i + 1 :]]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(index=st.integers(0, 20), change=mutations)
def test_a_damaged_log_line_is_a_problem_or_a_refusal_never_a_crash(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
    index: int, change: tuple[Any, Any, Any],
) -> None:  # fmt: skip
    source = _case(tmp_path_factory.getbasetemp() / "fuzz-source")
    work = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    shutil.copytree(source, work / "FUZZ-1")
    monkeypatch.setenv("OSINT_KIT_DATA_DIR", str(work / "data"))
    log = work / "FUZZ-1" / "custody.jsonl"
    log.chmod(0o644)
    log.write_bytes(b"".join(_mutate(log.read_bytes().splitlines(keepends=True), index, change)))
    try:
        case = Case.open("FUZZ-1", root=work)
    except OsintKitError:
        return
    report = case.verify()
    assert isinstance(report.ok, bool)
    for call in (
        case.events,
        case.exhibits,
        lambda: case.disclosure.plan(),
        lambda: case.add_note("after the damage", examiner=EXAMINER),
        lambda: case.repair(examiner=EXAMINER),
        case.verify,
    ):
        with contextlib.suppress(OsintKitError):
            call()
    shutil.rmtree(work, ignore_errors=True)

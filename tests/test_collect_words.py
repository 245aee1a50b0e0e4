"""What a collection run says is what happened: time-outs named as such, failed requests
not counted as kept, exhibit lists per kind, reappeared posts, --timeout and --retries."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from conftest import EXAMINER
from osint_kit import Case, CollectSettings
from osint_kit.errors import TimedOut
from osint_kit.record import label_runs
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import BIN

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def test_a_platform_that_never_answers_is_a_time_out_on_the_record(silent: str, case: Case) -> None:
    # The run's time-out governs the library's requests too: snscrape's own is 10 s,
    # so a run told 11 s that gives up sooner was not governed by it. A lower bound
    # holds however busy the machine is; an upper one would not.
    settings = CollectSettings(connect_to={"*": silent}, timeout_s=11, retries=0)
    started = time.monotonic()
    with pytest.raises(TimedOut, match="did not answer within 11 s") as failed:
        case.collect(
            "telegram:harbour_watch", settings=settings, examiner=EXAMINER
        ).raise_for_status()
    assert time.monotonic() - started >= 11
    recorded = failed.value.capture
    assert recorded is not None and recorded.record["error"] == "timeout"
    failures = recorded.record["http"]["failures"]
    assert failures and all(f["timed_out"] for f in failures)
    assert case.verify().ok


def test_the_cli_takes_timeout_and_retries_and_says_timed_out(
    silent: str, case: Case, examiner_env: object
) -> None:
    env = {
        **os.environ,
        "OSINT_KIT_CASES": str(case.path.parent),
        "OSINT_KIT_CONNECT_TO": f"*={silent}",
    }
    r = subprocess.run(
        [
            *(str(BIN / "osint-kit"), "collect", case.id, "telegram:harbour_watch"),
            *("--timeout", "1", "--retries", "0", "--quiet"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 11 and "did not answer within 1 s" in r.stderr
    assert "could not reach" not in r.stderr and "Traceback" not in r.stderr
    record = case.captures()[-1].record
    assert record["settings"]["timeout_s"] == 1 and record["settings"]["retries"] == 0


def test_the_summary_lists_exhibits_per_kind_and_every_change(
    fake: FakePlatforms, case: Case, examiner_env: object
) -> None:
    ch = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    for i in range(6):
        ch.add_post(
            date=START + timedelta(hours=i),
            text=f"Post {i}",
            photos=[f"pier-{i}.jpg"] if i % 2 == 0 else [],
        )
    routes = ",".join(f"{h}={u}" for h, u in {**fake.connect_to, "*": fake.url}.items())
    env = {**os.environ, "OSINT_KIT_CASES": str(case.path.parent), "OSINT_KIT_CONNECT_TO": routes}

    def collect() -> str:
        r = subprocess.run(
            [str(BIN / "osint-kit"), "collect", case.id, "telegram:harbour_watch", "--quiet"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert r.returncode == 0, r.stderr
        return r.stdout

    first = collect()
    cap = case.captures()[-1]
    roles = {
        role: [x for x in cap.exhibits if case.exhibit(x).role == role]
        for role in ("post", "media")
    }
    for role, labels in roles.items():
        line = next(line for line in first.splitlines() if line.strip().startswith(role))
        listed = line.split(None, 2)[2]
        assert listed == label_runs(labels)
        # every exhibit a printed run takes in is of that kind
        for run in listed.split(", "):
            ends = [int(x) for x in re.findall(r"E(\d+)", run)]
            inside = {f"E{n:04d}" for n in range(ends[0], ends[-1] + 1)}
            assert inside <= set(labels)
    assert "0 reappeared" in first and "HTTP answer(s)" in first

    fake.fail(r"embed=1", status=502, times=None)  # the platform says nothing of post 2
    ch.delete(2)
    second = collect()
    assert "1 no longer listed" in second and "unlisted" in second


def test_label_runs() -> None:
    assert label_runs(["E0003", "E0004", "E0005", "E0009"]) == "E0003..E0005, E0009"
    assert label_runs(["E0005", "E0003"]) == "E0003, E0005"
    assert label_runs([]) == ""
    assert label_runs([f"E{n:04d}" for n in range(1, 20, 2)], most=3) == (
        "E0001, E0003, E0005, … 7 more"
    )

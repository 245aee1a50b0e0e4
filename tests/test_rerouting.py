"""A capture from the sandbox never passes for one from the real site: every rerouted
host is on the record, and log, verify and the provenance report say so."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime

from conftest import assert_ends_with_checkpoint
from osint_kit import Case
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import BIN, settings_for


def test_a_rerouted_collection_is_flagged_everywhere(
    fake: FakePlatforms, case: Case, examiner_env: object
) -> None:
    ch = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    ch.add_post(text="Seen at the pier", date=datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    cap = case.collect("telegram:harbour_watch", settings=settings_for(fake), progress=False)

    rerouted = cap.record["rerouted"]
    assert set(rerouted) == {"t.me"} and rerouted["t.me"].startswith("http://127.0.0.1:")
    event = assert_ends_with_checkpoint(case)  # the collection, then its checkpoint
    assert event.rerouted == rerouted and "[REROUTED: t.me -> http://127.0.0.1:" in event.summary()

    report = case.verify()
    assert report.ok  # rerouting is not tampering: it is said, not failed
    assert any(f"capture {cap.id}" in n and "t.me -> http://127.0.0.1:" in n for n in report.notes)

    html = case.disclosure.report().html
    assert "Rerouted captures" in html and "not from the real site" in html

    env = {**os.environ, "OSINT_KIT_CASES": str(case.path.parent)}
    log = subprocess.run(
        [str(BIN / "osint-kit"), "log", case.id], capture_output=True, text=True, env=env
    )
    assert "REROUTED: t.me -> http://127.0.0.1:" in log.stdout
    verify = subprocess.run(
        [str(BIN / "osint-kit"), "verify", case.id, "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert any("was rerouted" in n for n in json.loads(verify.stdout)["notes"])

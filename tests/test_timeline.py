"""One time axis across platforms, captures, imports and notes; activity per account."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.analysis import TIMELINE_SCHEMA
from osint_kit.analysis.timeline import activity
from osint_kit.errors import InvalidOption
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import settings_for

START = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


@pytest.fixture
def missing(fake: FakePlatforms, case: Case, tmp_path: Path) -> Case:
    """Two platforms and a witness's photo, last modified before the posts began."""
    ch = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    for i in range(3):
        ch.add_post(date=START + timedelta(hours=i), text=f"Seen at the pier ({i})")
    inst = fake.mastodon.add_instance("social.example", version="4.3.0")
    alice = inst.add_account("alice", display_name="Alice")
    inst.add_status(alice, created_at=START + timedelta(minutes=90), text="Saw her on the bus")
    settings = settings_for(fake)
    case.collect("telegram:harbour_watch", settings=settings, examiner=EXAMINER, progress=False)
    case.collect(
        "mastodon:@alice@social.example", settings=settings, examiner=EXAMINER, progress=False
    )
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(b"\xff\xd8 a photo")
    taken = (START - timedelta(hours=2)).timestamp()
    os.utime(photo, (taken, taken))
    case.import_files([photo], handed_over_by="Mother", examiner=EXAMINER, progress=False)
    case.add_note("Bus company asked for CCTV.", examiner=EXAMINER)
    return case


def test_one_time_axis_across_platforms_imports_and_notes(missing: Case) -> None:
    timeline = missing.analysis.timeline()
    table = timeline.to_arrow()
    assert table.schema.equals(TIMELINE_SCHEMA)
    rows = list(timeline)
    kinds = [r["kind"] for r in rows]
    assert kinds[0] == "file-modified"  # the photo, two hours before the first post
    assert rows[0]["what"] == "IMG_2041.jpg" and rows[0]["time"] == START - timedelta(hours=2)
    posts = [r for r in rows if r["kind"] == "post"]
    assert [r["platform"] for r in posts] == ["telegram", "telegram", "mastodon", "telegram"]
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    assert {"collected", "file-imported", "note"} <= set(kinds)
    assert all(r["exhibit"] for r in posts) and all(r["seq"] > 0 for r in posts)
    frame = timeline.to_frame()
    assert str(frame["time"].dtype) == "timestamp[us, tz=UTC][pyarrow]"


def test_activity_per_account_and_its_picture(missing: Case) -> None:
    daily = activity(missing.analysis.posts(), "D")
    assert int(daily.to_numpy().sum()) == 4
    assert daily.loc[pd.Timestamp("2026-11-20", tz="UTC"), "telegram:@harbour_watch"] == 3
    hourly = activity(missing.analysis.posts(), "h")
    assert len(hourly) == 3  # one row per busy hour: 17:00, 18:00 (two posts), 19:00
    assert int(hourly.loc[pd.Timestamp("2026-11-20 18:00", tz="UTC")].sum()) == 2
    before = len(missing.events())
    exhibit = missing.analysis.export_activity("h", examiner=EXAMINER)
    event = missing.events()[before]
    assert event.action == "analysis.derived" and event.details["derived"]["method"] == (
        "timeline.activity"
    )
    assert len(event.details["derived"]["inputs"]) == 4
    assert exhibit.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(InvalidOption):
        missing.analysis.export_activity("minute", examiner=EXAMINER)


def test_an_empty_case_has_an_empty_timeline(case: Case) -> None:
    assert case.analysis.timeline().to_arrow().num_rows == 0
    assert activity(case.analysis.posts(), "D").empty

"""What a notebook shows: the case at a glance with its verification badge, exhibits with
badges for what later events said, posts with their media, captures, the log and the
verification report; paged, never a wall. Built on real collections from the fake
platforms; each assertion names something a detective or reviewer relies on."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.record.exhibits import CaptureList
from osint_kit_sandbox.platforms import FakePlatforms, synthetic_telegram_channel
from social_helpers import settings_for


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms() as f:
        yield f
        assert not f.errors, f.errors


def _collected(case: Case, fake: FakePlatforms) -> tuple[str, str]:
    """A channel collected twice, with one post edited and one deleted in between:
    (the edited post's first exhibit, the deleted post's exhibit)."""
    channel = synthetic_telegram_channel(fake, "elm_street_board", 12, seed=3, media_every=3)
    settings = settings_for(fake)
    first = case.collect("telegram:elm_street_board", settings=settings, examiner=EXAMINER)
    assert first.status == "complete"
    ids = [p.id for p in channel.posts]
    posts = {p["id"]: p["exhibit"] for p in case.analysis.posts("telegram:elm_street_board")}
    channel.edit(ids[-2], text="Correction: the library, not the bus shelter.")
    channel.delete(ids[-4])
    channel.add_post(date=datetime.now(UTC), text="Please stop sharing the photo.")
    again = case.collect("telegram:elm_street_board", settings=settings, examiner=EXAMINER)
    assert again.status == "complete"
    return posts[str(ids[-2])], posts[str(ids[-4])]


def test_exhibits_carry_badges_for_what_later_runs_said(case: Case, fake: FakePlatforms) -> None:
    edited, deleted = _collected(case, fake)
    exhibits = case.exhibits()
    newer = exhibits.states[edited]["superseded_by"]
    assert newer != edited and case.exhibit(newer).role == "post"
    page = exhibits._repr_html_()
    row = {m.group(1): m.group(0) for m in re.finditer(r"<b>(E\d{4})</b>.*?</tr>", page)}
    assert f"superseded by {newer}" in row[edited]
    assert "DELETED upstream" in row[deleted] and "DELETED upstream" not in row[newer]
    assert "original" in row[edited]
    frame = exhibits.to_frame()
    assert frame.loc[edited, "superseded_by"] == newer and frame.loc[deleted, "deleted_upstream"]
    # the posts table shows the media of a post as thumbnails of the pictures it carries
    posts = case.analysis.posts()
    with_media = [p for p in posts if p["media"]]
    assert with_media
    shown = posts._repr_html_()
    assert shown.count("class='osint-kit-thumb'") >= 1
    assert "DELETED upstream" in shown
    # a media table row starts with its thumbnail
    media = case.analysis.media()
    assert "class='osint-kit-thumb'" in media._repr_html_()


def test_the_case_summary_counts_and_shows_the_last_verification(
    case: Case, fake: FakePlatforms
) -> None:
    _collected(case, fake)
    before = case._repr_html_()
    assert "osint-kit-case" in before and "not verified in this session" in before
    assert "APP-" in before or case.authority.reference in before
    assert re.search(r"captures</th><td[^>]*>2 complete", before)
    n_posts = sum(1 for e in case.exhibits() if e.role == "post")
    assert re.search(rf"post records</th><td[^>]*>{n_posts}</td>", before)
    case.verify()
    assert "osint-kit-verified" in case._repr_html_()
    # bytes changed behind the case's back: the next verify turns the badge red
    victim = next(e for e in case.exhibits() if e.role == "post")
    victim.path.chmod(0o644)
    victim.path.write_bytes(b"{}")
    report = case.verify()
    assert not report.ok and "osint-kit-failed" in case._repr_html_()
    html = report._repr_html_()
    assert "osint-kit-failed" in html and "<summary>" in html
    assert victim.label in html  # the problem names the exhibit


def test_captures_and_the_log_read_as_tables(case: Case, fake: FakePlatforms) -> None:
    _collected(case, fake)
    failed = case.collect("telegram:nobody_here", settings=settings_for(fake), examiner=EXAMINER)
    done = case.captures()[0]
    batch = CaptureList([done, failed])
    page = batch._repr_html_()
    assert "1 complete" in page and "1 failed" in page and "nobody_here" in page
    one = failed._repr_html_()
    assert "osint-kit-capture" in one and (failed.reason or "@@") in one.replace("&#x27;", "'")
    bundle = case.disclosure.export(
        case.path / "exports" / "b.zip",
        authorization="PROS-1",
        recipient="DA <Moss>",
        exhibits=[done.exhibits[0]],
        examiner=EXAMINER,
        progress=False,
    )
    shown = bundle._repr_html_()
    assert "osint-kit-export" in shown and "DA &lt;Moss&gt;" in shown and bundle.sha256 in shown
    log = case.log._repr_html_()
    assert "osint-kit-log" in log and "collection.failed" in log
    assert log.count("<tr>") == len(case.events()) + 1


def test_long_lists_are_paged(case: Case, fake: FakePlatforms) -> None:
    _collected(case, fake)
    one = case.exhibits()[0]
    many = type(case.exhibits())(
        dataclasses.replace(one, label=f"E{n:04d}") for n in range(1, 1001)
    )
    page = many._repr_html_()
    assert page.count("<tr>") == 101 and "900 more" in page
    posts = case.analysis.posts()
    rows = type(posts)(list(posts) * 40)
    assert "more (slice the list" in rows._repr_html_()


def test_capture_records_of_the_wrong_shape_display_without_a_traceback(case: Case) -> None:
    """A plugin or a forger may write anything into a capture record: every display,
    the report and the CLI's log read it defensively."""
    from osint_kit.record.events import EventDraft

    odd = {
        "id": "C0009",
        "method": "social.telegram",
        "target": "telegram:odd",
        "status": ["not", "a", "string"],
        "changes": {"deleted": 5, "no_longer_listed": "x", "reappeared": 7, "new": [1]},
        "posts": "nope",
        "http": [1, 2],
        "blocked_requests": {"a": 1},
    }
    case.writer.append(EventDraft("evidence.acquired", capture=odd), EXAMINER.actor())
    assert "C0009" in case.log._repr_html_()
    case.exhibits()._repr_html_()
    case._repr_html_()
    assert "C0009" in case.disclosure.report().html
    (cap,) = [c for c in case.captures() if c.id == "C0009"]
    assert "C0009" in cap._repr_html_()

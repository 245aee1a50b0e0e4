"""Collecting from the fake platforms with the real scrapers: posts, changes, failures, CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import CHECKPOINT, EXAMINER, assert_ends_with_checkpoint
from osint_kit import Case
from osint_kit.errors import (
    AccountNotFound,
    InvalidTarget,
    PlatformError,
    PlatformRetired,
    PlatformUnreachable,
    UnexpectedResponse,
)
from osint_kit.record.post import Post
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import BIN, exhibits_of, posts_of, settings_for, warc_records, warcio_check

START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms() as f:
        yield f
        assert not f.errors, f.errors  # a bug in the fake must not pass unseen


def channel(fake: FakePlatforms, n: int = 45, name: str = "lost_dog_watch"):  # type: ignore[no-untyped-def]
    ch = fake.telegram.add_channel(name, title="Lost Dog Watch", subscribers=1234)
    for i in range(n):
        ch.add_post(
            date=START + timedelta(hours=i),
            text=f"Sighting {i} near the park #sighting https://example.org/map/{i}"
            "\nCall @dog_rescue",
            photos=[f"sighting-{i}.jpg"] if i % 5 == 0 else [],
            views=100 + i,
        )
    return ch


def collect(case: Case, fake: FakePlatforms, target: str, **kwargs):  # type: ignore[no-untyped-def]
    settings = kwargs.pop("settings", None) or settings_for(fake)
    return case.collect(target, settings=settings, examiner=EXAMINER, progress=False, **kwargs)


# -- Telegram -------------------------------------------------------------------


def test_telegram_channel_every_page_every_post_and_its_media(
    fake: FakePlatforms, case: Case, tmp_path: Path
) -> None:
    channel(fake, 45)
    cap = collect(case, fake, "telegram:lost_dog_watch")

    assert cap.status == "complete" and cap.method == "social.telegram"
    posts = posts_of(case, cap)
    assert len(posts) == 45
    assert [p["id"] for p in posts] == [str(i) for i in range(45, 0, -1)]  # newest first
    first = next(p for p in posts if p["id"] == "1")
    assert first["text"].startswith("Sighting 0 near the park")
    assert first["created_at"] == "2026-10-01T08:00:00Z"
    assert first["hashtags"] == ["sighting"] and "https://example.org/map/0" in first["outlinks"]
    assert first["text"].endswith("\nCall @dog_rescue")  # line breaks kept (snscrape drops them)
    assert first["mentions"] == ["telegram:@dog_rescue"]
    assert first["url"] == "https://t.me/lost_dog_watch/1" and first["counts"]["views"] == 100
    media = exhibits_of(case, cap, "media")
    assert len(media) == 9 and all(e.media_type == "image/jpeg" for e in media)
    assert first["media"][0]["sha256"] in {e.sha256 for e in media}
    # three channel pages, the channel card, nine pictures: all read, nothing written
    pages = [r for r in fake.requests if r.target.startswith("/s/")]
    assert len(pages) == 3
    assert {r.method for r in fake.requests} == {"GET"}
    (warc,) = exhibits_of(case, cap, "warc")
    out = tmp_path / "w.warc.gz"
    out.write_bytes(warc.read_bytes())
    assert warcio_check(out).returncode == 0
    responses = [r for r in warc_records(warc.read_bytes()) if r[0] == "response"]
    assert len(responses) == cap.record["http"]["requests"] == len(fake.requests)
    assert case.verify().ok


def test_a_second_run_records_new_changed_and_deleted_without_duplicates(
    fake: FakePlatforms, case: Case
) -> None:
    ch = channel(fake, 30)
    first = collect(case, fake, "telegram:lost_dog_watch")
    stored_before = len(exhibits_of(case, first, "post"))
    ch.edit(7, text="Sighting 6 — correction: it was a fox")
    ch.delete(12)
    ch.add_post(date=START + timedelta(days=3), text="Found! Thank you all.")

    second = collect(case, fake, "telegram:lost_dog_watch")

    changes = second.record["changes"]
    assert (changes["new"], changes["changed"], changes["unchanged"]) == (1, 1, 28)
    assert [d["id"] for d in changes["deleted"]] == ["12"]
    assert changes["deleted"][0]["url"] == "https://t.me/lost_dog_watch/12"
    stored = posts_of(case, second)
    assert sorted(p["id"] for p in stored) == ["31", "7"]  # only what is new or changed
    assert stored_before == 30
    # unchanged media are not fetched again
    assert not [m for m in exhibits_of(case, second, "media")]
    # a third run with nothing changed stores no post at all
    third = collect(case, fake, "telegram:lost_dog_watch")
    assert third.record["changes"]["unchanged"] == 30 and not posts_of(case, third)
    assert third.record["changes"]["deleted"] == []  # 12 was already noted as deleted
    assert case.verify().ok


def test_limit_and_since_only_vouch_for_what_they_covered(fake: FakePlatforms, case: Case) -> None:
    ch = channel(fake, 30)
    collect(case, fake, "telegram:lost_dog_watch")
    ch.delete(3)  # old: outside what a limited run sees
    ch.delete(28)  # recent: inside it

    limited = collect(case, fake, "telegram:lost_dog_watch", limit=10)
    assert limited.record["collected"] == 10
    assert [d["id"] for d in limited.record["changes"]["deleted"]] == ["28"]
    since = collect(case, fake, "telegram:lost_dog_watch", since=START + timedelta(hours=20))
    assert since.record["collected"] == 9  # posts 21..30 without 28
    assert since.record["changes"]["deleted"] == []  # 28 already noted
    full = collect(case, fake, "telegram:lost_dog_watch")
    assert [d["id"] for d in full.record["changes"]["deleted"]] == ["3"]


def test_telegram_rate_limit_honoured_and_kept_in_the_warc(fake: FakePlatforms, case: Case) -> None:
    channel(fake, 45)
    fake.fail(r"^/s/lost_dog_watch\?before=", status=429, headers={"Retry-After": "1"})

    cap = collect(case, fake, "telegram:lost_dog_watch")

    assert cap.status == "complete" and cap.record["collected"] == 45
    assert cap.record["http"]["rate_limit_waited_ms"] >= 1000
    (warc,) = exhibits_of(case, cap, "warc")
    assert [s for _, _, s, _ in warc_records(warc.read_bytes()) if s == 429] == [429]


def test_rate_limit_beyond_the_bound_keeps_what_arrived(fake: FakePlatforms, case: Case) -> None:
    channel(fake, 45)
    fake.fail(r"^/s/lost_dog_watch\?before=", status=429, headers={"Retry-After": "3600"})

    cap = collect(case, fake, "telegram:lost_dog_watch")

    assert cap.status == "partial" and "429" in (cap.reason or "")
    assert cap.record["error"] == "rate-limited" and cap.record["collected"] == 20
    assert cap.record["changes"]["deleted"] == []


def test_server_error_part_way_is_a_partial_capture(fake: FakePlatforms, case: Case) -> None:
    channel(fake, 45)
    fake.fail(r"^/s/lost_dog_watch\?before=", status=503, times=None)

    cap = collect(case, fake, "telegram:lost_dog_watch")

    assert cap.status == "partial" and "503" in (cap.reason or "")
    assert len(posts_of(case, cap)) == 20
    assert case.verify().ok


def test_html_that_changed_shape_names_the_url(fake: FakePlatforms, case: Case) -> None:
    channel(fake, 5)
    broken = b'<html><div class="tgme_widget_message" data-post="lost_dog_watch/1"></div></html>'
    fake.fail(r"^/s/lost_dog_watch$", status=200, times=None, body=broken)

    with pytest.raises(UnexpectedResponse, match=r"https://t\.me/s/lost_dog_watch") as err:
        collect(case, fake, "telegram:lost_dog_watch").raise_for_status()
    assert err.value.capture is not None and err.value.capture.status == "failed"


def test_a_collection_that_ran_and_failed_returns_its_recorded_failure(
    fake: FakePlatforms, case: Case
) -> None:
    """One failure policy: what cannot start raises; what ran returns a result saying
    what failed (recorded), and ``raise_for_status()`` turns it into the error."""
    cap = collect(case, fake, "telegram:nobody_here")
    assert cap.failed and cap.status == "failed" and "nobody_here" in (cap.reason or "")
    assert isinstance(cap.error, AccountNotFound) and cap.error.capture == cap
    (event,) = [e for e in case.events() if e.action == "collection.failed"]
    assert event.capture is not None and event.capture["id"] == cap.id
    assert "failed" in cap._repr_html_() and "nobody_here" in cap._repr_html_()
    channel(fake, 3)
    done = collect(case, fake, "telegram:lost_dog_watch")
    assert done.raise_for_status() is done and not done.failed


def test_unknown_channel_and_unreachable_platform(fake: FakePlatforms, case: Case) -> None:
    with pytest.raises(AccountNotFound, match="no Telegram channel 'nobody_here'"):
        collect(case, fake, "telegram:nobody_here").raise_for_status()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    settings = settings_for(fake, connect_to={"t.me": closed})
    with pytest.raises(PlatformUnreachable, match=r"could not reach https://t\.me/"):
        collect(case, fake, "telegram:lost_dog_watch", settings=settings).raise_for_status()
    failed = [e for e in case.events() if e.action == "collection.failed"]
    assert [e.details["capture"]["error"] for e in failed] == ["not-found", "unreachable"]
    assert case.verify().ok


# -- targets --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("myspace:tom", "unknown platform 'myspace'"),
        ("https://t.me/s/channel", "unknown platform 'https'"),
        ("telegram", "unknown platform"),
        ("telegram:", "nothing follows"),
        ("telegram:a b", "channel name"),
        ("telegram:abc", "channel name"),
        ("telegram:../etc", "channel name"),
        ("mastodon:alice", "an account is @user@host"),
        ("mastodon:@alice", "an account is @user@host"),
        ("mastodon:@al ice@social.example", "an account is @user@host"),
        ("mastodon:@alice@bad_host", "an account is @user@host"),
        ("mastodon:#tag", "a hashtag needs its instance"),
        ("bluesky:not a handle", "write bluesky:HANDLE"),
        ("bluesky:nodots", "write bluesky:HANDLE"),
        ("", "it is empty"),
    ],
)
def test_bad_targets_are_refused_before_anything_is_recorded(
    case: Case, target: str, message: str
) -> None:
    before = len(case.events())
    with pytest.raises(InvalidTarget, match=message):
        case.collect(target, examiner=EXAMINER, progress=False)
    assert len(case.events()) == before


@pytest.mark.parametrize("platform", ["twitter", "reddit", "facebook", "instagram", "vk"])
def test_retired_platforms_fail_clearly_and_on_the_record(case: Case, platform: str) -> None:
    with pytest.raises(PlatformRetired, match=r"no longer works.*osint-kit capture") as err:
        case.collect(f"{platform}:someone", examiner=EXAMINER, progress=False)
    assert err.value.capture is not None
    event = assert_ends_with_checkpoint(case)
    assert event.action == "collection.failed"
    assert event.details["capture"]["error"] == "retired"
    assert event.details["capture"]["method"] == f"social.{platform}"


def test_post_fingerprint_ignores_counts_but_not_text() -> None:
    from osint_kit.record.post import Author

    a = Post(
        "telegram", "1", "u", Author("c"), "2026-01-01T00:00:00Z", "hello", counts={"views": 1}
    )
    b = Post(
        "telegram",
        "1",
        "u",
        Author("c", "Other name"),
        "2026-01-01T00:00:00Z",
        "hello",
        counts={"views": 9},
    )
    c = Post(
        "telegram", "1", "u", Author("c"), "2026-01-01T00:00:00Z", "hello!", counts={"views": 1}
    )
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


# -- snscrape on Python 3.12+ ------------------------------------------------------


def test_snscrape_imports_without_the_api_python_3_12_removed(tmp_path: Path) -> None:
    """On 3.12+ `find_module` is gone; take it away here too and import as osint-kit does."""
    script = textwrap.dedent(
        """
        import importlib.machinery, sys
        for cls in (importlib.machinery.FileFinder, importlib.machinery.PathFinder):
            if hasattr(cls, "find_module"):
                delattr(cls, "find_module")
        try:
            import snscrape.modules.telegram  # what fails on 3.12
        except AttributeError as exc:
            print("plain import fails:", exc)
        for name in [m for m in sys.modules if m.startswith("snscrape.modules")]:
            del sys.modules[name]
        from osint_kit.acquire.social.snscrape_compat import snscrape_module
        tg = snscrape_module("telegram")
        md = snscrape_module("mastodon")
        print("ok", tg.TelegramChannelScraper.name, md.MastodonProfileScraper.name)
        """
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "plain import fails" in r.stdout
    assert "ok telegram-channel mastodon-profile" in r.stdout


# -- CLI ------------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "osint-kit"), *args], capture_output=True, text=True, env={**os.environ, **env}
    )


def test_cli_collect_prints_a_summary_and_maps_failures(
    fake: FakePlatforms, case: Case, examiner_env: object
) -> None:
    channel(fake, 25)
    routes = ",".join(f"{h}={u}" for h, u in {**fake.connect_to, "*": fake.url}.items())
    env = {"OSINT_KIT_CONNECT_TO": routes, "OSINT_KIT_CASES": str(case.path.parent)}

    r = _cli("collect", case.id, "telegram:lost_dog_watch", "--quiet", env=env)
    assert r.returncode == 0, r.stderr
    assert "[complete]" in r.stdout and "25 post(s) seen: 25 new" in r.stdout
    assert "post        25" in r.stdout and "warc" in r.stdout

    r = _cli("collect", case.id, "twitter:someone", env=env)
    assert r.returncode == 11 and "osint-kit capture" in r.stderr and "recorded as C" in r.stderr
    r = _cli("collect", case.id, "friendster:x", env=env)
    assert r.returncode == 2 and "unknown platform" in r.stderr
    r = _cli("collect", case.id, "telegram:lost_dog_watch", "--since", "yesterday", env=env)
    assert r.returncode == 2 and "--since" in r.stderr
    r = _cli("log", case.id, "--json", env=env)
    actions = [json.loads(line)["action"] for line in r.stdout.splitlines()]
    # each run that recorded something is checkpointed; the refused ones recorded nothing
    assert actions[-4:] == ["evidence.acquired", CHECKPOINT, "collection.failed", CHECKPOINT]


# -- Mastodon -------------------------------------------------------------------


def mastodon_world(fake: FakePlatforms, version: str, n: int = 12):  # type: ignore[no-untyped-def]
    inst = fake.mastodon.add_instance("social.example", version=version)
    alice = inst.add_account("alice", display_name="Alice Moderator")
    bob = inst.add_account("bob", display_name="Bob")
    statuses = []
    for i in range(n):
        statuses.append(
            inst.add_status(
                alice,
                created_at=START + timedelta(hours=i),
                text=f"Post {i} about the lost dog #lostdog @bob https://example.org/p/{i}",
                media=[("image", f"photo-{i}.png", f"photo {i}")] if i % 4 == 0 else [],
            )
        )
    reply = inst.add_status(
        bob, created_at=START + timedelta(days=2), text="@alice seen it", in_reply_to=statuses[3]
    )
    boost = inst.add_status(alice, created_at=START + timedelta(days=2, hours=1), reblog_of=reply)
    return inst, statuses, reply, boost


def test_mastodon_4_account_through_the_rest_api(fake: FakePlatforms, case: Case) -> None:
    _, statuses, reply, boost = mastodon_world(fake, "4.2.10", n=50)

    cap = collect(case, fake, "mastodon:@alice@social.example")

    assert cap.status == "complete", cap.reason
    assert cap.record["via"] == "api" and cap.record["instance_version"] == "4.2.10"
    posts = {p["id"]: p for p in posts_of(case, cap)}
    assert len(posts) == 50 + 2  # her posts, her boost, and the boosted reply
    first = posts[statuses[0].id]
    assert first["author"]["handle"] == "@alice@social.example"
    assert first["text"].startswith("Post 0 about the lost dog")
    assert first["hashtags"] == ["lostdog"]
    assert first["mentions"] == ["mastodon:@bob@social.example"]
    assert "https://example.org/p/0" in first["outlinks"]
    assert first["media"][0]["alt"] == "photo 0" and first["media"][0]["sha256"]
    assert posts[boost.id]["reposted"] == reply.id
    assert posts[reply.id]["reply_to"] == statuses[3].id
    assert len([r for r in fake.requests if "/statuses" in r.target]) == 2  # 40 a page
    assert len(exhibits_of(case, cap, "media")) == 13


def test_mastodon_3_account_through_its_html_pages_with_snscrape(
    fake: FakePlatforms, case: Case
) -> None:
    _, statuses, reply, _ = mastodon_world(fake, "3.5.3", n=4)

    cap = collect(case, fake, "mastodon:@alice@social.example")

    assert cap.status == "complete", cap.reason
    assert cap.record["via"] == "html" and cap.record["library"] == "snscrape"
    posts = {p["id"]: p for p in posts_of(case, cap)}
    ours = {s.id: s for s in statuses}
    assert set(ours) <= set(posts)
    p0 = posts[statuses[0].id]
    assert p0["author"]["handle"] == "@alice@social.example"
    assert p0["hashtags"] == ["lostdog"]
    assert p0["mentions"] == ["mastodon:@bob@social.example"]
    assert p0["media"] and p0["media"][0]["sha256"]
    assert any(p["reposted"] == reply.id for p in posts.values())
    assert any(r.target.startswith("/@alice/with_replies") for r in fake.requests)


def test_mastodon_hashtag_and_single_post_with_its_thread(fake: FakePlatforms, case: Case) -> None:
    _, statuses, reply, _ = mastodon_world(fake, "4.2.10", n=6)

    tag = collect(case, fake, "mastodon:#LostDog@social.example")
    assert tag.target == "mastodon:#lostdog@social.example"
    assert {p["id"] for p in posts_of(case, tag)} == {s.id for s in statuses}

    one = collect(case, fake, f"mastodon:{statuses[3].url}")
    ids = {p["id"] for p in posts_of(case, one)}
    assert ids == {statuses[3].id, reply.id}  # the post and the reply below it


def test_mastodon_edit_and_delete_between_runs(fake: FakePlatforms, case: Case) -> None:
    inst, statuses, _, _ = mastodon_world(fake, "4.2.10", n=10)
    collect(case, fake, "mastodon:@alice@social.example")
    inst.edit(statuses[2].id, text="Post 2, corrected")
    inst.delete(statuses[5].id)

    again = collect(case, fake, "mastodon:@alice@social.example")

    ch = again.record["changes"]
    assert ch["changed"] == 1 and [d["id"] for d in ch["deleted"]] == [statuses[5].id]
    (changed,) = posts_of(case, again)
    assert changed["text"] == "Post 2, corrected" and changed["edited_at"]


def test_mastodon_account_that_does_not_exist_and_a_changed_api(
    fake: FakePlatforms, case: Case
) -> None:
    mastodon_world(fake, "4.2.10", n=4)
    with pytest.raises(AccountNotFound, match="HTTP 404"):
        collect(case, fake, "mastodon:@nobody@social.example").raise_for_status()
    fake.fail(
        r"^/api/v1/accounts/\d+/statuses", status=200, body=b'{"statuses": "moved"}', times=None
    )
    with pytest.raises(
        UnexpectedResponse, match=r"https://social\.example/api/v1/accounts/\d+/statuses"
    ):
        collect(case, fake, "mastodon:@alice@social.example").raise_for_status()
    fake.clear_faults()
    fake.fail(r"^/api/v1/instance", status=502, times=None)
    with pytest.raises(PlatformError, match="HTTP 502"):
        collect(case, fake, "mastodon:@alice@social.example").raise_for_status()


# -- Bluesky --------------------------------------------------------------------


def test_bluesky_author_feed_with_reposts_media_and_pages(fake: FakePlatforms, case: Case) -> None:
    bsky = fake.bluesky
    carol = bsky.add_actor("carol.bsky.fake", display_name="Carol")
    dave = bsky.add_actor("dave.bsky.fake", display_name="Dave")
    mine = [
        bsky.add_post(
            carol,
            text=f"Update {i}: still searching",
            created_at=START + timedelta(hours=i),
            images=[f"img-{i}.jpg"] if i % 10 == 0 else [],
        )
        for i in range(60)
    ]
    theirs = bsky.add_post(dave, text="Found a collar", created_at=START + timedelta(days=3))
    bsky.repost(carol, theirs)

    cap = collect(case, fake, "bluesky:carol.bsky.fake")

    assert cap.status == "complete", cap.reason
    posts = posts_of(case, cap)
    assert len(posts) == 60 + 2
    by_id = {p["id"]: p for p in posts}
    assert by_id[mine[0].uri]["media"][0]["sha256"]
    assert any(p["reposted"] and p["author"]["handle"] == "carol.bsky.fake" for p in posts)
    assert by_id[theirs.uri]["author"]["handle"] == "dave.bsky.fake"
    feeds = [r for r in fake.requests if "getAuthorFeed" in r.target]
    assert len(feeds) == 2 and "cursor=" in feeds[1].target
    assert len(exhibits_of(case, cap, "media")) == 6
    with pytest.raises(AccountNotFound, match=r"Profile not found|does not exist"):
        collect(case, fake, "bluesky:nobody.bsky.fake").raise_for_status()


def test_bluesky_server_error_on_the_second_page_keeps_the_first(
    fake: FakePlatforms, case: Case
) -> None:
    bsky = fake.bluesky
    erin = bsky.add_actor("erin.bsky.fake")
    for i in range(70):
        bsky.add_post(erin, text=f"note {i}", created_at=START + timedelta(minutes=i))
    fake.fail(
        r"getAuthorFeed.*cursor=", status=500, times=None, body=b'{"error":"InternalServerError"}'
    )

    cap = collect(case, fake, "bluesky:erin.bsky.fake")

    assert cap.status == "partial" and "HTTP 500" in (cap.reason or "")
    assert len(posts_of(case, cap)) == 50 and cap.record["changes"]["deleted"] == []


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7", 7.0), ("0", 0.0), (None, None), ("soon", None), ("Wed, 25 Nov 2026 10:00:30 GMT", 30.0)],
)
def test_retry_after_as_seconds_or_a_date(value: str | None, seconds: float | None) -> None:
    from osint_kit.acquire.social.http import retry_after_seconds

    now = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(value, now) == seconds


def test_a_library_that_tries_to_write_is_stopped_before_anything_leaves(
    fake: FakePlatforms,
) -> None:
    from osint_kit.acquire.social.http import PlatformHTTP
    from osint_kit.errors import WriteRefused

    http = PlatformHTTP(settings_for(fake))
    with pytest.raises(WriteRefused, match="read-only"):
        http.session.post("https://t.me/s/lost_dog_watch", data={"a": "b"})
    assert http.blocked == [{"method": "POST", "url": "https://t.me/s/lost_dog_watch"}]
    assert fake.requests == []


def test_case_posts_is_the_latest_version_of_each_with_deletions(
    fake: FakePlatforms, case: Case
) -> None:
    ch = channel(fake, 12)
    collect(case, fake, "telegram:lost_dog_watch")
    ch.edit(4, text="Sighting 3, corrected")
    ch.delete(9)
    collect(case, fake, "telegram:lost_dog_watch")

    posts = case.analysis.posts("telegram:lost_dog_watch")
    assert len(posts) == 12 and posts[0]["id"] == "12"  # newest first
    row = {r["id"]: r for r in posts}
    assert row["4"]["text"] == "Sighting 3, corrected" and row["4"]["versions"] == 2
    assert row["9"]["deleted"] and not row["8"]["deleted"]
    frame = posts.to_frame()
    assert list(frame.columns)[:4] == ["exhibit", "capture", "platform", "id"]
    assert str(frame["created_at"].dt.tz) == "UTC"
    assert "12 posts" in posts._repr_html_()
    assert case.analysis.posts("telegram:someone_else") == []


def test_mastodon_3_single_toot_with_its_thread_and_a_missing_account(
    fake: FakePlatforms, case: Case
) -> None:
    _, statuses, reply, _ = mastodon_world(fake, "3.5.3", n=5)

    one = collect(case, fake, f"mastodon:{statuses[3].url}")

    assert one.record["via"] == "html"
    ids = {p["id"] for p in posts_of(case, one)}
    assert {statuses[3].id, reply.id} <= ids
    assert any(r.target == f"/@alice/{statuses[3].id}" for r in fake.requests)
    with pytest.raises(AccountNotFound, match="HTTP 404"):
        collect(case, fake, "mastodon:@nobody@social.example").raise_for_status()


def test_a_batch_being_staged_is_in_progress_and_a_killed_one_is_repaired(
    case: Case, tmp_path: Path
) -> None:
    batch = case.store.open_batch()
    batch.add(b'{"post": 1}\n')
    batch.add(b'{"post": 2}\n')
    report = case.verify()
    assert report.ok and len([n for n in report.notes if "in progress" in n]) == 3
    batch.abandon()
    assert case.verify().ok and not list(case.store.incoming_dir.iterdir())

    script = textwrap.dedent(
        f"""
        import os, signal
        from osint_kit import Case
        case = Case.open({case.id!r}, root={str(case.path.parent)!r})
        batch = case.store.open_batch()
        for n in range(50):
            batch.add(b"post %d" % n)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == -9
    report = case.verify()
    kinds = {p.kind for p in report.problems}
    assert kinds == {"interrupted-import"} and len(report.problems) == 51  # 50 parts + the lock
    repaired = case.repair(examiner=EXAMINER)
    assert len(repaired.discarded) == 51
    assert case.verify().ok and not list(case.store.incoming_dir.iterdir())

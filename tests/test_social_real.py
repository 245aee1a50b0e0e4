"""Collection against what Telegram, Mastodon and Bluesky really returned.

The fake platforms serve the recorded bodies (../shared/fixtures/real, read in
place) at the URLs they were recorded from; the real snscrape scraper and our
clients parse them. Expected values are computed from the recordings
independently of osint-kit's parsers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import AccountNotFound
from osint_kit_sandbox.platforms import FakePlatforms
from recordings import cassette, real_file, serve_fosstodon
from social_helpers import exhibits_of, posts_of, settings_for, warc_records, warcio_check

HTML = [("Content-Type", "text/html; charset=utf-8")]
JSON = [("Content-Type", "application/json; charset=utf-8")]


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms() as f:
        yield f


def test_telegram_channel_page_as_t_me_served_it(
    fake: FakePlatforms, case: Case, tmp_path: Path
) -> None:
    page = real_file("telegram/tme_s_nexta_live.html").read_bytes()
    card = real_file("telegram/tme_nexta_live_channel_info.html").read_bytes()
    fake.canned("t.me", "/s/nexta_live", 200, HTML, page)
    fake.canned("t.me", "/nexta_live", 200, HTML, card)
    # Older pages were not recorded: an empty page of our own ends the pagination.
    fake.canned("t.me", "/s/nexta_live?before=13358", 200, HTML, b"<html><body></body></html>")
    soup = BeautifulSoup(page, "lxml")
    blocks = soup.find_all("div", attrs={"class": "tgme_widget_message", "data-post": True})
    photos = sum(len(b.find_all("a", class_="tgme_widget_message_photo_wrap")) for b in blocks)

    cap = case.collect(
        "telegram:nexta_live", settings=settings_for(fake), examiner=EXAMINER, progress=False
    )

    assert cap.status == "complete", cap.reason
    posts = posts_of(case, cap)
    assert sorted(p["id"] for p in posts) == sorted(b["data-post"].split("/")[1] for b in blocks)
    assert all(p["format"] == "osint-kit.post/2" and p["platform"] == "telegram" for p in posts)
    by_id = {p["id"]: p for p in posts}
    forwarded = by_id["13365"]
    assert forwarded["reposted"] == "https://t.me/luxta_tv/2320"
    assert forwarded["media"][0]["type"] == "video_thumbnail"  # "Media is too big" on t.me
    assert by_id["13360"]["created_at"] == "2021-02-20T13:35:00Z"
    assert by_id["13360"]["counts"]["views"] == 448_700
    assert by_id["13360"]["author"]["display_name"] == "NEXTA Live"
    assert by_id["13358"]["raw"]["snscrape"]["linkPreview"] is not None
    for b in blocks:  # text as shown: one line per <br>
        text_div = b.find("div", class_="tgme_widget_message_text")
        if text_div is not None:
            shown = by_id[b["data-post"].split("/")[1]]["text"]
            assert shown.count("\n") == len(text_div.find_all("br"))
            assert shown.replace("\n", "") == text_div.get_text()
    # every photo on the page was downloaded and kept, linked from its post by hash
    media = exhibits_of(case, cap, "media")
    listed = [m for p in posts for m in p["media"] if m["type"] == "image"]
    assert len(listed) == photos and all(m.get("sha256") for m in listed)
    assert {m["sha256"] for m in listed} <= {e.sha256 for e in media}
    assert all(e.source and e.source.startswith("https://cdn4.telesco.pe/") for e in media)
    # the WARC holds the page exactly as served, and passes warcio check
    (warc,) = exhibits_of(case, cap, "warc")
    records = warc_records(warc.read_bytes())
    served = [
        body
        for kind, uri, status, body in records
        if uri == "https://t.me/s/nexta_live" and kind == "response"
    ]
    assert served == [page]
    out = tmp_path / "run.warc.gz"
    out.write_bytes(warc.read_bytes())
    check = warcio_check(out)
    assert check.returncode == 0, check.stdout + check.stderr
    (profile,) = exhibits_of(case, cap, "profile")
    assert json.loads(profile.read_bytes())["username"] == "nexta_live"
    assert case.verify().ok


def test_telegram_channel_that_does_not_exist(fake: FakePlatforms, case: Case) -> None:
    missing = real_file("telegram/tme_nonexistent_channel.html").read_bytes()
    fake.canned(
        "t.me", "/s/nexta_live1432", 302, [("Location", "https://t.me/nexta_live1432")], b""
    )
    fake.canned("t.me", "/nexta_live1432", 200, HTML, missing)

    with pytest.raises(AccountNotFound, match="no Telegram channel 'nexta_live1432'") as err:
        case.collect(
            "telegram:nexta_live1432",
            settings=settings_for(fake),
            examiner=EXAMINER,
            progress=False,
        ).raise_for_status()

    cap = err.value.capture
    assert cap is not None and cap.status == "failed"
    (event,) = [e for e in case.events() if e.action == "collection.failed"]
    assert event.details["capture"]["error"] == "not-found"
    # what t.me answered is kept: proof the channel was not there
    (warc,) = exhibits_of(case, case.captures()[-1], "warc")
    assert any(body == missing for _, _, _, body in warc_records(warc.read_bytes()))
    assert case.verify().ok


def test_mastodon_account_through_the_api_with_real_link_pagination(
    fake: FakePlatforms, case: Case
) -> None:
    _, pages = serve_fosstodon(fake)
    statuses = [s for page in pages for s in page]
    acct = json.loads(cassette("mastodon/rtoot_fosstodon_account.yml")[0].body)

    cap = case.collect(
        f"mastodon:@{acct['username']}@fosstodon.org",
        settings=settings_for(fake, media=False),  # the media hosts were not recorded
        examiner=EXAMINER,
        progress=False,
    )

    assert cap.status == "complete", cap.reason
    assert cap.record["via"] == "api" and cap.record["instance_version"] == "4.3.0"
    posts = {p["id"]: p for p in posts_of(case, cap)}
    boosts = [s for s in statuses if s.get("reblog")]
    assert len(posts) == len(statuses) + len(boosts)  # a boost and the boosted post
    for s in statuses:
        post = posts[s["id"]]
        assert post["created_at"][:19] == s["created_at"][:19]
        assert post["hashtags"] == [t["name"] for t in s["tags"]]
        assert post["mentions"] == [
            "mastodon:@" + (m["acct"] if "@" in m["acct"] else f"{m['acct']}@fosstodon.org").lower()
            for m in s["mentions"]
        ]
        assert [m["url"] for m in post["media"]] == [m["url"] for m in s["media_attachments"]]
        assert post["raw"] == s
        assert "<p>" not in post["text"]
    for s in boosts:
        assert posts[s["id"]]["reposted"] == s["reblog"]["id"]
        assert s["reblog"]["id"] in posts
    replies = [s for s in statuses if s["in_reply_to_id"]]
    assert all(posts[s["id"]]["reply_to"] == s["in_reply_to_id"] for s in replies)
    # every page was asked for, as the Link headers said
    asked = [r.target for r in fake.requests if "/statuses" in r.target]
    assert len(asked) == len(pages) + 1
    assert exhibits_of(case, cap, "profile")


def test_bluesky_author_feed_as_the_appview_served_it(fake: FakePlatforms, case: Case) -> None:
    (feed,) = cassette("bluesky/bskyr_getAuthorFeed.yml")
    (profiles,) = cassette("bluesky/bskyr_getProfiles.yml")
    data = json.loads(feed.body)
    profile = json.loads(profiles.body)["profiles"][0]
    handle = profile["handle"]
    fake.canned(
        "bsky.fake",
        f"/xrpc/app.bsky.actor.getProfile?actor={handle}",
        200,
        JSON,
        json.dumps(profile).encode(),
    )
    fake.canned(
        "bsky.fake",
        f"/xrpc/app.bsky.feed.getAuthorFeed?actor={handle}&limit=50",
        200,
        feed.headers,
        feed.body,
    )
    from urllib.parse import quote

    cursor = quote(data["cursor"], safe="")
    fake.canned(
        "bsky.fake",
        f"/xrpc/app.bsky.feed.getAuthorFeed?actor={handle}&limit=50&cursor={cursor}",
        200,
        JSON,
        b'{"feed":[]}',
    )

    cap = case.collect(
        f"bluesky:{handle}",
        settings=settings_for(fake, media=False),
        examiner=EXAMINER,
        progress=False,
    )

    assert cap.status == "complete", cap.reason
    posts = posts_of(case, cap)
    reposts = [
        i for i in data["feed"] if (i.get("reason") or {}).get("$type", "").endswith("reasonRepost")
    ]
    quoted_uris = set()  # quoted posts the answer shows in full are collected too
    for item in data["feed"]:
        embed = item["post"].get("embed") or {}
        view = embed.get("record") or {}
        if "recordWithMedia" in embed.get("$type", ""):
            view = view.get("record") or {}
        if view.get("$type", "").endswith("#viewRecord"):
            quoted_uris.add(view["uri"])
    quoted_uris -= {i["post"]["uri"] for i in data["feed"]}
    assert len(posts) == len(data["feed"]) + len(reposts) + len(quoted_uris)
    by_id = {p["id"]: p for p in posts}
    for item in data["feed"]:
        p, record = item["post"], item["post"]["record"]
        post = by_id[p["uri"]]
        assert post["text"] == record["text"]
        assert post["author"]["id"] == p["author"]["did"]
        tags = [
            f["tag"]
            for fc in record.get("facets", [])
            for f in fc["features"]
            if f["$type"].endswith("#tag")
        ]
        assert post["hashtags"] == tags
        kind = (p.get("embed") or {}).get("$type", "")
        if kind == "app.bsky.embed.images#view":
            assert [m["url"] for m in post["media"]] == [
                i["fullsize"] for i in p["embed"]["images"]
            ]
        if kind == "app.bsky.embed.record#view":
            assert post["quoted"] == p["embed"]["record"]["uri"]
        if kind == "app.bsky.embed.recordWithMedia#view":
            assert post["quoted"] == p["embed"]["record"]["record"]["uri"]
            inner = p["embed"]["media"]
            if inner["$type"] == "app.bsky.embed.images#view":
                assert [m["url"] for m in post["media"]] == [i["fullsize"] for i in inner["images"]]
            else:
                assert inner["external"]["uri"] in post["outlinks"]
        if kind == "app.bsky.embed.external#view":
            assert p["embed"]["external"]["uri"] in post["outlinks"]
        if "reply" in record:
            assert post["reply_to"] == record["reply"]["parent"]["uri"]
    for item in reposts:
        assert any(
            x["reposted"] and x["author"]["id"] == item["reason"]["by"]["did"] for x in posts
        )


def test_bluesky_thread(fake: FakePlatforms, case: Case) -> None:
    (thread,) = cassette("bluesky/bskyr_getPostThread.yml")
    data = json.loads(thread.body)["thread"]["post"]
    did = data["author"]["did"]
    handle = data["author"]["handle"]
    rkey = data["uri"].rsplit("/", 1)[1]
    profile = {"did": did, "handle": handle}
    fake.canned(
        "bsky.fake",
        f"/xrpc/app.bsky.actor.getProfile?actor={handle}",
        200,
        JSON,
        json.dumps(profile).encode(),
    )
    from urllib.parse import quote

    uri = quote(data["uri"], safe="")
    fake.canned(
        "bsky.fake",
        f"/xrpc/app.bsky.feed.getPostThread?uri={uri}&depth=100&parentHeight=100",
        200,
        thread.headers,
        thread.body,
    )

    cap = case.collect(
        f"bluesky:https://bsky.app/profile/{handle}/post/{rkey}",
        settings=settings_for(fake, media=False),
        examiner=EXAMINER,
        progress=False,
    )

    (post,) = posts_of(case, cap)
    assert post["id"] == data["uri"] and post["text"] == data["record"]["text"]
    assert len(post["media"]) == len(data["embed"]["images"])

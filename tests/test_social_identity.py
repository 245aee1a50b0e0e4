"""One identity per account: authors, mentions and the accounts replied to, quoted and
reposted are account keys, so they join; quoted posts are collected; a thread keeps its
author's profile (issue 15).

Against the fake platforms, then against what Mastodon and Bluesky really answered
(``../shared/fixtures/real``, read in place; skipped when absent).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from conftest import EXAMINER
from osint_kit import Capture, Case
from osint_kit.record.post import account_key
from osint_kit_sandbox.platforms import FakePlatforms
from recordings import cassette, serve_fosstodon
from social_helpers import exhibits_of, posts_of, settings_for

START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
HOST = "social.example"
JSON = [("Content-Type", "application/json; charset=utf-8")]


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms() as f:
        yield f
        assert not f.errors, f.errors


def collect(case: Case, fake: FakePlatforms, target: str, **overrides: Any) -> Capture:
    return case.collect(
        target,
        settings=settings_for(fake, media=False, **overrides),
        examiner=EXAMINER,
        progress=False,
    )


def by_id(case: Case, cap: Capture) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in posts_of(case, cap)}


def profile_of(case: Case, cap: Capture) -> dict[str, Any]:
    (profile,) = exhibits_of(case, cap, "profile")
    data: dict[str, Any] = json.loads(profile.read_bytes())
    return data


# -- Mastodon ---------------------------------------------------------------------


def mastodon(fake: FakePlatforms, version: str = "4.4.0"):  # type: ignore[no-untyped-def]
    inst = fake.mastodon.add_instance(HOST, version=version)
    alice = inst.add_account("alice", display_name="Alice")
    bob = inst.add_account("bob", display_name="Bob")
    root = inst.add_status(
        alice, created_at=START, text="Lost dog @bob @carol@other.example #lostdog"
    )
    reply = inst.add_status(
        bob, created_at=START + timedelta(hours=1), text="@alice seen it", in_reply_to=root
    )
    answer = inst.add_status(
        alice, created_at=START + timedelta(hours=2), text="@bob where?", in_reply_to=reply
    )
    return inst, alice, bob, root, reply, answer


ALICE = f"mastodon:@alice@{HOST}"
BOB = f"mastodon:@bob@{HOST}"


def test_mastodon_local_mentions_are_full_keys_and_join_the_authors(
    fake: FakePlatforms, case: Case
) -> None:
    inst, alice, bob, root, reply, answer = mastodon(fake)
    collar = inst.add_status(bob, created_at=START + timedelta(hours=3), text="Found a collar")
    quoting = inst.add_status(
        alice, created_at=START + timedelta(hours=4), text="Look", quote_of=collar
    )
    boost = inst.add_status(alice, created_at=START + timedelta(hours=5), reblog_of=reply)

    cap = collect(case, fake, f"mastodon:@alice@{HOST}")

    posts = by_id(case, cap)
    first = posts[root.id]
    # "bob" in the answer is local to social.example: one key, whoever writes it
    assert first["mentions"] == [BOB, "mastodon:@carol@other.example"]
    assert first["author"] == {
        "key": ALICE,
        "handle": f"@alice@{HOST}",
        "display_name": "Alice",
        "id": alice.id,
        "url": f"https://{HOST}/@alice",
        "uri": f"https://{HOST}/users/alice",
    }
    assert posts[reply.id]["author"]["key"] == BOB  # the boosted reply, collected too
    assert posts[reply.id]["mentions"] == [ALICE]
    # replies name the account they answer, by key
    assert posts[reply.id]["reply_to"] == root.id
    assert posts[reply.id]["reply_to_account"] == ALICE
    assert posts[answer.id]["reply_to_account"] == BOB
    assert first["reply_to"] is None and first["reply_to_account"] is None
    # a boost points to the boosted post by its id, and to its author
    assert posts[boost.id]["reposted"] == reply.id
    assert posts[boost.id]["reposted_account"] == BOB
    # a quote (4.4+) is linked, and the quoted post is collected as a post of its own
    assert posts[quoting.id]["quoted"] == collar.id
    assert posts[quoting.id]["quoted_account"] == BOB
    assert posts[collar.id]["text"] == "Found a collar"
    assert posts[collar.id]["author"]["key"] == BOB
    authors = {p["author"]["key"] for p in posts.values()}
    mentioned = {m for p in posts.values() for m in p["mentions"]}
    assert authors <= mentioned | {ALICE} and BOB in authors & mentioned


def test_a_quote_inside_a_quote_is_linked_by_id_and_not_invented(
    fake: FakePlatforms, case: Case
) -> None:
    inst, alice, bob, *_ = mastodon(fake)
    collar = inst.add_status(bob, created_at=START + timedelta(hours=3), text="Found a collar")
    inner = inst.add_status(
        alice, created_at=START + timedelta(hours=4), text="Look", quote_of=collar
    )
    outer = inst.add_status(bob, created_at=START + timedelta(hours=5), text="Yes", quote_of=inner)

    posts = by_id(case, collect(case, fake, f"mastodon:@bob@{HOST}"))

    assert (posts[outer.id]["quoted"], posts[outer.id]["quoted_account"]) == (inner.id, ALICE)
    # Mastodon shows a quote's own quote only by id (a ShallowQuote): no account to name
    assert (posts[inner.id]["quoted"], posts[inner.id]["quoted_account"]) == (collar.id, None)


def test_local_handles_take_the_instance_domain_not_the_host_it_is_served_from(
    fake: FakePlatforms, case: Case
) -> None:
    _, _, _, root, _, _ = mastodon(fake, "4.2.10")
    # an instance whose handles are @user@example.org, served from social.example
    instance = {"uri": "example.org", "version": "4.2.10", "title": "Example"}
    fake.fail(r"^/api/v1/instance", status=200, body=json.dumps(instance).encode(), times=None)

    cap = collect(case, fake, f"mastodon:@alice@{HOST}")

    assert cap.record["local_domain"] == "example.org"
    posts = by_id(case, cap)
    assert posts[root.id]["author"]["key"] == "mastodon:@alice@example.org"
    assert posts[root.id]["mentions"][0] == "mastodon:@bob@example.org"


def test_a_mastodon_thread_keeps_its_author_profile_and_names_who_replies_to_whom(
    fake: FakePlatforms, case: Case
) -> None:
    _, alice, _, root, reply, answer = mastodon(fake)

    cap = collect(case, fake, f"mastodon:{reply.url}")

    profile = profile_of(case, cap)  # bob's Account, as an account collection keeps it
    assert (profile["id"], profile["acct"], profile["url"]) == (
        reply.account.id,
        "bob",
        f"https://{HOST}/@bob",
    )
    posts = by_id(case, cap)
    assert set(posts) == {root.id, reply.id, answer.id}  # ancestors and descendants
    assert posts[reply.id]["reply_to_account"] == ALICE
    assert posts[answer.id]["reply_to_account"] == BOB
    assert posts[root.id]["author"]["id"] == alice.id


def test_mastodon_3_pages_give_the_same_keys_and_a_thread_profile(
    fake: FakePlatforms, case: Case
) -> None:
    _, _, _, root, reply, _ = mastodon(fake, "3.5.3")

    cap = collect(case, fake, f"mastodon:{root.url}")

    assert cap.record["via"] == "html"
    posts = by_id(case, cap)
    assert posts[root.id]["author"]["key"] == ALICE
    assert posts[root.id]["mentions"] == [BOB, "mastodon:@carol@other.example"]
    assert posts[reply.id]["author"]["key"] == BOB
    assert posts[reply.id]["mentions"] == [ALICE]
    assert profile_of(case, cap)["account"] == f"@alice@{HOST}"


# -- Bluesky ----------------------------------------------------------------------


def test_bluesky_accounts_by_did_quotes_collected_replies_and_reposts_named(
    fake: FakePlatforms, case: Case
) -> None:
    bsky = fake.bluesky
    carol = bsky.add_actor("carol.bsky.fake", display_name="Carol")
    dave = bsky.add_actor("dave.bsky.fake", display_name="Dave")
    lost = bsky.add_post(carol, text="Lost cat, ask @dave.bsky.fake", created_at=START)
    found = bsky.add_post(
        dave, text="Found it", created_at=START + timedelta(hours=1), images=["cat.jpg"]
    )
    thanks = bsky.add_post(
        carol, text="Thank you!", created_at=START + timedelta(hours=2), reply_to=found
    )
    quoting = bsky.add_post(
        carol,
        text="Dave found her",
        created_at=START + timedelta(hours=3),
        quote_of=found,
        images=["home.jpg"],
    )
    bsky.repost(carol, found)
    carol_key, dave_key = f"bluesky:{carol.did}", f"bluesky:{dave.did}"

    cap = collect(case, fake, "bluesky:carol.bsky.fake")

    posts = by_id(case, cap)
    assert posts[lost.uri]["author"]["key"] == carol_key
    assert posts[lost.uri]["author"]["handle"] == "carol.bsky.fake"
    assert posts[lost.uri]["mentions"] == [dave_key]  # the facet's DID, not the text
    assert posts[thanks.uri]["reply_to"] == found.uri
    assert posts[thanks.uri]["reply_to_account"] == dave_key
    # quote with media: the quoting post keeps its picture, the quoted one is collected
    assert posts[quoting.uri]["quoted"] == found.uri
    assert posts[quoting.uri]["quoted_account"] == dave_key
    assert len(posts[quoting.uri]["media"]) == 1
    quoted = posts[found.uri]
    assert quoted["author"]["key"] == dave_key and quoted["text"] == "Found it"
    assert quoted["url"] == f"https://bsky.app/profile/dave.bsky.fake/post/{found.uri[-13:]}"
    assert len(quoted["media"]) == 1
    (repost,) = [p for p in posts.values() if p["reposted"]]
    assert (repost["reposted"], repost["reposted_account"]) == (found.uri, dave_key)
    assert repost["author"]["key"] == carol_key
    assert {p["author"]["key"] for p in posts.values()} == {carol_key, dave_key}


def test_a_repost_of_an_old_post_does_not_end_a_run_since_a_date(
    fake: FakePlatforms, case: Case
) -> None:
    bsky = fake.bluesky
    carol = bsky.add_actor("carol.bsky.fake")
    dave = bsky.add_actor("dave.bsky.fake")
    old = bsky.add_post(carol, text="old", created_at=START)
    theirs = bsky.add_post(dave, text="theirs, older still", created_at=START - timedelta(days=9))
    recent = bsky.add_post(carol, text="recent", created_at=START + timedelta(days=3))
    bsky.repost(carol, theirs, created_at=START + timedelta(days=4))
    newest = bsky.add_post(carol, text="newest", created_at=START + timedelta(days=5))

    cap = case.collect(
        "bluesky:carol.bsky.fake",
        since=START + timedelta(days=2),
        settings=settings_for(fake, media=False),
        examiner=EXAMINER,
        progress=False,
    )

    posts = by_id(case, cap)
    # the reposted post comes with its repost, however old; the run goes on past it
    assert {newest.uri, theirs.uri, recent.uri} <= set(posts) and old.uri not in posts
    assert len(posts) == 4


def test_a_bluesky_thread_keeps_its_author_profile(fake: FakePlatforms, case: Case) -> None:
    bsky = fake.bluesky
    carol = bsky.add_actor("carol.bsky.fake")
    dave = bsky.add_actor("dave.bsky.fake")
    top = bsky.add_post(carol, text="Lost cat", created_at=START)
    mid = bsky.add_post(dave, text="Seen", created_at=START + timedelta(hours=1), reply_to=top)
    low = bsky.add_post(carol, text="Where?", created_at=START + timedelta(hours=2), reply_to=mid)

    cap = collect(
        case, fake, f"bluesky:https://bsky.app/profile/dave.bsky.fake/post/{mid.uri[-13:]}"
    )

    assert profile_of(case, cap)["did"] == dave.did
    posts = by_id(case, cap)
    assert set(posts) == {top.uri, mid.uri, low.uri}
    assert posts[mid.uri]["reply_to_account"] == f"bluesky:{carol.did}"
    assert posts[low.uri]["reply_to_account"] == f"bluesky:{dave.did}"


# -- Telegram ---------------------------------------------------------------------


def test_telegram_channels_by_handle_and_forwards_by_their_channel(
    fake: FakePlatforms, case: Case
) -> None:
    ch = fake.telegram.add_channel("Lost_Dog_Watch", title="Lost Dog Watch")
    ch.add_post(date=START, text="Ask @Dog_Rescue")
    ch.add_post(date=START + timedelta(hours=1), text="", forwarded_from="harbour_news/12")
    ch.add_post(date=START + timedelta(hours=2), text="", forwarded_from="harbour_news")

    posts = by_id(case, collect(case, fake, "telegram:lost_dog_watch"))

    assert {p["author"]["key"] for p in posts.values()} == {"telegram:@lost_dog_watch"}
    assert posts["1"]["author"]["handle"] == "@Lost_Dog_Watch"  # as Telegram spells it
    assert posts["1"]["mentions"] == ["telegram:@dog_rescue"]
    # another channel's post by its URL: a bare 12 would join this channel's post 12
    assert posts["2"]["reposted"] == "https://t.me/harbour_news/12"
    assert posts["2"]["reposted_account"] == "telegram:@harbour_news"
    assert (posts["3"]["reposted"], posts["3"]["reposted_account"]) == (
        None,
        "telegram:@harbour_news",
    )


# -- real answers -----------------------------------------------------------------


def _full(acct: str) -> str:
    return "mastodon:@" + (acct if "@" in acct else f"{acct}@fosstodon.org").lower()


def test_real_mastodon_pages_mentions_and_replies_join_on_keys(
    fake: FakePlatforms, case: Case
) -> None:
    acct, pages = serve_fosstodon(fake)
    statuses = [s for page in pages for s in page]
    mentions = [m for s in statuses for m in s["mentions"]]
    assert len(mentions) == 86 and sum("@" not in m["acct"] for m in mentions) == 36

    cap = collect(case, fake, f"mastodon:@{acct['username']}@fosstodon.org")

    assert cap.status == "complete", cap.reason
    posts = by_id(case, cap)
    keys = [k for s in statuses for k in posts[s["id"]]["mentions"]]
    # every mention in one full form: the 36 bare ones are local to fosstodon.org
    assert len(keys) == 86 and all(k.count("@") == 2 for k in keys)
    assert keys == [_full(m["acct"]) for m in mentions]
    # a mention of an account that also wrote posts here has that author's key
    authors = {p["author"]["id"]: p["author"]["key"] for p in posts.values()}
    joined = [m for m in mentions if m["id"] in authors]
    assert joined and all(_full(m["acct"]) == authors[m["id"]] for m in joined)
    # replies: the account answered, from the accounts the answers named so far
    known: dict[str, str] = {}
    resolved = 0
    replies = [s for s in statuses if s["in_reply_to_account_id"]]
    for page in pages:
        for s in page:
            for a in [
                s["account"],
                *s["mentions"],
                *([s["reblog"]["account"]] if s["reblog"] else []),
            ]:
                known.setdefault(a["id"], _full(a["acct"]))
        for s in page:
            if s["in_reply_to_account_id"]:
                expected = known.get(s["in_reply_to_account_id"])
                assert posts[s["id"]]["reply_to_account"] == expected
                resolved += expected is not None
    assert len(replies) == 60 and resolved >= 58  # the rest are not named in the answers


def test_a_real_status_as_a_thread_keeps_its_author(fake: FakePlatforms, case: Case) -> None:
    (status,) = cassette("mastodon/rtoot_fosstodon_status.yml")
    data = json.loads(status.body)
    fake.mastodon.add_instance("fosstodon.org", version="4.3.0")
    fake.canned("fosstodon.org", f"/api/v1/statuses/{data['id']}", 200, status.headers, status.body)
    fake.canned(
        "fosstodon.org",
        f"/api/v1/statuses/{data['id']}/context",
        200,
        JSON,
        b'{"ancestors": [], "descendants": []}',  # its context was not recorded
    )

    cap = collect(case, fake, f"mastodon:{data['url']}")

    assert profile_of(case, cap) == data["account"]
    (post,) = posts_of(case, cap)
    assert post["author"]["key"] == f"mastodon:@{data['account']['acct']}@fosstodon.org".lower()
    assert post["author"]["uri"] == data["account"]["uri"]
    assert post["mentions"] == ["mastodon:@maelle@mastodon.social"]


def test_real_bluesky_feed_mentions_replies_and_quotes_by_did(
    fake: FakePlatforms, case: Case
) -> None:
    (feed,) = cassette("bluesky/bskyr_getAuthorFeed.yml")
    (profiles,) = cassette("bluesky/bskyr_getProfiles.yml")
    data = json.loads(feed.body)
    profile = json.loads(profiles.body)["profiles"][0]
    handle = profile["handle"]
    base = f"/xrpc/app.bsky.feed.getAuthorFeed?actor={handle}&limit=50"
    fake.canned(
        "bsky.fake",
        f"/xrpc/app.bsky.actor.getProfile?actor={handle}",
        200,
        JSON,
        json.dumps(profile).encode(),
    )
    fake.canned("bsky.fake", base, 200, feed.headers, feed.body)
    cursor = quote(data["cursor"], safe="")
    fake.canned("bsky.fake", f"{base}&cursor={cursor}", 200, JSON, b'{"feed":[]}')

    cap = collect(case, fake, f"bluesky:{handle}")

    assert cap.status == "complete", cap.reason
    posts = by_id(case, cap)
    for item in data["feed"]:
        p, record = item["post"], item["post"]["record"]
        post = posts[p["uri"]]
        assert post["author"]["key"] == account_key("bluesky", p["author"]["did"])
        dids = [
            f["did"]
            for fc in record.get("facets", [])
            for f in fc["features"]
            if f["$type"].endswith("#mention")
        ]
        assert post["mentions"] == [f"bluesky:{d}" for d in dids]
        if "reply" in record:
            parent = record["reply"]["parent"]["uri"]
            assert post["reply_to_account"] == "bluesky:" + parent.split("/")[2]
        embed = p.get("embed") or {}
        view = embed.get("record") or {}
        if "recordWithMedia" in embed.get("$type", ""):
            view = view.get("record") or {}
        if view.get("$type", "").endswith("#viewRecord"):
            assert post["quoted"] == view["uri"]
            assert post["quoted_account"] == f"bluesky:{view['author']['did']}"
            quoted = posts[view["uri"]]  # collected as a post of its own
            assert quoted["text"] == view["value"]["text"]
            assert quoted["author"]["key"] == f"bluesky:{view['author']['did']}"
    mentioned = {m for p in posts.values() for m in p["mentions"]}
    authors = {p["author"]["key"] for p in posts.values()}
    assert mentioned & authors  # a mention of someone whose posts are here joins them


def test_the_reply_network_of_recorded_real_pages(fake: FakePlatforms, case: Case) -> None:
    """The network of what fosstodon.org really answered: one edge per named reply."""
    from osint_kit.analysis.network import most_targeted

    acct, _ = serve_fosstodon(fake)
    collect(case, fake, f"mastodon:@{acct['username']}@fosstodon.org")
    graph = case.analysis.network(kinds=("reply",))
    posts = {p["id"]: p for p in case.analysis.posts()}
    expected = {
        (p["author_key"], p["reply_to_account"], p["exhibit"])
        for p in posts.values()
        if p["reply_to_account"]
    }
    edges = {(s, t, d["post_exhibit"]) for s, t, d in graph.edges(data=True)}
    assert edges == expected and len(edges) >= 58
    assert all(d["kind"] == "reply" for _, _, d in graph.edges(data=True))
    top = most_targeted(graph, 1)
    assert top and top[0][1] == max(
        sum(1 for e in expected if e[1] == key) for key in {e[1] for e in expected}
    )

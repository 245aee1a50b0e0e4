"""One collection run: fetch, compare with earlier runs, store, record.

Exhibits of a run, in this order: the WARC of every HTTP exchange (role
``warc``), the account or channel as the platform described it (``profile``),
then each new or changed post (``post``, an ``osint-kit.post/1`` record) followed
by the media it carries (``media``, with the media URL as ``source``). Posts that
did not change are not stored again; the capture record lists them by id, and
lists what was deleted since the last run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from tqdm.auto import tqdm

from osint_kit.acquire.social.base import CollectionRun, resolve_options
from osint_kit.acquire.social.failures import from_exception
from osint_kit.acquire.social.history import Changes, KnownPost, compare, known_posts, missing_media
from osint_kit.acquire.social.http import PlatformHTTP
from osint_kit.acquire.social.media_fetch import MISMATCH, fetch_medium
from osint_kit.acquire.social.registry import resolve
from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.base.dates import format_seconds, utc_now
from osint_kit.errors import (
    AccountNotFound,
    CollectionFailed,
    InvalidOption,
    PlatformRetired,
    WriteRefused,
)
from osint_kit.folder.acquisition import Artifact, record_acquisition, record_failure
from osint_kit.folder.write import CaseWriter
from osint_kit.formats.warc import write_warc
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Capture
from osint_kit.record.post import Post

log = logging.getLogger("osint_kit")


def collect(
    case: CaseWriter,
    spec: str,
    *,
    examiner: Examiner,
    since: datetime | None = None,
    limit: int | None = None,
    settings: CollectSettings | None = None,
    options: Mapping[str, Any] | None = None,
    progress: bool = True,
) -> Capture:
    """Collect ``spec`` (``telegram:CHANNEL``…) into ``case``; one capture, complete or partial.

    ``options`` are the collector's own (``Collector.options``), on top of those in
    ``settings.options`` for its platform. Raises InvalidTarget, InvalidOption or
    PlatformRetired when it cannot start. A run that got nothing usable returns its
    recorded capture with status ``failed``, ``reason`` and ``error`` (the
    CollectionFailed kind; ``raise_for_status()`` raises it); only when even that
    could not be written is the error raised.
    """
    collector, target = resolve(spec)
    if limit is not None and limit < 1:
        raise InvalidOption("limit", f"must be at least 1, not {limit}")
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    opts = settings or CollectSettings.from_env()
    chosen = resolve_options(
        target.platform,
        collector.options,
        {**opts.options.get(target.platform, {}), **(options or {})},
    )
    actor = examiner.actor()
    record: dict[str, Any] = {
        "method": collector.method(target),
        "target": str(target),
        "platform": target.platform,
        "kind": target.kind,
        "since": format_seconds(since) if since else None,
        "limit": limit,
        "settings": opts.to_json(),
        "options": chosen,
        "started": utc_now(),
    }
    if collector.retired:
        record.update(status="failed", reason=collector.retired, error="retired", ended=utc_now())
        retired = PlatformRetired(str(target), collector.retired)
        retired.capture = record_failure(case, record, actor)
        raise retired

    http = PlatformHTTP(opts)
    run = CollectionRun(target, opts, http, since, limit, options=chosen)
    posts, failure = _fetch(collector, run, progress)
    known = known_posts(case.log.events(), str(target))
    covered = failure is None or (isinstance(failure, AccountNotFound) and bool(known))
    window = None
    if failure is None and limit is not None and len(posts) >= limit:
        # The listing reached back this far; originals that its posts repost or quote
        # (collected with them, often much older) say nothing of what it still lists.
        carried = {p.reposted for p in posts} | {p.quoted for p in posts}
        listed = [p for p in posts if p.id not in carried] or posts
        window = min(p.created_at for p in listed)
    elif failure is None and since is not None:
        window = format_seconds(since)
    changes = compare(known, posts, window_start=window, covered=covered)
    if isinstance(failure, AccountNotFound):  # the platform says the account is gone
        changes.deleted, changes.unlisted = changes.unlisted, []
    elif changes.unlisted:
        _confirm_deletions(collector, run, changes)
    stored = changes.new + changes.changed
    media_failures = 0
    if opts.media:
        # Unchanged posts whose media an earlier run could not fetch: try again, and
        # keep a new version of the record when they arrive.
        retry = [
            p for p in posts if p.id in set(changes.unchanged) and missing_media(p, known.get(p.id))
        ]
        changes.media_retried = [p.id for p in retry]
        stored, media_failures = _download_media(run, stored + retry, known)
        retried = set(changes.media_retried)
        # A retried post is stored again only when some of its media did arrive now.
        stored = [
            p
            for p in stored
            if p.id not in retried
            or len(missing_media(p, known.get(p.id)))
            > sum(m.sha256 is None or m.state == MISMATCH for m in p.media)
        ]

    record.update(run.notes)
    record.update(
        {
            "ended": utc_now(),
            "http": {
                "requests": len(http.exchanges),
                "bytes_received": http.bytes_received,
                "blocked": http.blocked,
                "failures": http.failures,
                "rate_limit_waited_ms": int(http.waited_s * 1000),
            },
            **({"rerouted": dict(http.rerouted)} if http.rerouted else {}),
            "collected": len(posts),
            "changes": changes.to_json(),
        }
    )
    status, reason = "complete", None
    if failure is not None:
        status = "partial" if posts else "failed"
        reason = failure.reason
        record["error"] = failure.kind
        if isinstance(failure, AccountNotFound) and known:
            gone = len(changes.deleted)
            reason += f"; it was collected before, so its {gone} post(s) are noted as deleted"
    elif media_failures:
        status, reason = "partial", _media_reason(stored)
    elif opts.media and (still := _still_missing(posts, known, stored)):
        status = "partial"
        reason = f"{still} media file(s) of earlier runs are still missing"
    record["status"] = status
    if reason:
        record["reason"] = reason

    artifacts = _stage(case, run, stored, record)
    if status == "failed":
        assert failure is not None
        failed = record_failure(case, record, actor, artifacts)
        failure.capture = failed
        if failed is None:  # not even the failure could be written: nothing to return
            raise failure
        # It ran: the result says what failed (``raise_for_status()`` raises it).
        return replace(failed, error=failure)
    return record_acquisition(case, artifacts, record, actor)


def _fetch(
    collector: Any, run: CollectionRun, progress: bool
) -> tuple[list[Post], CollectionFailed | None]:
    posts: list[Post] = []
    seen: set[str] = set()
    failure: CollectionFailed | None = None
    bar = tqdm(desc=f"collect {run.target}", unit="post", total=run.limit, disable=not progress)
    try:
        for post in collector.collect(run):
            if post.id in seen:
                continue  # a pinned post shown again, say
            seen.add(post.id)
            posts.append(post)
            bar.update(1)
            if run.limit is not None and len(posts) >= run.limit:
                break
    except CollectionFailed as exc:
        failure = exc
    except WriteRefused as exc:  # a library tried to write: never sent; stop and say so
        failure = CollectionFailed(str(run.target), str(exc), url=exc.url)
    except Exception as exc:  # whatever a platform's answer made a parser trip over
        log.debug("collector %s raised", collector.platform, exc_info=True)
        failure = from_exception(str(run.target), exc, run.http)
    finally:
        bar.close()
    return posts, failure


def _confirm_deletions(collector: Any, run: CollectionRun, changes: Changes) -> None:
    """Ask the platform about posts no longer listed, when the collector can
    (``confirm_deleted``); those it says are gone become deleted, with its word."""
    confirm = getattr(collector, "confirm_deleted", None)
    if confirm is None:
        return
    try:
        said: dict[str, str] = confirm(run, [(k.id, k.url) for k in changes.unlisted])
    except Exception as exc:  # a failed lookup leaves them "no longer listed", on the record
        run.notes["deletion_lookup_failed"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        return
    run.notes["deletion_evidence"] = dict(said)
    changes.deleted = [k for k in changes.unlisted if k.id in said]
    changes.unlisted = [k for k in changes.unlisted if k.id not in said]


def _still_missing(posts: list[Post], known: dict[str, KnownPost], stored: list[Post]) -> int:
    """Media seen this run that neither an earlier run nor this one has downloaded."""
    fresh = {p.id: p for p in stored}
    count = 0
    for post in posts:
        if post.id in fresh:
            count += sum(m.sha256 is None for m in fresh[post.id].media)
        else:
            count += len(missing_media(post, known.get(post.id)))
    return count


def _download_media(
    run: CollectionRun, posts: list[Post], known: dict[str, KnownPost]
) -> tuple[list[Post], int]:
    """Fetch the media of new and changed posts (reusing what an earlier run downloaded)."""
    out: list[Post] = []
    failures = 0
    for post in posts:
        earlier = known[post.id].media if post.id in known else {}
        media = []
        for m in post.media:
            key = m.key or m.url
            if key in earlier:
                media.append(replace(m, sha256=earlier[key]))
                continue
            got = fetch_medium(run, m)
            failures += got.error is not None
            media.append(got)
        out.append(post.with_media(tuple(media)))
    return out, failures


def _media_reason(stored: list[Post]) -> str:
    """Why a run's media make it partial: files that did not arrive, and files that
    arrived other than announced."""
    media = [m for p in stored for m in p.media]
    missing = sum(m.sha256 is None and m.error is not None for m in media)
    mismatched = sum(m.state == MISMATCH for m in media)
    said = []
    if missing:
        said.append(f"{missing} media file(s) could not be downloaded")
    if mismatched:
        said.append(
            f"{mismatched} media file(s) did not arrive as announced (kept, state mismatch)"
        )
    return "; ".join(said) or "some media file(s) could not be downloaded"


def _stage(
    case: CaseWriter, run: CollectionRun, posts: list[Post], record: dict[str, Any]
) -> list[Artifact]:
    """Stage the run's exhibits in one batch, and list the stored posts in the record."""
    info = {
        "software": f"osint-kit ({record['method']})",
        "format": "WARC File Format 1.1",
        "isPartOf": record["target"],
        "description": "every HTTP exchange of one collection run (docs/social.md)",
    }
    blobs: list[tuple[bytes, str, str, str | None]] = []
    if run.http.exchanges:
        blobs.append((write_warc(run.http.exchanges, info), "warc", "application/warc", None))
    if run.profile is not None:
        profile = json.dumps(run.profile, sort_keys=True, ensure_ascii=False).encode() + b"\n"
        blobs.append((profile, "profile", "application/json", None))
    bodies: dict[str, list[bytes]] = {}
    for ex in run.http.exchanges:
        if ex.body is not None and ex.status == 200:
            bodies.setdefault(ex.url, []).append(ex.body)
    entries = []
    media_staged: set[str] = set()
    for post in posts:
        data = post.record_bytes()
        blobs.append((data, "post", "application/json", post.url))
        media_map = {}
        mismatched = {}
        for m in post.media:
            kept = m.error is None or m.state == MISMATCH
            if m.sha256 is not None and kept and m.sha256 not in media_staged:
                # what arrived for it (a retried medium: the answer whose bytes are kept)
                body = next(
                    (b for b in bodies.get(m.url, []) if hashlib.sha256(b).hexdigest() == m.sha256),
                    None,
                )
                if body is not None:
                    media_staged.add(m.sha256)
                    blobs.append((body, "media", m.media_type or "application/octet-stream", m.url))
            if m.sha256 and m.state == MISMATCH:  # kept, but not as announced: asked again
                mismatched[m.key or m.url] = {"sha256": m.sha256, "reason": m.error}
            elif m.sha256:
                media_map[m.key or m.url] = m.sha256
        entries.append(
            {
                "id": post.id,
                "url": post.url,
                "created_at": post.created_at,
                "fingerprint": post.fingerprint(),
                "record": hashlib.sha256(data).hexdigest(),
                "media": media_map,
                **({"media_mismatch": mismatched} if mismatched else {}),
            }
        )
    record["posts"] = entries
    staged = case.stage_many([b[0] for b in blobs])
    try:
        return [
            Artifact(s, role, media_type, source)
            for s, (_, role, media_type, source) in zip(staged, blobs, strict=True)
        ]
    except BaseException:
        for s in staged:
            case.discard(s)
        raise

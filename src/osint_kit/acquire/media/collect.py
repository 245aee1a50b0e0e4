"""Videos from video pages, playlists and direct media URLs, with yt-dlp as a library.

One URL is one acquisition (``media.ytdlp``) keeping:

- every file yt-dlp downloaded, **as it came**: no re-encoding, no merging, no
  "fixup" remux. When the site serves video and audio apart (DASH, many players),
  both are kept as separate exhibits (roles ``video`` and ``audio``; ``media`` when
  one file holds both). HLS and DASH fragments are joined byte for byte, which is
  what the stream is; a merged copy for review is a derived exhibit, never this.
- the manifest (``.m3u8`` / ``.mpd``) the formats came from (role ``manifest``);
- yt-dlp's info JSON for what it found (role ``info-json``; cookies taken out);
- the format selection: the expression, the formats on offer, which were chosen
  and why (in the capture record);
- every HTTP request made (method, URL, status, type, length) in the record;
- each file's technical metadata (``osint_kit.formats.probe``).

A video *page* is also captured in the browser first (``web.browser``, its own
capture, named in this one's ``page_capture``). Collection is read-only: any
request but GET and HEAD is refused and listed. Cookies are used only when the
examiner gives a cookie file, and then recorded (its name and SHA-256, never its
content); yt-dlp reads a private copy, so the examiner's file is never rewritten.

Limits: ``max_bytes`` over all files (a file cut there is kept, partial, with the
reason), ``limit`` playlist items (the rest counted), ``timeout_s`` per request.

This module decides what to fetch and what to keep, and records it; how yt-dlp is
driven (its options, the read-only guard, downloading one format) is
``acquire.media.ytdlp``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yt_dlp
from tqdm.auto import tqdm
from yt_dlp.utils import DownloadError, YoutubeDLError

from osint_kit.acquire.media.ytdlp import (
    FORMAT,
    MAX_MANIFEST,
    WHY,
    MediaOptions,
    OverLimit,
    ReadOnlyYoutubeDL,
    YtDlpLog,
    collection_failure,
    download_format,
    failure_reason,
    format_role,
    info_text,
    ytdlp_params,
)
from osint_kit.base.dates import utc_now
from osint_kit.base.files import read_regular
from osint_kit.base.urls import validate_url
from osint_kit.errors import CollectionFailed, MediaUnreadable, OsintKitError, ToolMissing
from osint_kit.folder.acquisition import Artifact, discard, record_acquisition, record_failure
from osint_kit.folder.write import CaseWriter
from osint_kit.formats.content_check import normalise, sniff
from osint_kit.formats.probe import probe
from osint_kit.record.chain import as_event_value
from osint_kit.record.downloads import DownloadArea
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Capture
from osint_kit.record.staging import StagedBlob

log = logging.getLogger("osint_kit")

METHOD = "media.ytdlp"

#: What ends a collection as a recorded failure rather than an exception.
FAILURES = (CollectionFailed, DownloadError, YoutubeDLError, OSError)


def collect_media(
    case: CaseWriter,
    url: str,
    *,
    examiner: Examiner,
    options: MediaOptions | None = None,
    capture_page: Callable[[str], Capture] | None = None,
    progress: bool = True,
) -> Capture:
    """Collect the video(s) at ``url`` into ``case``; one capture, complete, partial or
    failed (see the module's docstring). ``capture_page`` records the browser capture
    of a page (not of a direct media URL), which this capture then names."""
    url = validate_url(url)
    opts = options or MediaOptions()
    if shutil.which("ffprobe") is None:
        raise ToolMissing("ffprobe", "ffmpeg")
    actor = examiner.actor()
    record: dict[str, Any] = {
        "method": METHOD,
        "target": url,
        "started": utc_now(),
        "library": f"yt-dlp {yt_dlp.version.__version__}",
        "options": opts.to_json(),
    }
    with tempfile.TemporaryDirectory(prefix="osint-kit-cookies-") as private:
        cookies = None
        if opts.cookies is not None:
            data = read_regular(opts.cookies)
            record["cookies"] = {
                "file": Path(opts.cookies).name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "note": "supplied by the examiner; its content is not recorded",
            }
            cookies = Path(private) / "cookies.txt"
            cookies.write_bytes(data)
        with case.downloads() as area:
            page = capture_page if opts.capture_page else None
            return _run(case, url, opts, record, actor, area, cookies, page, progress)


def _run(
    case: CaseWriter,
    url: str,
    opts: MediaOptions,
    record: dict[str, Any],
    actor: dict[str, Any],
    area: DownloadArea,
    cookies: Path | None,
    capture_page: Callable[[str], Capture] | None,
    progress: bool,
) -> Capture:
    logger = YtDlpLog()
    artifacts: list[Artifact] = []
    files: list[dict[str, Any]] = []
    infos: list[Any] = []
    failure: CollectionFailed | None = None
    bar = tqdm(desc="media", unit="B", unit_scale=True, disable=not progress)
    done = 0
    ydl = ReadOnlyYoutubeDL(ytdlp_params(opts, area, cookies, logger))
    try:
        with ydl:
            current = {"bytes": 0}

            def hook(d: Mapping[str, Any]) -> None:
                got = int(d.get("downloaded_bytes") or 0)
                bar.update(max(0, got - current["bytes"]))
                current["bytes"] = got
                if opts.max_bytes is not None and done + got > opts.max_bytes:
                    raise OverLimit

            ydl.add_progress_hook(hook)
            try:
                raw = ydl.extract_info(url, download=False, process=False)
            except (DownloadError, YoutubeDLError) as exc:
                raise collection_failure(url, exc) from None
            entries, total = _entries(raw, opts.limit)
            record["found"] = {
                "type": raw.get("_type", "video"),
                "extractor": raw.get("extractor_key") or raw.get("extractor"),
                "title": info_text(raw.get("title")),
                "items": total,
            }
            if total is None or total > len(entries):  # more than the limit
                record["found"]["limited_to"] = len(entries)
            if capture_page is not None and _is_page(raw, ydl.exchanges):
                page = capture_page(url)  # a page: kept as the browser showed it, first
                record["page_capture"] = {"id": page.id, "status": page.status}
            for index, entry in enumerate(entries, 1):
                try:
                    info = ydl.process_ie_result(dict(entry), download=False)
                except (DownloadError, YoutubeDLError) as exc:
                    files.append({"item": index, "status": "failed", "reason": failure_reason(exc)})
                    failure = failure or collection_failure(url, exc)
                    continue
                infos.append(ydl.sanitize_info(info))
                chosen = list(info.get("requested_formats") or [info])
                files.append(_selection(index, info, chosen, opts.format))
                for fmt in chosen:
                    current["bytes"] = 0
                    budget = None if opts.max_bytes is None else opts.max_bytes - done
                    outcome = download_format(ydl, area, index, info, fmt, budget)
                    got = outcome.pop("_path", None)
                    hashed = outcome.pop("_hashed", None)
                    files.append(outcome)
                    if got is not None:
                        staged = case.adopt(got, hashed)
                        done += staged.size
                        outcome["sha256"], outcome["size"] = staged.sha256, staged.size
                        outcome["facts"] = _facts(staged)
                        mime = _typed(outcome, fmt, staged.part)
                        artifacts.append(Artifact(staged, outcome["role"], mime, fmt.get("url")))
                    if outcome["status"] == "over-limit":
                        break
                if any(f.get("status") == "over-limit" for f in files):
                    break
    except FAILURES as exc:
        failure = exc if isinstance(exc, CollectionFailed) else collection_failure(url, exc)
    except BaseException:
        discard(case, artifacts)
        raise
    finally:
        bar.close()
    record.update(
        {
            "ended": utc_now(),
            "files": files,
            "http": {"requests": ydl.exchanges, "refused": ydl.refused},
        }
    )
    if logger.warnings:
        record["warnings"] = logger.warnings
    for kept in _manifests(case, ydl):
        files.append(kept.pop("_entry"))
        artifacts.append(kept.pop("_artifact"))
    if infos:
        artifacts.append(_info_json(case, infos))
    record = as_event_value(record)  # events hold no floats (format v1): 29.97 is kept as "29.97"
    media = [a for a in artifacts if a.role in ("video", "audio", "media")]
    cut = [f for f in files if f.get("status") in ("partial", "over-limit", "failed")]
    if not media:
        record["status"] = "failed"
        failure = failure or CollectionFailed(url, "no video or audio could be downloaded")
        record["reason"] = failure.reason
        record["error"] = failure.kind
        failed = record_failure(case, record, actor, artifacts)
        failure.capture = failed
        if failed is None:
            raise failure
        return replace(failed, error=failure)
    record["status"] = "partial" if cut or failure else "complete"
    if cut or failure:
        reasons = [f"{f.get('format_id', f.get('item'))}: {f.get('reason')}" for f in cut]
        if failure is not None and not cut:
            reasons.append(failure.reason)
        record["reason"] = "; ".join(reasons)[:2000]
    return record_acquisition(case, artifacts, record, actor)


def _is_page(raw: Mapping[str, Any], exchanges: list[dict[str, Any]]) -> bool:
    """Whether ``url`` answered with a web page (worth a browser capture), not with media
    or a manifest."""
    if raw.get("direct"):
        return False
    first = next((e for e in exchanges if e.get("content_type")), None)
    kind = str((first or {}).get("content_type") or "").lower()
    return kind.startswith(("text/html", "application/xhtml"))


def _entries(raw: Mapping[str, Any], limit: int) -> tuple[list[Mapping[str, Any]], int | None]:
    """The items to download: the video itself, or the first ``limit`` of a playlist
    (and how many it has, when that is known)."""
    if raw.get("_type") not in ("playlist", "multi_video"):
        return [raw], 1
    found = raw.get("entries") or []
    listed = list(itertools.islice(iter(found), limit + 1))
    total = raw.get("playlist_count")
    if not isinstance(total, int):  # not said: counted as far as the limit and one more
        total = None if len(listed) > limit else len(listed)
    return [e for e in listed[:limit] if isinstance(e, Mapping)], total


def _selection(
    index: int, info: Mapping[str, Any], chosen: list[Mapping[str, Any]], spec: str
) -> dict[str, Any]:
    offered = [
        {
            k: f.get(k)
            for k in (
                "format_id",
                "ext",
                "protocol",
                "vcodec",
                "acodec",
                "width",
                "height",
                "fps",
                "tbr",
                "filesize",
            )
            if f.get(k) is not None
        }
        for f in info.get("formats") or []
        if isinstance(f, Mapping)
    ][:200]
    return {
        "item": index,
        "id": info_text(info.get("id")),
        "title": info_text(info.get("title")),
        "webpage_url": info_text(info.get("webpage_url")),
        "selection": {
            "expression": spec,
            "why": WHY if spec == FORMAT else "the examiner's format expression",
            "chosen": [str(f.get("format_id")) for f in chosen],
            "offered": offered,
        },
    }


def _mime(fmt: Mapping[str, Any]) -> str:
    """The media type yt-dlp's name for the file (its extension) stands for."""
    ext = str(fmt.get("ext") or "")
    kind = "audio" if format_role(fmt) == "audio" else "video"
    return {
        "mp4": f"{kind}/mp4",
        "m4a": "audio/mp4",
        "webm": f"{kind}/webm",
        "ts": "video/mp2t",
        "mp3": "audio/mpeg",
        "ogg": f"{kind}/ogg",
        "mov": "video/quicktime",
        "mkv": "video/x-matroska",
        "flv": "video/x-flv",
    }.get(ext, "application/octet-stream")


def _typed(outcome: dict[str, Any], fmt: Mapping[str, Any], path: Path) -> str:
    """The file's media type from its bytes (an HLS download yt-dlp names ``.mp4`` is
    MPEG-TS when its segments are); what the name said is recorded when it differs."""
    named = _mime(fmt)
    with path.open("rb") as f:
        found = sniff(f.read(4096))
    if found is None or not found.startswith(("video/", "audio/")):
        if found is not None:  # an HTML page or a picture where a video was expected
            outcome["named_type"], outcome["type_from_bytes"] = named, found
        return found or named
    if outcome.get("role") == "audio" and found in ("video/mp4", "video/webm", "video/ogg"):
        found = found.replace("video/", "audio/")
    if normalise(found) != normalise(named) or found.split("/")[0] != named.split("/")[0]:
        outcome["named_type"], outcome["type_from_bytes"] = named, found
    return found


def _manifests(case: CaseWriter, ydl: ReadOnlyYoutubeDL) -> list[dict[str, Any]]:
    """Every HLS playlist (master and variant) and DASH manifest yt-dlp read, kept as it
    read them: which segments were joined, and from which choice of streams. The same
    bytes from the same URL are kept once."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for fetched in ydl.manifests:
        data = bytes(fetched["body"])
        if len(data) > MAX_MANIFEST:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if (fetched["url"], digest) in seen:
            continue
        seen.add((fetched["url"], digest))
        hls = fetched["kind"] == "hls"
        kind = (
            "dash" if not hls else ("hls-master" if b"#EXT-X-STREAM-INF" in data else "hls-media")
        )
        mime = "application/vnd.apple.mpegurl" if hls else "application/dash+xml"
        entry = {"manifest": fetched["url"], "role": "manifest", "kind": kind}
        entry |= {"fetched": fetched["time"], "sha256": digest, "size": len(data)}
        artifact = Artifact(case.stage_bytes(data), "manifest", mime, fetched["url"])
        out.append({"_entry": entry, "_artifact": artifact})
    return out


def _info_json(case: CaseWriter, infos: list[Any]) -> Artifact:
    cleaned = _without_cookies(infos)
    data = json.dumps(cleaned, ensure_ascii=False, indent=1, default=str).encode()
    return Artifact(case.stage_bytes(data), "info-json", "application/json")


def _without_cookies(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: _without_cookies(v)
            for k, v in value.items()
            if str(k).lower() not in ("cookie", "cookies", "_cookies")
        }
    if isinstance(value, list):
        return [_without_cookies(v) for v in value]
    return value


def _facts(staged: StagedBlob) -> dict[str, Any]:

    try:
        return probe(staged.part).to_json()
    except (MediaUnreadable, OsintKitError) as exc:
        return {"problems": [str(exc)]}

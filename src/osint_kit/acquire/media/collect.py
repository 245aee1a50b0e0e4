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
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yt_dlp
from tqdm.auto import tqdm
from yt_dlp.networking import Request
from yt_dlp.utils import DownloadError, YoutubeDLError

from osint_kit.base.dates import utc_now
from osint_kit.base.urls import validate_url
from osint_kit.errors import (
    AccountNotFound,
    CollectionFailed,
    InvalidOption,
    MediaUnreadable,
    OsintKitError,
    PlatformError,
    PlatformUnreachable,
    ToolMissing,
    WriteRefused,
)
from osint_kit.folder.acquisition import Artifact, discard, record_acquisition, record_failure
from osint_kit.folder.write import CaseWriter
from osint_kit.formats.probe import probe
from osint_kit.record.chain import as_event_value
from osint_kit.record.downloads import DownloadArea
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Capture
from osint_kit.record.file_hash import HashFollower
from osint_kit.record.staging import StagedBlob

log = logging.getLogger("osint_kit")

METHOD = "media.ytdlp"
#: yt-dlp's own default: the best video, with the best audio when they come apart.
FORMAT = "bv*+ba/b"
WHY = (
    "yt-dlp's default choice: the best video stream, and the best audio stream when the "
    "site serves them apart (both kept, not merged); else the best single file"
)
#: The largest manifest kept as an exhibit.
MAX_MANIFEST = 16 * 2**20


@dataclass(frozen=True)
class MediaOptions:
    """How a media collection runs; recorded with it."""

    max_bytes: int | None = 4 * 2**30
    limit: int = 100
    timeout_s: float = 30.0
    retries: int = 3
    format: str = FORMAT
    cookies: Path | None = None
    capture_page: bool = True

    def __post_init__(self) -> None:
        if self.max_bytes is not None and self.max_bytes <= 0:
            raise InvalidOption("max_mb", f"{self.max_bytes}: must be above 0")
        if not isinstance(self.limit, int) or self.limit < 1:
            raise InvalidOption("limit", f"{self.limit!r}: must be a whole number above 0")
        if self.timeout_s <= 0:
            raise InvalidOption("timeout", f"{self.timeout_s}: must be above 0")
        if self.retries < 0:
            raise InvalidOption("retries", f"{self.retries}: must be 0 or more")
        if self.cookies is not None and not Path(self.cookies).is_file():
            raise InvalidOption("cookies", f"{self.cookies}: no such file")

    def to_json(self) -> dict[str, Any]:
        return {
            "max_bytes": self.max_bytes,
            "limit": self.limit,
            "timeout_s": self.timeout_s,
            "retries": self.retries,
            "format": self.format,
            "capture_page": self.capture_page,
        }


#: What ends a collection as a recorded failure rather than an exception.
FAILURES = (CollectionFailed, DownloadError, YoutubeDLError, OSError)


class _OverLimit(Exception):
    """Raised from a progress hook to stop a download at the byte limit."""


class _Log:
    """yt-dlp's messages: warnings and errors go on the record, the rest to debug."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    def info(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    def warning(self, msg: str) -> None:
        if len(self.warnings) < 100:
            self.warnings.append(str(msg)[:500])

    def error(self, msg: str) -> None:
        self.warning(msg)


class _ReadOnly(yt_dlp.YoutubeDL):  # type: ignore[misc]
    """yt-dlp whose every request passes here: GET and HEAD go out (and are listed),
    anything else is refused before it is sent."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.exchanges: list[dict[str, Any]] = []
        self.refused: list[dict[str, str]] = []

    def urlopen(self, req: Any) -> Any:
        if isinstance(req, str):
            req = Request(req)
        method = str(getattr(req, "method", None) or "GET").upper()
        url = str(getattr(req, "url", req))
        if method not in ("GET", "HEAD"):
            self.refused.append({"method": method, "url": url, "time": utc_now()})
            raise WriteRefused(method, url)
        entry: dict[str, Any] = {"method": method, "url": url, "time": utc_now()}
        if len(self.exchanges) < 10_000:
            self.exchanges.append(entry)
        try:
            response = super().urlopen(req)
        except Exception as exc:
            entry["error"] = str(exc)[:300]
            raise
        entry["status"] = getattr(response, "status", None)
        headers = getattr(response, "headers", {}) or {}
        entry["content_type"] = headers.get("Content-Type")
        entry["content_length"] = headers.get("Content-Length")
        if getattr(response, "url", url) != url:
            entry["final_url"] = response.url
        return response


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
            data = Path(opts.cookies).read_bytes()
            record["cookies"] = {
                "file": Path(opts.cookies).name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "note": "supplied by the examiner; its content is not recorded",
            }
            cookies = Path(private) / "cookies.txt"
            cookies.write_bytes(data)
        with case.store.downloads() as area:
            page = capture_page if opts.capture_page else None
            return _run(case, url, opts, record, actor, area, cookies, page, progress)


def _params(opts: MediaOptions, area: DownloadArea, cookies: Path | None, logger: _Log) -> Any:
    return {
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "logger": logger,
        "format": opts.format,
        "fixup": "never",  # keep what came: no remux, no "repair"
        "postprocessors": [],
        "noplaylist": False,
        "playlistend": opts.limit,
        "lazy_playlist": True,
        "socket_timeout": opts.timeout_s,
        "retries": opts.retries,
        "fragment_retries": opts.retries,
        "skip_unavailable_fragments": False,
        "continuedl": True,
        "nopart": False,
        "overwrites": True,
        "updatetime": False,
        "cachedir": False,
        "paths": {"home": str(area.path), "temp": str(area.path)},
        "outtmpl": {"default": "%(id)s.%(ext)s"},
        "cookiefile": str(cookies) if cookies else None,
        "hls_prefer_native": True,
        "concurrent_fragment_downloads": 1,
        "check_formats": False,
        "color": "no_color",
        "http_chunk_size": None,
        "compat_opts": set(),
    }


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
    logger = _Log()
    artifacts: list[Artifact] = []
    files: list[dict[str, Any]] = []
    infos: list[Any] = []
    failure: CollectionFailed | None = None
    bar = tqdm(desc="media", unit="B", unit_scale=True, disable=not progress)
    done = 0
    ydl = _ReadOnly(_params(opts, area, cookies, logger))
    try:
        with ydl:
            current = {"bytes": 0}

            def hook(d: Mapping[str, Any]) -> None:
                got = int(d.get("downloaded_bytes") or 0)
                bar.update(max(0, got - current["bytes"]))
                current["bytes"] = got
                if opts.max_bytes is not None and done + got > opts.max_bytes:
                    raise _OverLimit

            ydl.add_progress_hook(hook)
            try:
                raw = ydl.extract_info(url, download=False, process=False)
            except (DownloadError, YoutubeDLError) as exc:
                raise _failure(url, exc) from None
            entries, total = _entries(raw, opts.limit)
            record["found"] = {
                "type": raw.get("_type", "video"),
                "extractor": raw.get("extractor_key") or raw.get("extractor"),
                "title": _text(raw.get("title")),
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
                    files.append({"item": index, "status": "failed", "reason": _reason(exc)})
                    failure = failure or _failure(url, exc)
                    continue
                infos.append(ydl.sanitize_info(info))
                chosen = list(info.get("requested_formats") or [info])
                files.append(_selection(index, info, chosen, opts.format))
                for fmt in chosen:
                    current["bytes"] = 0
                    outcome = _download(ydl, area, index, info, fmt)
                    done += current["bytes"]
                    got = outcome.pop("_path", None)
                    hashed = outcome.pop("_hashed", None)
                    files.append(outcome)
                    if got is not None:
                        staged = case.store.adopt(got, hashed)
                        outcome["sha256"], outcome["size"] = staged.sha256, staged.size
                        artifacts.append(
                            Artifact(staged, outcome["role"], _mime(fmt), fmt.get("url"))
                        )
                        outcome["facts"] = _facts(staged)
                    if outcome["status"] == "over-limit":
                        break
                    manifest = fmt.get("manifest_url") or (
                        fmt.get("url") if str(fmt.get("protocol", "")).startswith("m3u8") else None
                    )
                    if manifest and not any(f.get("manifest") == manifest for f in files):
                        listing = _manifest(case, ydl, manifest)
                        if listing is not None:
                            files.append({"manifest": manifest, "role": "manifest"})
                            artifacts.append(listing)
                if any(f.get("status") == "over-limit" for f in files):
                    break
    except FAILURES as exc:
        failure = exc if isinstance(exc, CollectionFailed) else _failure(url, exc)
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
        "id": _text(info.get("id")),
        "title": _text(info.get("title")),
        "webpage_url": _text(info.get("webpage_url")),
        "selection": {
            "expression": spec,
            "why": WHY if spec == FORMAT else "the examiner's format expression",
            "chosen": [str(f.get("format_id")) for f in chosen],
            "offered": offered,
        },
    }


def _role(fmt: Mapping[str, Any]) -> str:
    video = fmt.get("vcodec") not in (None, "none")
    audio = fmt.get("acodec") not in (None, "none")
    if video and not audio and fmt.get("acodec") == "none":
        return "video"
    if audio and not video and fmt.get("vcodec") == "none":
        return "audio"
    return "media"


def _mime(fmt: Mapping[str, Any]) -> str:
    ext = str(fmt.get("ext") or "")
    kind = "audio" if _role(fmt) == "audio" else "video"
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


def _download(
    ydl: _ReadOnly, area: DownloadArea, index: int, info: Mapping[str, Any], fmt: Mapping[str, Any]
) -> dict[str, Any]:
    """Download one format, unaltered; what happened (and ``_path`` when a file is kept)."""
    fid = str(fmt.get("format_id") or "0")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in fid)[:40]
    ext = "".join(c for c in str(fmt.get("ext") or "bin") if c.isalnum())[:8] or "bin"
    dest = area.path / f"{index:04d}-{safe}.{ext}"
    outcome: dict[str, Any] = {
        "item": index,
        "format_id": fid,
        "role": _role(fmt),
        "url": _text(fmt.get("url")),
        "protocol": _text(fmt.get("protocol")),
        "ext": ext,
        "announced_size": fmt.get("filesize") if isinstance(fmt.get("filesize"), int) else None,
    }
    job = {**{k: v for k, v in info.items() if k != "requested_formats"}, **fmt}
    part = dest.with_name(dest.name + ".part")
    follower = HashFollower(part, dest)  # hashed as it arrives, not read a second time
    try:
        finished, _ = ydl.dl(str(dest), job)
    except _OverLimit:
        outcome.update(status="over-limit", reason="stopped at the byte limit (--max-mb)")
        finished = False
    except (DownloadError, YoutubeDLError, OSError) as exc:
        outcome.update(status="partial", reason=_reason(exc))
        finished = False
    finally:
        outcome["_hashed"] = follower.finish()
    if finished and dest.is_file():
        outcome["status"] = "complete"
        outcome["_path"] = dest
    elif dest.is_file() or part.is_file():
        outcome.setdefault("status", "partial")
        outcome.setdefault("reason", "the download did not finish")
        outcome["truncated"] = True
        outcome["_path"] = dest if dest.is_file() else part
    else:
        outcome.setdefault("status", "failed")
        outcome.setdefault("reason", "nothing was downloaded")
    return outcome


def _manifest(case: CaseWriter, ydl: _ReadOnly, url: str) -> Artifact | None:
    try:
        with ydl.urlopen(url) as response:
            data = response.read(MAX_MANIFEST + 1)
    except Exception as exc:  # the file is kept without it; the record says why
        log.debug("manifest %s: %s", url, exc)
        return None
    if len(data) > MAX_MANIFEST:
        return None
    mime = (
        "application/dash+xml"
        if url.split("?")[0].endswith(".mpd")
        else ("application/vnd.apple.mpegurl")
    )
    return Artifact(case.store.stage_bytes(data), "manifest", mime, url)


def _info_json(case: CaseWriter, infos: list[Any]) -> Artifact:
    cleaned = _without_cookies(infos)
    data = json.dumps(cleaned, ensure_ascii=False, indent=1, default=str).encode()
    return Artifact(case.store.stage_bytes(data), "info-json", "application/json")


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


def _failure(url: str, exc: BaseException) -> CollectionFailed:
    reason = _reason(exc)
    low = reason.lower()
    if "unsupported url" in low:
        failed = CollectionFailed(url, f"no video found there ({reason})")
        failed.kind = "unsupported"
        return failed
    if "http error 404" in low or "http error 410" in low:
        return AccountNotFound(url, reason)
    if "http error" in low:
        return PlatformError(url, reason)
    if any(w in low for w in ("connection refused", "timed out", "unable to connect", "resolve")):
        return PlatformUnreachable(url, reason)
    return CollectionFailed(url, reason)


def _reason(exc: BaseException) -> str:
    text = str(exc).replace("ERROR: ", "").strip()
    return (text or type(exc).__name__)[:500]


def _text(value: object) -> str | None:
    return None if value is None else str(value)[:1000]

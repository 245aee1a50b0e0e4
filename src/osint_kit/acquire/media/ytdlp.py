"""yt-dlp as osint-kit drives it: its options, the read-only guard, one format downloaded.

Everything that speaks yt-dlp's language lives here: the parameters (no
"fixup", no post-processing, no cache, our paths), a ``YoutubeDL`` whose every
request is listed and whose writes (anything but GET and HEAD) are refused before
they are sent, downloading one chosen format unaltered into the download area
(hashed as it arrives), and yt-dlp's errors turned into osint-kit's. What a
collection keeps of it, and the custody record, are ``collect``'s job.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.networking import Request
from yt_dlp.utils import DownloadError, YoutubeDLError

from osint_kit.base.dates import utc_now
from osint_kit.errors import (
    AccountNotFound,
    CollectionFailed,
    InvalidOption,
    PlatformError,
    PlatformUnreachable,
    WriteRefused,
)
from osint_kit.record.downloads import DownloadArea
from osint_kit.record.file_hash import HashFollower

log = logging.getLogger("osint_kit")

#: yt-dlp's own default: the best video, with the best audio when they come apart.
FORMAT = "bv*+ba/b"
WHY = (
    "yt-dlp's default choice: the best video stream, and the best audio stream when the "
    "site serves them apart (both kept, not merged); else the best single file"
)


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


class OverLimit(Exception):
    """Raised from a progress hook to stop a download at the byte limit."""


class YtDlpLog:
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


class ReadOnlyYoutubeDL(yt_dlp.YoutubeDL):  # type: ignore[misc]
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


def ytdlp_params(
    opts: MediaOptions, area: DownloadArea, cookies: Path | None, logger: YtDlpLog
) -> Any:
    """yt-dlp's parameters for one collection: keep what comes, as it comes."""
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


def format_role(fmt: Mapping[str, Any]) -> str:
    """``video`` or ``audio`` when the format says it has only that, else ``media``."""
    video = fmt.get("vcodec") not in (None, "none")
    audio = fmt.get("acodec") not in (None, "none")
    if video and not audio and fmt.get("acodec") == "none":
        return "video"
    if audio and not video and fmt.get("vcodec") == "none":
        return "audio"
    return "media"


def download_format(
    ydl: ReadOnlyYoutubeDL,
    area: DownloadArea,
    index: int,
    info: Mapping[str, Any],
    fmt: Mapping[str, Any],
) -> dict[str, Any]:
    """Download one format, unaltered; what happened (and ``_path`` when a file is kept)."""
    fid = str(fmt.get("format_id") or "0")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in fid)[:40]
    ext = "".join(c for c in str(fmt.get("ext") or "bin") if c.isalnum())[:8] or "bin"
    dest = area.path / f"{index:04d}-{safe}.{ext}"
    outcome: dict[str, Any] = {
        "item": index,
        "format_id": fid,
        "role": format_role(fmt),
        "url": info_text(fmt.get("url")),
        "protocol": info_text(fmt.get("protocol")),
        "ext": ext,
        "announced_size": fmt.get("filesize") if isinstance(fmt.get("filesize"), int) else None,
    }
    job = {**{k: v for k, v in info.items() if k != "requested_formats"}, **fmt}
    part = dest.with_name(dest.name + ".part")
    follower = HashFollower(part, dest)  # hashed as it arrives, not read a second time
    try:
        finished, _ = ydl.dl(str(dest), job)
    except OverLimit:
        outcome.update(status="over-limit", reason="stopped at the byte limit (--max-mb)")
        finished = False
    except (DownloadError, YoutubeDLError, OSError) as exc:
        outcome.update(status="partial", reason=failure_reason(exc))
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


def collection_failure(url: str, exc: BaseException) -> CollectionFailed:
    """yt-dlp's error as the failure the record names (not found, refused, unreachable...)."""
    reason = failure_reason(exc)
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


def failure_reason(exc: BaseException) -> str:
    """yt-dlp's error text without its ``ERROR:`` prefix, trimmed for the record."""
    text = str(exc).replace("ERROR: ", "").strip()
    return (text or type(exc).__name__)[:500]


def info_text(value: object) -> str | None:
    """A member of yt-dlp's info as text, trimmed for the record."""
    return None if value is None else str(value)[:1000]

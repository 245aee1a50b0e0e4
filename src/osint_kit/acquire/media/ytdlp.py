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
import os
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
from osint_kit.formats.content_check import sniff
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


#: The largest playlist or manifest kept as it was fetched.
MAX_MANIFEST = 16 * 2**20
#: Types a playlist or manifest may be served as (many servers say text/plain or nothing).
_NOT_MANIFEST = ("video/", "audio/", "image/", "text/html", "application/xhtml")


class ReadOnlyYoutubeDL(yt_dlp.YoutubeDL):  # type: ignore[misc]
    """yt-dlp whose every request passes here: GET and HEAD go out (and are listed),
    anything else is refused before it is sent. The body of every HLS playlist and DASH
    manifest yt-dlp reads is kept as it read it (``manifests``): fetched again, a live
    playlist would list other segments than the ones joined."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.exchanges: list[dict[str, Any]] = []
        self.refused: list[dict[str, str]] = []
        self.manifests: list[dict[str, Any]] = []

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
        if headers.get("Content-Range"):
            entry["content_range"] = headers.get("Content-Range")
        if getattr(response, "url", url) != url:
            entry["final_url"] = response.url
        if method == "GET" and _may_be_manifest(entry):
            self._keep_manifest(response, entry)
        return response

    def _keep_manifest(self, response: Any, entry: dict[str, Any]) -> None:
        """Keep what is read of ``response`` while its first bytes say it is a playlist
        or a manifest (the rest of the time, nothing is held)."""
        kept: dict[str, Any] = {
            "url": entry.get("final_url") or entry["url"],
            "time": entry["time"],
        }
        body = bytearray()
        read = response.read

        def read_and_keep(amt: int | None = None) -> Any:
            data = read(amt)
            if data and kept.get("kind") != "":
                if len(body) <= MAX_MANIFEST:
                    body.extend(data[: MAX_MANIFEST + 1 - len(body)])
                if "kind" not in kept and len(body) >= 16:
                    kept["kind"] = manifest_kind(bytes(body[:4096])) or ""
                    if not kept["kind"]:
                        body.clear()  # not a playlist: hold nothing more of it
                    elif len(self.manifests) < 1000:
                        kept["body"] = body
                        self.manifests.append(kept)
            return data

        response.read = read_and_keep


def _may_be_manifest(entry: Mapping[str, Any]) -> bool:
    kind = str(entry.get("content_type") or "").lower()
    length = str(entry.get("content_length") or "")
    small = not length.isdigit() or int(length) <= MAX_MANIFEST
    return small and not kind.startswith(_NOT_MANIFEST) and entry.get("status") in (200, 203)


def manifest_kind(head: bytes) -> str | None:
    """``hls`` or ``dash`` when ``head`` begins a playlist or a manifest, else None."""
    found = sniff(head)
    if found == "application/vnd.apple.mpegurl":
        return "hls"
    return "dash" if found == "application/dash+xml" else None


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
        "compat_opts": {"prefer-legacy-http-handler"},
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
    budget: int | None = None,
) -> dict[str, Any]:
    """Download one format, unaltered; what happened (and ``_path`` when a file is kept).

    ``budget``: the bytes it may still take (``max_bytes`` less what earlier files
    took); a file past it is kept up to it, and said to be cut there. The record says
    how many bytes the server announced and how many arrived."""
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
    first_request = len(ydl.exchanges)
    follower = HashFollower(part, dest)  # hashed as it arrives, not read a second time
    over = False
    try:
        finished, _ = ydl.dl(str(dest), job)
    except OverLimit:
        finished = over = True  # decided below, from what arrived
    except (DownloadError, YoutubeDLError, OSError) as exc:
        outcome.update(status="partial", reason=failure_reason(exc))
        finished = False
    finally:
        hashed = follower.finish()
    kept = dest if dest.is_file() else part if part.is_file() else None
    received = kept.stat().st_size if kept is not None else 0
    if str(fmt.get("protocol") or "http").startswith("http"):
        announced = announced_bytes(ydl.exchanges[first_request:], fmt.get("url"))
        if announced is not None:
            outcome["announced_bytes"] = announced
    outcome["received_bytes"] = received
    if over:
        if budget is not None and kept is not None and received > budget:
            os.truncate(kept, budget)  # kept up to the limit, as the record says
            hashed = None  # hashed again when adopted
        outcome.update(
            status="over-limit",
            reason=f"stopped at the byte limit (--max-mb): the first {min(received, budget or 0):,}"
            " bytes are kept",
            kept_bytes=min(received, budget or 0),
        )
    announced = outcome.get("announced_bytes")
    if finished and "status" not in outcome and kept == dest:
        if announced is not None and received != announced:
            outcome.update(
                status="partial",
                reason=f"{received:,} bytes arrived of the {announced:,} announced",
            )
        else:
            outcome["status"] = "complete"
    if kept is not None and outcome.get("status") != "complete":
        outcome.setdefault("status", "partial")
        outcome.setdefault("reason", "the download did not finish")
        if announced is not None and outcome["status"] == "partial" and not finished:
            outcome["reason"] += f" ({received:,} bytes arrived of the {announced:,} announced)"
        outcome["truncated"] = True
    elif kept is None:
        outcome.setdefault("status", "failed")
        outcome.setdefault("reason", "nothing was downloaded")
    outcome["_hashed"] = hashed
    if kept is not None:
        outcome["_path"] = kept
    return outcome


def announced_bytes(exchanges: list[dict[str, Any]], url: object) -> int | None:
    """The length of the whole file as the server announced it for ``url``: the total of
    a 206's Content-Range, else a 200's Content-Length (the first answer that says)."""
    for entry in exchanges:
        if entry.get("url") != url and entry.get("final_url") != url:
            continue
        if entry.get("status") == 206:
            total = str(entry.get("content_range") or "").rpartition("/")[2].strip()
            if total.isdigit():
                return int(total)
        elif entry.get("status") == 200:
            length = str(entry.get("content_length") or "").strip()
            if length.isdigit():
                return int(length)
    return None


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

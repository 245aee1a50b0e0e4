"""What a capture collects from a loaded page: facts, artifacts, traffic, downloads, media."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import mimetypes
import zlib
from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from osint_kit.acquire.web.page import CALL_S, bounded
from osint_kit.formats.warc import Exchange

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Response


class PageArtifact(NamedTuple):
    """Bytes a capture keeps as an exhibit: its role, media type, and source URL if one."""

    role: str
    media_type: str
    data: bytes
    source: str | None = None


async def page_facts(
    page: Page, response: Response | None, browser: Browser, executable: str
) -> dict[str, Any]:
    """What the browser says of the page (no page script is asked: it may be stopped)."""
    facts: dict[str, Any] = {
        "final_url": page.url,
        "title": "",
        "viewport": page.viewport_size,
        "browser": {"name": "chromium", "version": browser.version, "executable": executable},
        "playwright": version("playwright"),
    }
    with contextlib.suppress(Exception):  # a title is a nicety; its absence is not a failure
        facts["title"] = await bounded(page.title(), CALL_S)
    if response is None:
        return facts
    chain = []
    req = response.request.redirected_from
    while req is not None:
        r = await bounded(req.response(), CALL_S)
        chain.append({"url": req.url, "status": r.status if r else None})
        req = req.redirected_from
    facts["redirects"] = list(reversed(chain))
    facts["http_status"] = response.status
    facts["http_status_text"] = response.status_text
    return facts


async def page_artifacts(
    page: Page, cdp: Any, max_height_px: int, until: float
) -> tuple[list[PageArtifact], dict[str, Any]]:
    """Screenshot (clipped at ``max_height_px``), rendered DOM, visible text, MHTML.

    Each is taken on its own before ``until`` (event-loop time); one the browser cannot
    give in time is listed in ``not_taken`` and the others are kept.
    """
    loop = asyncio.get_running_loop()

    def left() -> float:
        return min(CALL_S * 3, until - loop.time())

    artifacts: list[PageArtifact] = []
    missing: dict[str, str] = {}
    notes: dict[str, Any] = {}

    async def take(role: str, media: str, make: Callable[[], Awaitable[bytes]]) -> None:
        if left() <= 0:
            missing[role] = "no time was left to take it"
            return
        try:
            artifacts.append(PageArtifact(role, media, await bounded(make(), left())))
        except Exception as exc:  # listed, and the capture goes on
            missing[role] = first_line(str(exc)) or type(exc).__name__

    async def screenshot() -> bytes:
        # The viewport is made as tall as the picture and that is taken: a full-page
        # screenshot lays out the whole page first, which takes minutes on a page
        # millions of pixels tall, even when only the top is wanted.
        metrics = await cdp.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
        viewport = page.viewport_size or {"width": 1280, "height": 800}
        height = int(size.get("height") or 0)
        notes["page_height_px"] = height
        notes["screenshot_height_px"] = shot = max(1, min(max(height, 1), max_height_px))
        await cdp.send(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": viewport["width"],
                "height": max(shot, viewport["height"]),
                "deviceScaleFactor": 1,
                "mobile": False,
            },
        )
        try:
            got = await cdp.send(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": viewport["width"],
                        "height": shot,
                        "scale": 1,
                    },
                },
            )
        finally:
            await cdp.send(
                "Emulation.setDeviceMetricsOverride",
                {**viewport, "deviceScaleFactor": 1, "mobile": False},
            )
        return base64.b64decode(got["data"])

    async def dom() -> bytes:
        return (await page.content()).encode("utf-8")

    async def text() -> bytes:
        # Asked in Playwright's own isolated world: the page's world may be gone with the
        # script that was stopped in it.
        body = page.locator("body")
        if not await body.count():
            return b""
        got = await body.first.inner_text(timeout=max(1000, left() * 1000))
        return got.encode("utf-8")

    async def mhtml() -> bytes:
        snapshot = await cdp.send("Page.captureSnapshot", {"format": "mhtml"})
        return str(snapshot["data"]).encode("utf-8")

    await take("screenshot", "image/png", screenshot)
    await take("dom", "text/html", dom)
    await take("mhtml", "multipart/related", mhtml)
    await take("text", "text/plain", text)  # last: the DOM holds it too
    if missing:
        notes["not_taken"] = missing
    return artifacts, notes


def downloads(
    started: list[dict[str, str]], traffic: list[Exchange]
) -> tuple[list[PageArtifact], list[dict[str, Any]]]:
    """Each download the page started, kept from the proxy's record of its response."""
    artifacts, entries = [], []
    for d in started:
        entry: dict[str, Any] = {"url": d["url"], "filename": d["filename"]}
        ex = next((x for x in reversed(traffic) if x.url == d["url"] and x.status), None)
        if ex is None or ex.body is None:
            entry["outcome"] = "not received"
        else:
            data = decoded_body(ex)
            media = mimetypes.guess_type(d["filename"])[0] or "application/octet-stream"
            artifacts.append(PageArtifact("download", media, data, d["url"]))
            entry.update({"outcome": "kept", "size": len(data)})
            if ex.truncated:
                entry["truncated"] = ex.truncated
        entries.append(entry)
    return artifacts, entries


def decoded_body(ex: Exchange) -> bytes:
    """The body with a gzip or deflate ``Content-Encoding`` undone (the WARC keeps it as sent)."""
    body = bytes(ex.body or b"")
    encoding = header(ex, "content-encoding").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        try:
            if encoding == "deflate":
                try:
                    return zlib.decompress(body)
                except zlib.error:
                    return zlib.decompress(body, -zlib.MAX_WBITS)
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body)
        except zlib.error:
            return body
    return body


def header(ex: Exchange, name: str) -> str:
    name = name.lower()
    return next((v for k, v in ex.response_headers if k.lower() == name), "")


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


#: Request destinations (Sec-Fetch-Dest) whose bodies are kept as exhibits of their own.
MEDIA_ROLES = {
    "image": "page-image",
    "video": "page-media",
    "audio": "page-media",
    "track": "page-media",
}


def media_role(ex: Exchange) -> str | None:
    """page-image or page-media by what asked for it, else (no Sec-Fetch-Dest, as on
    plain http) by what the server said it is."""
    if ex.resource_type:
        return MEDIA_ROLES.get(ex.resource_type)
    ctype = header(ex, "content-type").split(";")[0].strip().lower()
    if ctype.startswith("image/"):
        return "page-image"
    if ctype.startswith(("video/", "audio/")):
        return "page-media"
    return None


def media_artifacts(traffic: list[Exchange]) -> tuple[list[PageArtifact], list[dict[str, Any]]]:
    """The page's images and videos as exhibits of their own, each with its source URL."""
    artifacts, entries = [], []
    seen: set[str] = set()
    for ex in traffic:
        role = media_role(ex)
        if role is None or ex.status is None or not 200 <= ex.status < 300 or ex.url in seen:
            # an error page the server sent for an image is in the WARC, not an image
            continue
        seen.add(ex.url)
        entry: dict[str, Any] = {"url": ex.url, "role": role, "http_status": ex.status}
        if ex.body:
            ctype = header(ex, "content-type")
            media = ctype.split(";")[0].strip() or (
                mimetypes.guess_type(urlsplit(ex.url).path)[0] or "application/octet-stream"
            )
            data = decoded_body(ex)
            artifacts.append(PageArtifact(role, media, data, ex.url))
            entry["size"] = len(data)
            if ex.truncated:
                entry["truncated"] = ex.truncated
            if ex.status == 206:
                entry["partial_content"] = True  # a range the player asked for, not the file
        else:
            entry["kept"] = False
            entry["why"] = ex.body_error or ex.failure or "no body"
        entries.append(entry)
    return artifacts, entries

"""What a capture collects from a loaded page: facts, artifacts, traffic, downloads, media."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import ssl
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from .warc import Exchange

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Request, Response


class PageArtifact(NamedTuple):
    """Bytes a capture keeps as an exhibit: its role, media type, and source URL if one."""

    role: str
    media_type: str
    data: bytes
    source: str | None = None


async def page_facts(
    page: Page, response: Response | None, browser: Browser, executable: str
) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "final_url": page.url,
        "title": await page.title(),
        "user_agent": await page.evaluate("navigator.userAgent"),
        "viewport": page.viewport_size,
        "browser": {"name": "chromium", "version": browser.version, "executable": executable},
        "playwright": version("playwright"),
    }
    if response is None:
        return facts
    chain = []
    req = response.request.redirected_from
    while req is not None:
        r = await req.response()
        chain.append({"url": req.url, "status": r.status if r else None})
        req = req.redirected_from
    facts["redirects"] = list(reversed(chain))
    facts["http_status"] = response.status
    facts["http_status_text"] = response.status_text
    server = await response.server_addr()
    facts["server"] = {"ip": server["ipAddress"], "port": server["port"]} if server else None
    tls = await response.security_details()
    facts["tls"] = dict(tls) if tls else None
    return facts


async def certificate_chain(cdp: Any, url: str) -> dict[str, Any]:
    """The chain the browser's own connection received, leaf first, as PEM with SHA-256s."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        got = await cdp.send("Network.getCertificate", {"origin": origin})
    except Exception as exc:  # recorded, not fatal: the page itself was captured
        return {"chain_error": first_line(str(exc))}
    ders = [base64.b64decode(x) for x in got.get("tableNames", [])]
    if not ders:
        return {"chain_error": "the browser returned no certificate for " + origin}
    return {
        "chain_pem": [ssl.DER_cert_to_PEM_cert(d) for d in ders],
        "chain_sha256": [hashlib.sha256(d).hexdigest() for d in ders],
        "leaf_sha256": hashlib.sha256(ders[0]).hexdigest(),
    }


async def page_artifacts(
    page: Page, cdp: Any, max_height_px: int
) -> tuple[list[PageArtifact], dict[str, Any]]:
    """Screenshot (clipped at ``max_height_px``), rendered DOM, visible text, MHTML."""
    height = int(await page.evaluate("document.documentElement.scrollHeight"))
    width = (page.viewport_size or {"width": 1280})["width"]
    shot_height = min(height, max_height_px)
    screenshot = await page.screenshot(
        full_page=True, type="png", clip={"x": 0, "y": 0, "width": width, "height": shot_height}
    )
    dom = (await page.content()).encode("utf-8")
    text = await page.evaluate("document.body ? document.body.innerText : ''")
    snapshot = await cdp.send("Page.captureSnapshot", {"format": "mhtml"})
    notes = {"page_height_px": height, "screenshot_height_px": shot_height}
    return [
        PageArtifact("screenshot", "image/png", screenshot),
        PageArtifact("dom", "text/html", dom),
        PageArtifact("text", "text/plain", str(text).encode("utf-8")),
        PageArtifact("mhtml", "multipart/related", str(snapshot["data"]).encode("utf-8")),
    ], notes


async def downloads(started: list[Any]) -> tuple[list[PageArtifact], list[dict[str, Any]]]:
    """Each download the page started, kept as a ``download`` exhibit, or why not."""
    artifacts, entries = [], []
    for d in started:
        entry: dict[str, Any] = {"url": d.url, "filename": d.suggested_filename}
        failure = await d.failure()
        if failure:
            entry["outcome"] = f"failed: {failure}"
        else:
            data = Path(await d.path()).read_bytes()
            media = mimetypes.guess_type(d.suggested_filename)[0] or "application/octet-stream"
            artifacts.append(PageArtifact("download", media, data, d.url))
            entry.update({"outcome": "kept", "size": len(data)})
        entries.append(entry)
    return artifacts, entries


async def exchanges(requests: list[Request]) -> list[Exchange]:
    out = []
    for req in requests:
        try:
            out.append(await _exchange(req))
        except Exception as exc:  # the page or context went away: say so, keep the rest
            out.append(
                Exchange(
                    url=req.url,
                    method=req.method,
                    resource_type=req.resource_type,
                    started=datetime.now(UTC),
                    failure=first_line(str(exc)),
                )
            )
    return out


async def _exchange(req: Request) -> Exchange:
    timing = req.timing
    start = timing.get("startTime", 0) if timing else 0
    started = datetime.fromtimestamp(start / 1000, UTC) if start > 0 else datetime.now(UTC)
    ex = Exchange(
        url=req.url,
        method=req.method,
        resource_type=req.resource_type,
        started=started,
        request_headers=[(h["name"], h["value"]) for h in await req.headers_array()],
        request_body=req.post_data_buffer,
        failure=req.failure,
    )
    response = await req.response()
    if response is not None:
        ex.status = response.status
        ex.status_text = response.status_text
        ex.response_headers = [(h["name"], h["value"]) for h in await response.headers_array()]
        server = await response.server_addr()
        ex.server_ip = server["ipAddress"] if server else None
        if 300 <= response.status < 400:
            ex.body_error = "redirect"
        else:
            try:
                ex.body = await response.body()
            except Exception as exc:  # any reason the browser gives is recorded
                ex.body_error = first_line(str(exc))
    return ex


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


#: Resource types whose bodies are kept as exhibits of their own.
MEDIA_ROLES = {"image": "page-image", "media": "page-media"}


def media_artifacts(traffic: list[Exchange]) -> tuple[list[PageArtifact], list[dict[str, Any]]]:
    """The page's images and videos as exhibits of their own, each with its source URL."""
    artifacts, entries = [], []
    seen: set[str] = set()
    for ex in traffic:
        role = MEDIA_ROLES.get(ex.resource_type)
        if role is None or ex.status is None or ex.url in seen:
            continue
        seen.add(ex.url)
        entry: dict[str, Any] = {"url": ex.url, "role": role, "http_status": ex.status}
        if ex.body:
            ctype = dict((k.lower(), v) for k, v in ex.response_headers).get("content-type", "")
            media = ctype.split(";")[0].strip() or (
                mimetypes.guess_type(urlsplit(ex.url).path)[0] or "application/octet-stream"
            )
            artifacts.append(PageArtifact(role, media, ex.body, ex.url))
            entry["size"] = len(ex.body)
            if ex.status == 206:
                entry["partial_content"] = True  # a range the player asked for, not the file
        else:
            entry["kept"] = False
            entry["why"] = ex.body_error or "no body"
        entries.append(entry)
    return artifacts, entries

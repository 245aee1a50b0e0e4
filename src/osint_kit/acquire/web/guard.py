"""The read-only guard's policy: what the proxy refuses, and how it answers on its own.

Kept apart from the proxy's connection handling so that the rule a capture is
judged by (nothing is posted, uploaded or submitted; no WebSocket is opened;
nothing is fetched past the byte limit; nothing the proxy says replaces the
page) can be read, and checked, in one place.
"""

from __future__ import annotations

import asyncio
import contextlib

from osint_kit.acquire.web.http1 import Head, request_body

#: The only methods let through, and only without a body (``carries_body``).
ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The header the proxy puts on answers it made itself, so the capture can tell them apart.
OWN_ANSWER = "X-Osint-Kit-Proxy"


async def refuse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    head: Head,
    url: str,
    entry: dict[str, str],
    *,
    blocked: list[dict[str, str]],
    skipped: list[dict[str, str]],
    over_limit: asyncio.Event,
) -> bool:
    """Answer here a request the guard does not let through, and list it; True when it
    did (the browser connection then closes), False when the request may go on."""
    if head.method.upper() not in ALLOWED_METHODS or carries_body(head):
        # Read what the page meant to send (never forwarded), so the browser gets a
        # clean answer rather than a reset it might retry; its size is recorded.
        entry["body_bytes"] = str(len(await request_body(reader, head)))
        navigation = is_navigation(head)
        entry["kind"] = "navigation" if navigation else "request"
        blocked.append(entry)
        await answer(
            writer, 403, "blocked: osint-kit captures are read-only", navigation=navigation
        )
        return True
    if head.get("upgrade").lower() == "websocket":
        entry["kind"] = "websocket"
        entry["url"] = "ws" + url[4:] if url.startswith("http") else url
        entry["frame"] = entry["frame"] or head.get("origin")
        blocked.append(entry)
        await answer(writer, 403, "blocked: osint-kit captures are read-only")
        return True
    if over_limit.is_set():
        skipped.append({**entry, "why": "byte limit reached"})
        await answer(
            writer,
            503,
            "skipped: the capture's byte limit was reached",
            navigation=is_navigation(head),
        )
        return True
    return False


async def answer(
    writer: asyncio.StreamWriter,
    status: int,
    text: str,
    *,
    error: str | None = None,
    navigation: bool = False,
) -> None:
    """An answer the proxy makes itself, marked so the capture never takes it for the site's.

    A navigation always gets ``204 No Content``: the browser then stays on the document
    it has, so nothing the proxy says ever replaces the page being captured.
    """
    if navigation:
        status = 204
    body = b""  # the reason is in the header; a body the page never reads can stall it
    reason = {204: "No Content", 400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}
    lines = [
        f"HTTP/1.1 {status} {reason.get(status, 'Service Unavailable')}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
        "Cache-Control: no-store",
        f"{OWN_ANSWER}: {(error or text)[:300].encode('ascii', 'replace').decode()}",
    ]
    with contextlib.suppress(OSError):
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()


def carries_body(head: Head) -> bool:
    """A request that sends something: a write, whatever its method. No request a
    capture needs carries a body (a read asks; an OPTIONS preflight has none)."""
    length = head.get("content-length").strip()
    return bool(head.get("transfer-encoding").strip()) or (bool(length) and length != "0")


def is_navigation(head: Head) -> bool:
    mode = head.get("sec-fetch-mode")
    if mode:
        return mode == "navigate"
    return head.get("upgrade-insecure-requests") == "1"

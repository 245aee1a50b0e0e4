"""HTTP/1.1 as the recording proxy reads it: heads, status lines, how a body ends, keep-alive.

Plain wire format, no policy: kept apart so that the proxy's connection
handling (proxy.py) and its recording (recorder.py) follow the same framing
rules, and whoever checks those rules finds them in one place.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

#: Headers of one request or response head, at most.
HEAD_LIMIT = 256 * 1024


@dataclass
class Head:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")


async def read_raw_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    except asyncio.LimitOverrunError:
        raise ValueError("header too large") from None
    return raw


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    raw = await read_raw_head(reader)
    if raw is None:
        return None
    lines = raw.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    return Head(method, target, version, _header_lines(lines[1:]))


def _header_lines(lines: list[str]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if sep:
            out.append((name.strip(), value.strip()))
    return out


def parse_status(raw: bytes) -> tuple[int, str, list[tuple[str, str]]]:
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"it begins {lines[0][:80]!r}")
    return int(parts[1]), parts[2] if len(parts) > 2 else "", _header_lines(lines[1:])


def body_framing(method: str, status: int, headers: list[tuple[str, str]]) -> tuple[str, int]:
    """How the response body ends: none, a length, chunks, or the server closing."""
    if method.upper() == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return ("none", 0)
    lower = {k.lower(): v for k, v in headers}
    if "chunked" in lower.get("transfer-encoding", "").lower():
        return ("chunked", 0)
    if "content-length" in lower:
        length = int(lower["content-length"].split(",")[0].strip())
        return ("length", length) if length > 0 else ("none", 0)
    return ("close", -1)


def keeps_alive(status_line: bytes, headers: list[tuple[str, str]]) -> bool:
    """HTTP/1.1 keeps the connection unless it says close; HTTP/1.0 only if it says so."""
    connection = next((v.lower() for k, v in headers if k.lower() == "connection"), "")
    if status_line.startswith(b"HTTP/1.0"):
        return "keep-alive" in connection
    return "close" not in connection


async def request_body(reader: asyncio.StreamReader, head: Head) -> bytes:
    """A request's body (the guard refuses any request with one: it is read only to
    answer cleanly and record its size; never forwarded)."""
    length = head.get("content-length")
    if length.isdigit() and 0 < int(length) <= HEAD_LIMIT:
        return await reader.readexactly(int(length))
    return b""

"""Just enough of WebSocket (RFC 6455) for the fixture site's hostile page: the handshake's
accept key, frames, and reading the messages a page sends."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from io import BufferedIOBase

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_accept(key: str) -> str:
    """The Sec-WebSocket-Accept answer to a Sec-WebSocket-Key (RFC 6455, 4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()


def frame(opcode: int, payload: bytes = b"") -> bytes:
    """An unmasked server frame with a short payload (close and pong only)."""
    return bytes([0x80 | opcode, len(payload)]) + payload


def read_messages(rfile: BufferedIOBase, wfile: BufferedIOBase) -> Iterator[str]:
    """Text messages from masked client frames until close or disconnect."""

    def exactly(n: int) -> bytes:
        data = rfile.read(n)
        if len(data) < n:
            raise EOFError
        return data

    pieces: list[bytes] = []
    try:
        while True:
            b0, b1 = exactly(2)
            fin, opcode, length = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
            if length == 126:
                length = int.from_bytes(exactly(2), "big")
            elif length == 127:
                length = int.from_bytes(exactly(8), "big")
            mask = exactly(4) if b1 & 0x80 else b"\0\0\0\0"
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(exactly(length)))
            if opcode == 0x8:  # close: answer it and stop
                wfile.write(frame(0x8, payload[:2]))
                return
            if opcode == 0x9:  # ping
                wfile.write(frame(0xA, payload[:125]))
            elif opcode in (0x0, 0x1, 0x2):
                pieces.append(payload)
                if fin:
                    if opcode != 0x2:  # binary messages are not recorded as text
                        yield b"".join(pieces).decode("utf-8", "replace")
                    pieces = []
    except EOFError:
        return

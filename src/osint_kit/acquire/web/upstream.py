"""The proxy's own connection to a site: TCP within a time limit, TLS checked against the
system's trust store, and what the connection showed (protocol, chain, errors ignored).

Separate from the browser side of the proxy: this is where the capture's TLS facts
come from and where the examiner's choice to ignore certificate errors is applied,
so a reader checking what "the site's certificate" means reads this alone.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from dataclasses import dataclass
from typing import Any

from osint_kit.acquire.web.certs import connection_facts, upstream_context
from osint_kit.acquire.web.http1 import HEAD_LIMIT

CONNECT_TIMEOUT_S = 20.0


class Refused(Exception):
    """The connection to the site could not be made; the reason is for the record."""


@dataclass
class Upstream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ip: str | None
    #: Exchanges already made on this connection (a reused one may have been closed).
    used: int = 0


class Stale(Exception):
    """A kept-alive connection the site had closed; the request is sent again on a new one."""


async def connect(
    origin: str,
    host: str,
    port: int | None,
    *,
    tls: bool,
    ignore_tls_errors: bool,
    seen: dict[str, dict[str, Any]],
) -> Upstream:
    """A connection to ``host``; what its TLS showed goes into ``seen[origin]``."""
    port = port or (443 if tls else 80)
    try:
        reader, writer = await _open_connection(host, port, tls, verify=True)
    except ssl.SSLCertVerificationError as exc:
        error = f"certificate verify failed: {exc.verify_message or exc.reason} ({host}:{port})"
        if not ignore_tls_errors:
            raise Refused(f"the site's TLS certificate was rejected: {error}") from None
        reader, writer = await _open_connection(host, port, tls, verify=False)
        errors = seen.setdefault(origin, {}).setdefault("errors", [])
        if error not in errors:
            errors.append(error)
    ssl_object = writer.get_extra_info("ssl_object")
    if ssl_object is not None:
        facts = seen.setdefault(origin, {})
        errors = facts.get("errors", [])
        facts.update(connection_facts(ssl_object))
        facts["errors"] = errors
    peer = writer.get_extra_info("peername")
    return Upstream(reader, writer, peer[0] if peer else None)


async def _open_connection(
    host: str, port: int, tls: bool, *, verify: bool
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    context = upstream_context(verify=verify) if tls else None
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            return await asyncio.open_connection(
                host.strip("[]"),
                port,
                ssl=context,
                server_hostname=host.strip("[]") if tls else None,
                limit=HEAD_LIMIT,
            )
    except ssl.SSLCertVerificationError:
        raise
    except TimeoutError:
        within = f"within {CONNECT_TIMEOUT_S:.0f} s"
        raise Refused(f"no connection to {host}:{port} {within}") from None
    except (OSError, ssl.SSLError) as exc:
        raise Refused(f"could not connect to {host}:{port}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int) and errno > 0:
        return os.strerror(errno).lower()
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__

"""What a capture record says, for a reader: read defensively, worded the same everywhere.

A capture record was written by some version of osint-kit and may be read back by
another, or edited by someone hostile, so every member is read with its type
checked: one that is missing or of the wrong type reads as unknown (``?``) or is
left out, never a traceback. ``log``, ``case show``, ``capture`` and the
provenance report all describe a capture through this module, so they never
disagree about what it says. Pure functions over the record; no imports from the
capture code that writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from osint_kit.base.dates import format_seconds, parse_time_or_none
from osint_kit.base.labels import label_runs

#: The method of a capture made in headless Chromium (``acquire/web/capture_record.py`` writes it).
WEB_METHOD = "web.browser"
#: Longest piece of a record shown on one line; the record itself keeps it all.
MAX_TEXT = 300
UNKNOWN = "?"


def text(value: object, most: int = MAX_TEXT) -> str | None:
    """A record member as text (strings and numbers only), clipped at ``most`` characters."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    out = str(value)
    return out if len(out) <= most else out[: most - 1] + "…"


def _items(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class Hop:
    """One redirect the browser followed: the URL that answered, and its status."""

    url: str
    status: str


@dataclass(frozen=True)
class BlockedWrite:
    """A write the read-only guard stopped (``?`` for what the record does not say)."""

    method: str
    url: str
    kind: str
    resource_type: str
    frame: str
    time: str

    @classmethod
    def of(cls, item: object) -> BlockedWrite:
        d = _map(item)
        return cls(
            *(
                text(d.get(k)) or UNKNOWN
                for k in ("method", "url", "kind", "resource_type", "frame", "time")
            )
        )

    def line(self) -> str:
        return f"{self.method} {self.url} ({self.kind}, frame {self.frame}, at {self.time})"


@dataclass(frozen=True)
class Tls:
    """The TLS facts of a capture, and whether certificate errors were let through."""

    subject: str | None = None
    issuer: str | None = None
    protocol: str | None = None
    #: The examiner chose --ignore-tls-errors.
    errors_ignored: bool = False
    #: The errors met and ignored; None when the record does not say which (older records).
    errors: tuple[str, ...] | None = None
    #: The record's ``tls`` is there but not an object: nothing in it can be read.
    unreadable: bool = False
    #: The page came over plain http (no TLS of its own), with the option on.
    plain_http: bool = False

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Tls | None:
        raw = record.get("tls")
        option = _map(record.get("options")).get("ignore_tls_errors") is True
        if raw is None:
            if not option:
                return None
            # With the option on and no TLS details, an https page may still have met errors.
            urls = (text(record.get("final_url")) or "", text(record.get("target")) or "")
            plain = not any(u.lower().startswith("https:") for u in urls)
            return cls(errors_ignored=True, plain_http=plain)
        if not isinstance(raw, Mapping):
            return cls(errors_ignored=option, unreadable=True)
        listed = raw.get("errors")
        errors = (
            tuple(t for e in listed if (t := text(e)) is not None)
            if isinstance(listed, list | tuple)
            else None
        )
        return cls(
            subject=text(raw.get("subjectName")),
            issuer=text(raw.get("issuer")),
            protocol=text(raw.get("protocol")),
            errors_ignored=raw.get("errors_ignored") is True or option,
            errors=errors,
        )

    @property
    def warning(self) -> str | None:
        """``TLS ERRORS IGNORED: …``: set whenever the capture may rest on a certificate
        the browser did not accept (errors met, or the option on and which not recorded)."""
        if self.errors:
            return "TLS ERRORS IGNORED: " + "; ".join(self.errors)
        if self.errors_ignored and self.errors is None and not self.plain_http:
            return "TLS ERRORS IGNORED (which: not recorded)"
        return None

    def lines(self) -> list[str]:
        """What to say about TLS beyond the warning (the certificate, the option)."""
        out = []
        if self.unreadable:
            out.append("? (the record's tls is not an object)")
        if self.subject or self.issuer or self.protocol:
            out.append(
                (f"{self.protocol}, " if self.protocol else "")
                + f"certificate for {self.subject or UNKNOWN}, issued by {self.issuer or UNKNOWN}"
            )
        if self.errors_ignored and self.errors == ():
            out.append("--ignore-tls-errors was on; no TLS error was met")
        if self.plain_http:
            out.append("none, the page came over http (--ignore-tls-errors was on)")
        return out


@dataclass(frozen=True)
class CaptureFacts:
    """A capture record as a reader needs it: every member typed, or None when unknown."""

    id: str | None = None
    method: str | None = None
    target: str | None = None
    status: str | None = None
    reason: str | None = None
    final_url: str | None = None
    title: str | None = None
    http_status: str | None = None
    started: str | None = None
    ended: str | None = None
    redirects: tuple[Hop, ...] = ()
    blocked: tuple[BlockedWrite, ...] = ()
    tls: Tls | None = None
    truncated: tuple[str, ...] = ()
    limit: str | None = None
    rerouted: Mapping[str, str] = field(default_factory=dict)
    #: Navigations the page started itself, refused (the document asked for was kept).
    refused: tuple[Hop, ...] = ()
    refused_how: tuple[str, ...] = ()
    refused_not_listed: int = 0
    #: A document the page wrote itself (blob:, about:) that replaced the page.
    written: str | None = None

    @classmethod
    def of(cls, record: object) -> CaptureFacts:
        """The facts of ``record`` (a capture record, or anything: nothing is assumed)."""
        r = _map(record)
        rerouted = _map(r.get("rerouted"))
        return cls(
            id=text(r.get("id")),
            method=text(r.get("method")),
            target=text(r.get("target")) or text(_map(r.get("source")).get("original_name")),
            status=text(r.get("status")),
            reason=text(r.get("reason")),
            final_url=text(r.get("final_url")),
            title=text(r.get("title")),
            http_status=text(r.get("http_status")),
            started=text(r.get("started")),
            ended=text(r.get("ended")),
            redirects=tuple(
                Hop(text(_map(h).get("url")) or UNKNOWN, text(_map(h).get("status")) or UNKNOWN)
                for h in _items(r.get("redirects"))
            ),
            blocked=tuple(BlockedWrite.of(b) for b in _items(r.get("blocked_requests"))),
            tls=Tls.of(r),
            truncated=tuple(u for b in _items(r.get("bodies_truncated")) if (u := text(b))),
            limit=text(r.get("limit")),
            rerouted={str(k): str(v) for k, v in rerouted.items()},
            refused=tuple(
                Hop(text(_map(h).get("url")) or UNKNOWN, text(_map(h).get("status")) or UNKNOWN)
                for h in _items(r.get("refused_navigations"))
            ),
            refused_how=tuple(
                text(_map(h).get("how")) or UNKNOWN for h in _items(r.get("refused_navigations"))
            ),
            refused_not_listed=_count(r.get("refused_navigations_not_listed")),
            written=text(_map(r.get("written_document")).get("url")),
        )

    @property
    def refused_count(self) -> int:
        return len(self.refused) + self.refused_not_listed

    @property
    def is_web(self) -> bool:
        return self.method == WEB_METHOD

    @property
    def moved(self) -> bool:
        """The page ended up at another URL than the one asked for."""
        return bool(self.final_url) and self.final_url != self.target

    def page_time(self) -> str | None:
        """``2026-11-29T10:54:30Z to 10:54:41Z (11.5 s)``: when this page itself was
        captured (an event's time is when it was recorded, in a batch much later)."""
        if self.started is None and self.ended is None:
            return None
        start, end = parse_time_or_none(self.started), parse_time_or_none(self.ended)
        first = format_seconds(start) if start else UNKNOWN
        last = format_seconds(end) if end else UNKNOWN
        if start and end and first[:11] == last[:11]:
            last = last[11:]
        took = f" ({(end - start).total_seconds():.1f} s)" if start and end else ""
        return f"{first} to {last}{took}"

    def blocked_count(self) -> str | None:
        """``blocked 3 writes (1 websocket)``, or None when nothing was blocked."""
        if not self.blocked:
            return None
        kinds: dict[str, int] = {}
        for b in self.blocked:
            if b.kind != "request":
                kinds[b.kind] = kinds.get(b.kind, 0) + 1
        n = len(self.blocked)
        also = ", ".join(f"{c} {k}" for k, c in sorted(kinds.items()))
        return f"blocked {n} write{'s' if n != 1 else ''}" + (f" ({also})" if also else "")

    def headline(self) -> str:
        """The web facts that belong on an event's one line: where it ended, how it
        answered, what was blocked; the TLS warning and rerouting are for the caller."""
        parts = []
        if self.http_status:
            parts.append(f"HTTP {self.http_status}")
        if self.moved:
            parts.append(f"final URL {self.final_url}")
        if self.redirects:
            n = len(self.redirects)
            parts.append(f"{n} redirect{'s' if n != 1 else ''}")
        if blocked := self.blocked_count():
            parts.append(blocked)
        if n := self.refused_count:
            parts.append(f"refused {n} navigation{'s' if n != 1 else ''} of the page's own")
        if self.written:
            parts.append("the page wrote its own document")
        return ", ".join(parts)

    def detail_lines(self, most: int = 5, *, with_time: bool = True) -> list[str]:
        """Lines under an event's one line: the page's own time, the redirect chain, each
        blocked write (the first ``most``), TLS (its warning is the headline's, not here),
        truncated bodies, the limit that ended it."""
        out = []
        if with_time and (when := self.page_time()):
            out.append(f"page captured {when}")
        if self.redirects:
            chain = " -> ".join(f"{h.status} {h.url}" for h in self.redirects)
            out.append(f"redirects: {chain} -> {self.final_url or UNKNOWN}")
        for b in self.blocked[:most]:
            out.append(f"blocked {b.line()}")
        if len(self.blocked) > most:
            out.append(f"… and {len(self.blocked) - most} more blocked (in the capture record)")
        for hop, how in list(zip(self.refused, self.refused_how, strict=True))[:most]:
            out.append(f"the page tried to leave for {hop.url} ({how}; HTTP {hop.status}): refused")
        if self.refused_count > min(most, len(self.refused)):
            rest = self.refused_count - min(most, len(self.refused))
            out.append(f"… and {rest} more navigation(s) of the page's own refused")
        if self.written:
            out.append(
                f"the page replaced its document with one it wrote itself ({self.written}); "
                "the document asked for was rendered again from the record"
            )
        if self.tls is not None:  # its warning goes on the first line, where none misses it
            out.extend(f"TLS: {line}" for line in self.tls.lines())
        if self.truncated:
            n = len(self.truncated)
            shown = ", ".join(self.truncated[:3]) + (" …" if n > 3 else "")
            out.append(f"{n} response bod{'ies' if n != 1 else 'y'} cut at the byte limit: {shown}")
        if self.limit:
            out.append(f"stopped by the {self.limit} limit")
        return out


def by_role(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(label, role) pairs as role -> labels, roles in the order they first appear."""
    roles: dict[str, list[str]] = {}
    for label, role in pairs:
        roles.setdefault(role, []).append(label)
    return roles


def describe_roles(pairs: Iterable[tuple[str, str]], most_runs: int = 4) -> str:
    """``screenshot E0001, dom E0002, page-image (500) E0007..E0506``: a capture's exhibits
    by role, never one label per exhibit of a role that has many."""
    parts = []
    for role, labels in by_role(pairs).items():
        runs = label_runs(labels).split(", ")
        shown = ", ".join(runs[:most_runs]) + (
            f", … {len(runs) - most_runs} more runs" if len(runs) > most_runs else ""
        )
        parts.append(f"{role} {shown}" if len(labels) == 1 else f"{role} ({len(labels)}) {shown}")
    return ", ".join(parts)


def rerouted_hosts(capture: object) -> dict[str, str]:
    """A capture record's ``rerouted`` member (host -> where it went), read defensively."""
    if not isinstance(capture, Mapping):
        return {}
    found = capture.get("rerouted")
    if not isinstance(found, Mapping):
        return {}
    return {str(host): str(to) for host, to in found.items()}


def describe_rerouting(rerouted: Mapping[str, str]) -> str:
    """``t.me -> http://127.0.0.1:5000, …``: what a reader must see before trusting a capture."""
    return ", ".join(f"{host} -> {to}" for host, to in sorted(rerouted.items()))

"""A post's media fetched, and what arrived checked against what was announced.

A platform or its CDN that answers 200 can still send the wrong thing: an HTML error or
login page, JSON ``null``, a picture cut short when the connection dropped, bytes of
another type than its Content-Type, fewer bytes than its Content-Length. Each medium is
checked (``formats.content_check``: the type from the bytes, against the Content-Type
and the kind of attachment the post names; the length; a picture decoded) and:

- as announced: kept, ``sha256`` set;
- not as announced: fetched again (``retries`` times, waiting 1, 2, 4 ... s) when that
  can help (a cut transfer, a page or ``null`` in place of the file, a picture that
  does not decode); what arrived last is kept all the same, as state ``mismatch`` with
  every difference in ``error``; a later run fetches it again;
- nothing arrived: ``error`` only, as before.

A cut transfer's bytes are the ones the server sent before it hung up (``PlatformHTTP``
keeps them, and the WARC marks the response ``WARC-Truncated: disconnect``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import replace

import requests

from osint_kit.acquire.social.base import CollectionRun
from osint_kit.errors import WriteRefused
from osint_kit.formats.content_check import UNSPECIFIC, Arrival, check_arrival, normalise
from osint_kit.record.post import Media

MISMATCH = "mismatch"


def fetch_medium(run: CollectionRun, medium: Media) -> Media:
    """``medium`` with what arrived for it (see the module's docstring)."""
    attempts = run.settings.retries + 1
    for attempt in range(attempts):
        got, arrival = _fetch_once(run, medium)
        if arrival is None or arrival.ok or not _worth_retrying(arrival):
            return got
        if attempt + 1 < attempts:
            time.sleep(min(2.0**attempt, 8.0))
    return got


def _fetch_once(run: CollectionRun, medium: Media) -> tuple[Media, Arrival | None]:
    try:
        response = run.http.get(medium.url)
    except (requests.RequestException, WriteRefused) as exc:
        partial = getattr(exc, "partial_body", None)
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
        if not isinstance(partial, bytes) or not partial:
            return replace(medium, error=error), None
        # The server hung up part-way: keep what arrived, and say so.
        headers = getattr(exc, "partial_headers", None) or {}
        return _checked(run, medium, partial, headers, f"the transfer was cut ({error})")
    if response.status_code != 200:
        return replace(medium, error=f"HTTP {response.status_code}"), None
    return _checked(run, medium, response.content, response.headers, None)


def _checked(
    run: CollectionRun,
    medium: Media,
    body: bytes,
    headers: Mapping[str, str],
    cut: str | None,
) -> tuple[Media, Arrival | None]:
    if len(body) > run.settings.max_media_bytes:
        limit = run.settings.max_media_bytes
        return replace(medium, error=f"larger than the limit ({limit} bytes)"), None
    encoded = bool(headers.get("Content-Encoding"))  # the length is of the encoded body
    arrival = check_arrival(
        body,
        content_type=headers.get("Content-Type"),
        content_length=None if encoded else headers.get("Content-Length"),
        expected=medium.type,
    )
    announced = (headers.get("Content-Type") or "application/octet-stream").split(";")[0].strip()
    kept = replace(
        medium,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        media_type=arrival.found_type or announced,
        error=None,
        state=None,
        announced_type=_other_type(arrival),
    )
    differences = ([cut] if cut else []) + list(arrival.differences)
    if not differences:
        return kept, arrival
    return replace(kept, state=MISMATCH, error="; ".join(differences)[:1000]), _cut(arrival, cut)


def _other_type(arrival: Arrival) -> str | None:
    """The announced type when the bytes are another type of the same kind."""
    announced = normalise(arrival.announced_type)
    if announced in UNSPECIFIC or arrival.found_type is None:
        return None
    return announced if normalise(arrival.found_type) != announced else None


def _cut(arrival: Arrival, cut: str | None) -> Arrival:
    if cut is None:
        return arrival
    return replace(arrival, differences=(cut, *arrival.differences))


def _worth_retrying(arrival: Arrival) -> bool:
    """Whether asking again may bring the file: a cut or short transfer, an error page or
    ``null`` in its place, a picture that does not decode. A file of another type than
    announced, whole, comes back the same."""
    if arrival.differences[:1] and arrival.differences[0].startswith("the transfer was cut"):
        return False  # PlatformHTTP.get has already asked again, with the same backoff
    if arrival.truncated or arrival.found_type in (None, "text/html", "application/json"):
        return True
    again = ("the transfer was cut", "the picture", "not a picture")
    return any(d.startswith(again) for d in arrival.differences)

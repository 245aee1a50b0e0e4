"""Every date and time osint-kit reads or writes, parsed and formatted in one place.

Written times are RFC 3339 UTC with a ``Z``: events with microseconds
(``2026-11-25T01:02:03.000004Z``), platform times to the second (platforms
give no finer). Read times are ISO 8601: a date, or a date-time with ``Z`` or
an offset, with or without fractions.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, date, datetime

from osint_kit.errors import InvalidTime

EVENT_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> str:
    """Now, as an event's ``time``: RFC 3339 UTC with microseconds."""
    return format_time(datetime.now(UTC))


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds; a naive time is taken as UTC."""
    return _aware(moment).strftime(EVENT_TIME)


def format_seconds(moment: datetime) -> str:
    """RFC 3339 UTC to the second (``2024-05-01T12:00:00Z``); a naive time is taken as UTC."""
    return _aware(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_event_time(text: str) -> datetime:
    """An event's ``time``, exactly as the log writes it (anything else is refused)."""
    try:
        return datetime.strptime(text, EVENT_TIME).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise InvalidTime(
            "event time", str(text), "it is not RFC 3339 UTC with microseconds"
        ) from None


def parse_time(text: str | datetime, *, what: str = "time", naive: str = "utc") -> datetime:
    """ISO 8601 to an aware UTC datetime: ``2024-05-01``, ``2024-05-01T12:00:00Z``,
    ``…+02:00``, with or without fractions. A date means its midnight, UTC.

    ``naive``: ``"utc"`` takes a time without zone as UTC; ``"refuse"`` raises.
    ``what`` names the value in the error (``--since``, a platform's ``created_at``).
    """
    if isinstance(text, datetime):
        moment = text
    else:
        value = str(text).strip()
        try:
            if len(value) == 10:
                moment = datetime.combine(date.fromisoformat(value), datetime.min.time())
            else:
                moment = datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", value))
        except ValueError:
            raise InvalidTime(
                what,
                value,
                "it is not an ISO 8601 date (2024-05-01) or date-time (2024-05-01T12:00:00Z)",
            ) from None
    if moment.tzinfo is None:
        if naive == "refuse":
            raise InvalidTime(what, str(text), "a date-time needs a time zone (Z or +02:00)")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_time_or_none(value: object) -> datetime | None:
    """``parse_time`` for data read back (a stored record, a capture): a time that
    cannot be read is no time, not an error."""
    if not value:
        return None
    try:
        return parse_time(str(value))
    except ValueError:
        return None


def normalise_date_or_time(value: str | date | datetime, *, what: str) -> str:
    """A date stays a date (``2026-11-20``); a date-time with zone becomes RFC 3339 UTC."""
    if isinstance(value, datetime):
        return parse_time(value, what=what, naive="refuse").isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    moment = parse_time(text, what=what, naive="refuse")
    return moment.isoformat().replace("+00:00", "Z")


def parse_http_date(text: str) -> datetime | None:
    """An HTTP date (``Retry-After``, ``Date``) as aware UTC; None when unreadable."""
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return _aware(when)


def parse_openssl_time(text: str) -> datetime | None:
    """``openssl ts -text``'s ``Nov 25 01:02:03.123 2026 GMT``; None when unreadable."""
    text = text.strip().replace(" GMT", "")
    text = re.sub(r"(\d\d:\d\d:\d\d)\.\d+", r"\1", text)  # fractions, if any
    try:
        return datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

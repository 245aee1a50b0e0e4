"""The one date and time parser: what it accepts, what it refuses, and round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osint_kit.base.dates import (
    format_seconds,
    format_time,
    normalise_date_or_time,
    parse_event_time,
    parse_http_date,
    parse_openssl_time,
)
from osint_kit.errors import InvalidTime
from osint_kit.record import parse_time

moments = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T14:00:00+02:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.123456Z", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        (" 2024-05-01T12:00:00 ", datetime(2024, 5, 1, 12, tzinfo=UTC)),  # no zone: UTC
    ],
)
def test_parse_time_reads_iso_8601(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "", "2024-13-01", "01/05/2024", "2024-05-01T25:00Z"])
def test_parse_time_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(InvalidTime, match="--since"):
        parse_time(text, what="--since")


def test_a_time_without_zone_can_be_refused() -> None:
    with pytest.raises(InvalidTime, match="time zone"):
        parse_time("2024-05-01T12:00:00", naive="refuse")
    assert normalise_date_or_time("2026-11-20", what="x") == "2026-11-20"
    assert normalise_date_or_time(date(2026, 11, 20), what="x") == "2026-11-20"
    assert normalise_date_or_time("2026-11-20T10:00:00+01:00", what="x") == "2026-11-20T09:00:00Z"
    with pytest.raises(InvalidTime):
        normalise_date_or_time("2026-11-20T10:00:00", what="x")


@given(moments, st.integers(-14 * 60, 14 * 60))
def test_what_is_written_reads_back(moment: datetime, offset_minutes: int) -> None:
    shifted = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert parse_event_time(format_time(shifted)) == moment
    assert parse_time(format_time(shifted)) == moment
    assert parse_time(shifted.isoformat()) == moment
    assert parse_time(format_seconds(moment)) == moment.replace(microsecond=0)


def test_event_times_are_strict() -> None:
    with pytest.raises(InvalidTime):
        parse_event_time("2024-05-01T12:00:00Z")  # no microseconds: not what the log writes


def test_http_and_openssl_dates() -> None:
    assert parse_http_date("Sun, 29 Nov 2026 05:20:22 GMT") == datetime(
        2026, 11, 29, 5, 20, 22, tzinfo=UTC
    )
    assert parse_http_date("soon") is None
    assert parse_openssl_time(" Nov 25 01:02:03.123 2026 GMT") == datetime(
        2026, 11, 25, 1, 2, 3, tzinfo=UTC
    )
    assert parse_openssl_time("never") is None

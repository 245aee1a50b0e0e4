"""Property tests for canonical JSON and the chain arithmetic."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osint_kit.integrity.log_check import check_log_lines
from osint_kit.record.chain import (
    GENESIS,
    canonical_json,
    check_event_values,
    event_digest,
    link_hash,
)
from osint_kit.record.findings import VerificationReport

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=25,
)


@given(values)
def test_canonical_json_round_trips(value: Any) -> None:
    assert json.loads(canonical_json(value)) == value


@given(st.dictionaries(text, values, max_size=6), st.randoms())
def test_canonical_json_ignores_member_order(obj: dict[str, Any], rnd: Any) -> None:
    items = list(obj.items())
    rnd.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(obj)


@given(values)
def test_canonical_json_is_compact_utf8(value: Any) -> None:
    out = canonical_json(value)
    # As short as the most compact JSON of the same value: no space between tokens
    # (", " inside a key or string is content, not layout).
    compact = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    assert b"\n" not in out and len(out) == len(compact)


def test_rfc8785_examples() -> None:
    # Appendix/section 3.2.3 ordering and escaping examples of RFC 8785.
    assert canonical_json({"b": 1, "a": [True, None, "\u20ac\n"]}) == (
        '{"a":[true,null,"\u20ac\\n"],"b":1}'.encode()
    )
    assert canonical_json({"\u20ac": 1, "\r": 2, "1": 3, "\U0001f600": 4, "\u00f6": 5}) == (
        '{"\\r":2,"1":3,"\u00f6":5,"\u20ac":1,"\U0001f600":4}'.encode()
    )


@pytest.mark.parametrize("bad", [1.5, {"a": 0.1}, [2**53], {1: "x"}, {"a": object()}])
def test_format_v1_refuses_values_without_a_portable_canonical_form(bad: Any) -> None:
    with pytest.raises(ValueError):
        check_event_values(bad)


def seal(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out, prev = [], GENESIS
    for seq, body in enumerate(bodies, start=1):
        event = {
            "seq": seq,
            "id": f"id-{seq}",
            "time": "2026-11-25T00:00:00.000000Z",
            "case": "P-1",
            "actor": {},
            "action": "note.added",
            "subjects": [],
            "details": body,
            "tool": {},
        }
        event["digest"] = event_digest(event)
        event["prev"] = prev
        event["hash"] = prev = link_hash(prev, event["digest"])
        out.append(event)
    return out


def lines_of(events: list[dict[str, Any]]) -> list[tuple[int, bytes]]:
    return [(n, canonical_json(e) + b"\n") for n, e in enumerate(events, start=1)]


events_strategy = st.lists(st.dictionaries(text, values, max_size=3), min_size=2, max_size=8)


@given(events_strategy)
def test_a_sealed_chain_verifies(bodies: list[dict[str, Any]]) -> None:
    events = seal(bodies)
    report = VerificationReport("prop")
    check_log_lines(lines_of(events), "P-1", report)
    assert report.problems == [] or report.kinds() == {"log-start"}
    assert report.head_hash == events[-1]["hash"]
    prev = GENESIS
    for e in events:  # hash = sha256(prev bytes || digest bytes)
        assert (
            e["hash"]
            == hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(e["digest"])).hexdigest()
        )
        prev = e["hash"]


@given(events_strategy, st.data())
def test_any_change_to_a_sealed_body_is_found(bodies: list[dict[str, Any]], data: Any) -> None:
    events = seal(bodies)
    i = data.draw(st.integers(0, len(events) - 1))
    new_details = data.draw(st.dictionaries(text, values, max_size=3))
    if new_details == events[i]["details"]:
        return
    events[i]["details"] = new_details
    report = VerificationReport("prop")
    check_log_lines(lines_of(events), "P-1", report)
    assert "event-altered" in report.kinds()


@given(events_strategy, st.data())
def test_any_removed_or_swapped_event_is_found(bodies: list[dict[str, Any]], data: Any) -> None:
    events = seal(bodies)
    i = data.draw(st.integers(0, len(events) - 2))
    if data.draw(st.booleans()):
        del events[i]
    else:
        events[i], events[i + 1] = events[i + 1], events[i]
    report = VerificationReport("prop")
    check_log_lines(lines_of(events), "P-1", report)
    assert "chain-broken" in report.kinds()


any_text = st.text(max_size=8).filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t))
jcs_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            any_text | st.sampled_from(["\U0001f600", "\ue000", "\uffff", "a"]), inner, max_size=5
        )
    ),
    max_leaves=20,
)


@given(jcs_values)
def test_canonical_json_matches_the_reference_implementation(value: Any) -> None:
    import rfc8785

    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises((rfc8785.CanonicalizationError, ValueError)):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


@given(jcs_values, st.sampled_from(["json", "rfc8785", "escaped"]))
def test_the_fast_line_digest_is_the_reference_digest(value: Any, writer: str) -> None:
    """However a line was written (our canonical form, the reference's, or plain json with
    every non-ASCII character escaped), the fast digest of what it parses to is JCS's."""
    import rfc8785

    from osint_kit.record.chain import line_digest, read_event_line

    event = {"details": value, "seq": 1, "digest": "0" * 64, "signature": {"x": 1}}
    try:
        raw = (
            json.dumps(event, ensure_ascii=True).encode()
            if writer == "escaped"
            else rfc8785.dumps(event)
            if writer == "rfc8785"
            else canonical_json(event)
        )
    except ValueError:  # no canonical form (an integer beyond 2**53)
        return
    parsed = read_event_line(raw)
    try:  # the digest of what the line says (9007199254740992.0 reads back as an integer)
        body = {k: v for k, v in parsed.items() if k in ("details", "seq")}
        expected = hashlib.sha256(rfc8785.dumps(body)).hexdigest()
    except (rfc8785.CanonicalizationError, rfc8785.IntegerDomainError):
        return
    assert line_digest(parsed) == expected

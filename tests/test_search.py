"""Full-text search: real SQLite FTS5 in derived/index.sqlite over posts collected from the
sandbox platforms, a page captured in real Chromium, an imported file and notes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.analysis import SEARCH_SCHEMA
from osint_kit.analysis.fulltext import MAX_TEXT_CHARS
from osint_kit.analysis.index import INDEX_VERSION, index_path
from osint_kit.analysis.patterns import PATTERNS, find, matches
from osint_kit.errors import InvalidOption
from osint_kit_sandbox.platforms import FakePlatforms
from osint_kit_sandbox.site import serve
from social_helpers import BIN, settings_for

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

TEXTS = [
    "Dog found near the harbour bridge, call +31 6 1234 5678 if yours",
    "The bridge near the harbour is closed tonight",
    "Grey van AB-123-C seen by the pier, mail tips@example.org",
    "Last seen at 52.3731, 4.8922 wearing a red coat; map https://maps.example.com/x?q=1.",
    "Nothing to see here, 2026-11-01 08:00 was quiet",
]


@pytest.fixture
def collected(fake: FakePlatforms, case: Case) -> Case:
    ch = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    for i, text in enumerate(TEXTS):
        ch.add_post(date=START + timedelta(hours=i), text=text)
    case.collect(
        "telegram:harbour_watch", settings=settings_for(fake), examiner=EXAMINER, progress=False
    )
    return case


def test_an_empty_case_gives_an_empty_table_of_the_schema(case: Case) -> None:
    hits = case.analysis.search("anything")
    assert len(hits) == 0
    assert hits.to_arrow().schema.equals(SEARCH_SCHEMA)
    frame = hits.to_frame()
    assert list(frame.columns) == SEARCH_SCHEMA.names
    assert all(isinstance(t, pd.ArrowDtype) for t in frame.dtypes)
    assert len(case.analysis.search(pattern="phone")) == 0


def test_words_and_phrases_in_collected_posts(collected: Case) -> None:
    words = collected.analysis.search("harbour bridge")
    assert len(words) == 2
    phrase = collected.analysis.search('"harbour bridge"')
    assert len(phrase) == 1
    hit = phrase[0]
    assert hit["kind"] == "post" and hit["platform"] == "telegram"
    assert hit["exhibit"] in {p["exhibit"] for p in collected.analysis.posts()}
    assert hit["account"] == "telegram:@harbour_watch"
    assert hit["time"] == START
    assert "«harbour» «bridge»" in hit["snippet"]
    assert hit["source"] and "harbour_watch" in hit["source"]
    assert len(collected.analysis.search("harbour NOT closed")) == 1
    assert len(collected.analysis.search("harb*")) == 2
    assert len(collected.analysis.search("harbour", kinds=["note"])) == 0
    assert len(collected.analysis.search("harbour", limit=1)) == 1
    table = collected.analysis.search("harbour").to_arrow()
    assert table.schema.equals(SEARCH_SCHEMA) and table.num_rows == 2


def test_only_the_latest_version_of_an_edited_post_is_found(
    fake: FakePlatforms, collected: Case
) -> None:
    channel = fake.telegram.channel("harbour_watch")
    first = channel.posts[0].id
    channel.edit(first, text="Dog returned to its owner, thanks all")
    collected.collect(
        "telegram:harbour_watch", settings=settings_for(fake), examiner=EXAMINER, progress=False
    )
    assert len(collected.analysis.search("returned")) == 1
    assert len(collected.analysis.search('"harbour bridge"')) == 0
    assert len(collected.analysis.search("harbour")) == 1


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("phone", "+31 6 1234 5678"),
        ("email", "tips@example.org"),
        ("url", "https://maps.example.com/x?q=1"),
        ("plate", "AB-123-C"),
        ("coordinates", "52.3731, 4.8922"),
    ],
)
def test_each_pattern_finds_its_kind(collected: Case, pattern: str, expected: str) -> None:
    hits = collected.analysis.search(pattern=pattern)
    assert [h["match"] for h in hits] == [expected]
    assert f"«{expected}»" in hits[0]["snippet"]
    assert hits[0]["exhibit"] and hits[0]["kind"] == "post"


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("phone", "ring 020 555 0123 now", ["020 555 0123"]),
        ("phone", "on 2026-11-01 08 and order 1234", []),
        ("email", "a.b+c@mail.example.co.uk.", ["a.b+c@mail.example.co.uk"]),
        ("url", "see www.example.com/a), then", ["www.example.com/a"]),
        ("plate", "KA 12 345 and AB12 CDE and AB12CDE; not COVID or 2026", None),
        ("coordinates", "-33.86,151.21 but not 1.2, 3.4 or 95.00, 10.00", ["-33.86,151.21"]),
    ],
)
def test_patterns_on_their_own(pattern: str, text: str, found: list[str] | None) -> None:
    compiled, check, about = PATTERNS[pattern]
    got = [m.group(0) for m in find(compiled, check, text)]
    assert about and got == matches(pattern, text)
    if found is None:
        assert got == ["KA 12 345", "AB12 CDE", "AB12CDE"]
    else:
        assert got == found


#: Phone numbers as people write them: each is found whole, in any sentence.
PHONES = [
    "(555) 123-4567",
    "(555)123-4567",
    "555.123.4567",
    "555-123-4567",
    "555 123 4567",
    "1-555-123-4567",
    "+1 (555) 123-4567",
    "+44 20 7946 0958",
    "+44 (0)20 7946 0958",
    "+447700900123",
    "0044 20 7946 0958",
    "+31 6 1234 5678",
    "+33 1 23 45 67 89",
    "+49 (0)30 1234 5678",
    "020 555 0123",
    "07700 900123",
    "06-12345678",
    "0612345678",
    "030/1234567",
    "(030) 1234567",
    "(02) 9876 5432",
    "01 23 45 67 89",
    "01.23.45.67.89",
    "03-1234-5678",
]
#: What is not a phone number, though made of digits and separators.
NOT_PHONES = [
    "2026-11-01",
    "2026-11-01 08:00",
    "01/11/2026",
    "11.01.2026",
    "01.11.2026 08:30",
    "21:32",
    "08:00:00",
    "E0001",
    "C0012",
    "version 1.2.3.4",
    "22.04.1",
    "Ubuntu 22.04 LTS",
    "192.168.100.200",
    "10.0.0.1",
    "52.3731, 4.8922",
    "1,234,567.00",
    "1.234.567",
    "12.345.678 views",
    "ISBN 978-3-16-148410-0",
    "ISBN 0-306-40615-2",
    "order 12345678",
    "order #0012345678",
    "id=0612345678",
    "1700000000",
    "4111 1111 1111 1111",
    "pages 123-456",
    "from 1990-2000",
    "3.14159265",
    "NB-20261120-123456",
    "build 20261120.1234",
    "0.9.12 2",
]


@pytest.mark.parametrize("number", PHONES)
def test_phone_numbers_as_people_write_them_are_found(number: str) -> None:
    for sentence in ("call {} now", "tel:{}.", "({})", "ring {}, thanks", "{}"):
        assert matches("phone", sentence.format(number)) == [number], sentence


@pytest.mark.parametrize("text", NOT_PHONES)
def test_dates_times_versions_and_ids_are_not_phone_numbers(text: str) -> None:
    assert matches("phone", f"seen {text} here") == []


def test_phone_numbers_in_a_realistic_paragraph() -> None:
    text = (
        "Seen 01.11.2026 at 21:40 near the station (Ubuntu 22.04 LTS laptop, 16GB, "
        "v2.3.1). Call her mum on 07700 900123 or +44 (0)20 7946 0958; the US cousin is "
        "on (555) 123-4567, and 555.123.4567 works too. Order #12345678 shipped "
        "2026-11-03, 08.30 020 555 0123 is the shop, IP 192.168.1.10, 4111 1111 1111 1111."
    )
    assert matches("phone", text) == [
        "07700 900123",
        "+44 (0)20 7946 0958",
        "(555) 123-4567",
        "555.123.4567",
        "020 555 0123",
    ]


#: Plates as countries lay them out.
PLATES = [
    "AB-123-C",
    "12-ABC-3",
    "AB 123 CD",
    "AB-123-CD",
    "B MW 1234",
    "M-AB 123",
    "KA 12 345",
    "KA 01 AB 1234",
    "AB12 CDE",
    "AB12CDE",
    "7ABC123",
    "ABC 1234",
    "ABC-1234",
    "1234 BCD",
    "WA 12345",
    "191-D-12345",
]
#: Capitals and digits that are not plates: quantities, versions, labels, words, refs.
NOT_PLATES = [
    "4GB",
    "16GB RAM",
    "16 GB",
    "16MP",
    "1080P",
    "4K60FPS",
    "04 LTS",
    "Ubuntu 22.04 LTS",
    "E0001",
    "E0001 E0002",
    "C0001",
    "H001",
    "B-1234",
    "APP-2026-0117",
    "OC-2026-014",
    "NB-WEB-20261207-231946",
    "PROS-2026-0042",
    "COVID19",
    "COVID-19",
    "SHA256",
    "RTX 3080",
    "MP3",
    "10 PM",
    "21 UTC",
    "MAY 2026",
    "UK 2026",
    "TOP 10",
    "USD 100",
    "100 EUR",
    "24 HRS",
    "2026",
    "ABCDEF",
    "ID 12345",
]


@pytest.mark.parametrize("plate", PLATES)
def test_plates_in_the_layouts_countries_use_are_found(plate: str) -> None:
    for sentence in ("a van {} by the pier", "plate: {}.", "({})", "{}"):
        assert matches("plate", sentence.format(plate)) == [plate], sentence


@pytest.mark.parametrize("text", NOT_PLATES)
def test_quantities_versions_labels_and_words_are_not_plates(text: str) -> None:
    assert matches("plate", f"saw {text} there") == []


def test_plates_in_a_realistic_paragraph() -> None:
    text = (
        "UPDATE 21 UTC: GREY VAN AB 123 CD SEEN AGAIN (see E0004, C0002). Laptop: 16GB, "
        "Ubuntu 22.04 LTS, 1080P webcam. Second car KA 01 AB 1234, maybe 7ABC123. "
        "Ref APP-2026-0117, examiner B-1234, COVID-19 rules, MAY 2026."
    )
    assert matches("plate", text) == ["AB 123 CD", "KA 01 AB 1234", "7ABC123"]


def test_a_regex_of_ones_own_and_its_guards(collected: Case) -> None:
    hits = collected.analysis.search(regex=r"red \w+")
    assert [h["match"] for h in hits] == ["red coat"]
    both = collected.analysis.search("harbour", pattern="phone")
    assert [h["match"] for h in both] == ["+31 6 1234 5678"]
    for bad in (r"(a+)+$", r"(a|aa)*b", r"(x", "a" * 400):
        with pytest.raises(InvalidOption):
            collected.analysis.search(regex=bad)
    with pytest.raises(InvalidOption):
        collected.analysis.search(pattern="shoe size")


@pytest.mark.parametrize("query", ['"unterminated', "AND", "harbour OR", "nosuchcol:x", "e-mail"])
def test_bad_fts_syntax_is_an_invalid_option(collected: Case, query: str) -> None:
    with pytest.raises(InvalidOption, match="FTS5 syntax"):
        collected.analysis.search(query)


def test_bad_arguments(case: Case) -> None:
    for kwargs in ({}, {"query": " "}, {"query": "x", "limit": 0}, {"query": "x", "kinds": ["x"]}):
        with pytest.raises(InvalidOption):
            case.analysis.search(**kwargs)  # type: ignore[arg-type]


def test_notes_and_imported_files_and_bad_bytes(case: Case, tmp_path: Path) -> None:
    tip = tmp_path / "tip.txt"
    tip.write_bytes(b"Seen near the \xff\xfe station at 21:40 with a blue bicycle.\n")
    other = tmp_path / "photo.jpg"
    other.write_bytes(b"bicycle " * 10)
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (MAX_TEXT_CHARS // 5) + b" needleafterthecap")
    for path in (tip, other, big):
        case.import_file(path, handed_over_by="a witness", examiner=EXAMINER, progress=False)
    note = case.add_note("Witness mentions a blue bicycle", examiner=EXAMINER)

    hits = case.analysis.search('"blue bicycle"')
    assert sorted(h["kind"] for h in hits) == ["file", "note"]
    file_hit = next(h for h in hits if h["kind"] == "file")
    assert file_hit["source"] == "tip.txt" and file_hit["exhibit"] == "E0001"
    note_hit = next(h for h in hits if h["kind"] == "note")
    assert note_hit["seq"] == note.seq and note_hit["exhibit"] is None
    assert len(case.analysis.search("station")) == 1  # the undecodable bytes did not lose the text
    assert case.analysis.search("bicycle", kinds=["file"])[0]["exhibit"] == "E0001"  # no jpg
    assert len(case.analysis.search("needleafterthecap")) == 0
    big_hit = case.analysis.search("word", kinds="file")
    assert [h["truncated"] for h in big_hit] == [True]


def test_the_index_follows_the_log_and_rebuilds_from_an_old_version(case: Case) -> None:
    case.add_note("first note about a kayak", examiner=EXAMINER)
    assert len(case.analysis.search("kayak")) == 1
    case.add_note("second note about a kayak", examiner=EXAMINER)
    assert len(case.analysis.search("kayak")) == 2
    db = sqlite3.connect(index_path(case.writer.views))
    db.execute("DROP TABLE texts_fts")
    db.execute("UPDATE meta SET value='1' WHERE key='index_version'")
    db.commit()
    db.close()
    assert INDEX_VERSION >= 2
    assert len(case.analysis.search("kayak")) == 2  # an index of version 1 is rebuilt


def test_the_command_line(collected: Case, examiner_env: object) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(BIN / "osint-kit"),
                "search",
                collected.id,
                *args,
                "--root",
                str(collected.path.parent),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    out = run('"harbour bridge"')
    assert out.returncode == 0, out.stderr
    assert "«harbour» «bridge»" in out.stdout and "1 hit(s)" in out.stdout
    lines = run("--pattern", "email", "--json").stdout.splitlines()
    assert json.loads(lines[0])["match"] == "tips@example.org"
    bad = run('"unterminated')
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "FTS5" in bad.stderr


@pytest.mark.slow
def test_a_hit_in_a_captured_pages_text(case: Case) -> None:
    with serve() as site:
        cap = case.capture_url(site.url("/"), examiner=EXAMINER, progress=False)
    hits = case.analysis.search('"last seen near the station"')
    assert len(hits) == 1
    hit = hits[0]
    assert hit["kind"] == "page" and hit["capture"] == cap.id
    assert case.exhibit(hit["exhibit"]).role == "text"
    assert hit["source"] and hit["source"].startswith(site.url("/")[:10])
    assert "«station»" in hit["snippet"]

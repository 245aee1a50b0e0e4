"""derived/tables/: Parquet kept beside the log, rebuilt only when the log moves on, read
by other tools without osint-kit; the media table ties media exhibits to their posts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.analysis.tables import MEDIA_FACTS_SCHEMA, MEDIA_SCHEMA, SCHEMAS
from osint_kit_sandbox.demo import make_png
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import settings_for

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def collected(fake: FakePlatforms, case: Case, tmp_path: Path) -> Case:
    ch = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    for i in range(4):
        ch.add_post(
            date=START + timedelta(hours=i),
            text=f"Post {i} @dog_rescue",
            photos=[f"pier-{i}.jpg"] if i % 2 == 0 else [],
        )
    case.collect(
        "telegram:harbour_watch", settings=settings_for(fake), examiner=EXAMINER, progress=False
    )
    photo = tmp_path / "IMG_1.png"
    make_png(photo, 40, 30)
    case.import_files([photo], handed_over_by="Witness", examiner=EXAMINER, progress=False)
    return case


def test_tables_are_kept_as_parquet_and_reused_until_the_log_moves(collected: Case) -> None:
    folder = collected.path / "derived" / "tables"
    assert collected.analysis.posts().to_arrow().num_rows == 4
    files = {name: folder / f"{name}.parquet" for name in SCHEMAS}
    assert all(f.is_file() for f in files.values())
    manifest = json.loads((folder / "manifest.json").read_text())
    seq, head = collected.log.head()
    assert manifest["head"] == {"seq": seq, "hash": head}
    stamps = {name: f.stat().st_mtime_ns for name, f in files.items()}

    collected.analysis.accounts(), collected.analysis.interactions(), collected.analysis.media()
    assert {name: f.stat().st_mtime_ns for name, f in files.items()} == stamps  # read, not made

    collected.add_note("Checked the pier.", examiner=EXAMINER)
    collected.analysis.media()
    assert files["posts"].stat().st_mtime_ns != stamps["posts"]  # the log moved: made again
    assert json.loads((folder / "manifest.json").read_text())["head"]["seq"] == seq + 1


def test_a_damaged_table_file_is_made_again(collected: Case) -> None:
    collected.analysis.posts()
    posts = collected.path / "derived" / "tables" / "posts.parquet"
    posts.write_bytes(b"not parquet")
    assert collected.analysis.posts().to_arrow().num_rows == 4
    (collected.path / "derived" / "tables" / "manifest.json").unlink()
    assert len(collected.analysis.posts()) == 4


def test_other_tools_read_the_tables_without_osint_kit(collected: Case) -> None:
    collected.analysis.posts()
    folder = collected.path / "derived" / "tables"
    script = (
        "import sys, pandas as pd, pyarrow.parquet as pq\n"
        "assert 'osint_kit' not in sys.modules\n"
        f"posts = pd.read_parquet({str(folder / 'posts.parquet')!r})\n"
        f"media = pq.read_table({str(folder / 'media.parquet')!r})\n"
        "print(len(posts), media.num_rows, sorted(set(posts['author_key'])))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.split()[:2] == ["4", "3"]


def test_the_media_table_ties_exhibits_to_posts(collected: Case) -> None:
    assert collected.analysis.media(facts=False).to_arrow().schema.equals(MEDIA_SCHEMA)
    media = collected.analysis.media()
    assert media.to_arrow().schema.equals(MEDIA_FACTS_SCHEMA)
    rows = {r["exhibit"]: r for r in media}
    posted = [r for r in rows.values() if r["posts"]]
    imported = [r for r in rows.values() if r["method"] == "file.import"]
    assert len(posted) == 2 and len(imported) == 1
    for row in posted:
        assert row["platforms"] == ["telegram"] and row["first_posted"] is not None
        assert row["accounts"] == sorted(
            {p["author_key"] for p in collected.analysis.posts() if p["id"] in row["posts"]}
        )
    assert imported[0]["posts"] == [] and imported[0]["media_type"] == "image/png"


def test_an_empty_case_has_empty_tables_of_the_same_schema(case: Case) -> None:
    for name, schema in SCHEMAS.items():
        table = getattr(case.analysis, name)().to_arrow()
        want = MEDIA_FACTS_SCHEMA if name == "media" else schema  # case.analysis.media() adds facts
        assert table.num_rows == 0 and table.schema.equals(want)
    assert case.analysis.posts() == [] and not case.analysis.media()


def test_two_channels_with_the_same_post_numbers_are_two_sets_of_posts(
    fake: FakePlatforms, case: Case, examiner_env: object
) -> None:
    for name in ("harbour_watch", "station_watch"):
        ch = fake.telegram.add_channel(name, title=name)
        for i in range(3):
            ch.add_post(date=START + timedelta(hours=i), text=f"{name} {i}")
        case.collect(f"telegram:{name}", settings=settings_for(fake), progress=False)
    posts = case.analysis.posts()
    assert len(posts) == 6
    assert {(p["author_key"], p["id"]) for p in posts} == {
        (f"telegram:@{name}", str(i))
        for name in ("harbour_watch", "station_watch")
        for i in (1, 2, 3)
    }
    fake.telegram.get("station_watch").delete(2)
    case.collect("telegram:station_watch", settings=settings_for(fake), progress=False)
    gone = {(p["author_key"], p["id"]) for p in case.analysis.posts() if p["deleted"]}
    assert gone == {("telegram:@station_watch", "2")}  # not harbour_watch's post 2


@pytest.mark.parametrize(
    "record",
    [
        b"\xff\xfe not json at all",
        b'["a", "list"]',
        b'{"format": "osint-kit.post/99", "platform": "telegram", "id": "1"}',
        b'{"format": "osint-kit.post/2", "platform": "telegram"}',
        (
            b'{"format": "osint-kit.post/2", "platform": "telegram", "id": "7", "author": null,'
            b' "created_at": "yesterday", "text": 5, "mentions": "x", "media": [1, {"url": 2}],'
            b' "counts": [1], "url": "https://t.me/x/7"}'
        ),
    ],
)
def test_a_broken_post_record_is_skipped_or_read_never_a_crash(case: Case, record: bytes) -> None:
    from osint_kit.folder.acquisition import Artifact, record_acquisition

    staged = case.store.stage_bytes(record)
    capture = {"method": "social.telegram", "target": "telegram:x", "platform": "telegram"}
    record_acquisition(
        case.writer, [Artifact(staged, "post", "application/json")], capture, EXAMINER.actor()
    )
    posts = case.analysis.posts()
    table = posts.to_arrow()
    assert table.schema.equals(SCHEMAS["posts"])
    if table.num_rows == 0:
        direct = case.analysis.posts("telegram:x")
        assert len(direct) == 0 and direct.skipped and direct.skipped[0][0] == "E0001"
    else:  # read as far as it makes sense: odd fields become null or empty
        row = next(iter(posts))
        assert row["created_at"] is None and row["author_key"] is None and row["text"] is None
    assert case.analysis.accounts().to_arrow().num_rows >= 0
    assert case.analysis.network().number_of_nodes() >= 0
    assert case.analysis.timeline().to_arrow().num_rows >= 1

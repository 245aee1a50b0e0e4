"""The posts and accounts tables keep one schema whatever the data; missing media is
tried again; the words for what happened are the right ones."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta

import pandas as pd
import pyarrow as pa

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.analysis import ACCOUNTS_SCHEMA, POSTS_SCHEMA
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import BIN, exhibits_of, settings_for

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _channel(fake: FakePlatforms, n: int, photo_every: int = 0):  # type: ignore[no-untyped-def]
    ch = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    for i in range(n):
        ch.add_post(
            date=START + timedelta(hours=i),
            text=f"Post {i} #harbour @dog_rescue",
            photos=[f"pier-{i}.jpg"] if photo_every and i % photo_every == 0 else [],
        )
    return ch


def _collect(case: Case, fake: FakePlatforms, **kwargs):  # type: ignore[no-untyped-def]
    return case.collect(
        "telegram:harbour_watch",
        settings=settings_for(fake),
        examiner=EXAMINER,
        progress=False,
        **kwargs,
    )


def test_an_empty_case_has_the_same_columns_and_types(case: Case) -> None:
    table = case.analysis.posts().to_arrow()
    assert table.schema.equals(POSTS_SCHEMA) and table.num_rows == 0
    assert case.analysis.accounts().to_arrow().schema.equals(ACCOUNTS_SCHEMA)
    frame = case.analysis.posts().to_frame()
    assert list(frame.columns) == POSTS_SCHEMA.names
    assert all(isinstance(t, pd.ArrowDtype) for t in frame.dtypes)


def test_missing_is_null_never_nan(fake: FakePlatforms, case: Case) -> None:
    _channel(fake, 6)
    _collect(case, fake)
    table = case.analysis.posts().to_arrow()
    assert table.schema.equals(POSTS_SCHEMA) and table.num_rows == 6
    frame = case.analysis.posts().to_frame()
    assert frame["reply_to"].isna().all() and str(frame["reply_to"].dtype) == "string[pyarrow]"
    # no float NaN anywhere: a missing reply_to is <NA>, which no `if` takes for true
    assert not any(isinstance(v, float) for v in frame["reply_to"].tolist())
    assert str(frame["created_at"].dtype) == "timestamp[us, tz=UTC][pyarrow]"
    assert frame["created_at"].is_monotonic_decreasing
    assert set(frame["author_key"]) == {"telegram:@harbour_watch"}
    accounts = case.analysis.accounts().to_frame().set_index("key")
    assert accounts.loc["telegram:@harbour_watch", "posts"] == 6
    assert accounts.loc["telegram:@harbour_watch", "first_post"] == pd.Timestamp(START)


def test_tables_are_readable_without_osint_kit(
    fake: FakePlatforms, case: Case, tmp_path: object
) -> None:
    import pyarrow.parquet as pq

    _channel(fake, 3)
    _collect(case, fake)
    path = f"{tmp_path}/posts.parquet"
    pq.write_table(case.analysis.posts().to_arrow(), path, compression="zstd")
    back = pq.read_table(path)
    assert back.schema.metadata[b"osint-kit.table"] == b"posts"
    posts = case.analysis.posts().to_arrow()
    assert back.column("id").to_pylist() == posts.column("id").to_pylist()
    assert pa.types.is_list(back.schema.field("mentions").type)


def test_media_an_earlier_run_missed_are_fetched_again(fake: FakePlatforms, case: Case) -> None:
    _channel(fake, 3, photo_every=1)
    fake.fail(r"pier-1\.jpg", status=500, times=None)
    first = _collect(case, fake)
    assert first.status == "partial" and "could not be downloaded" in (first.reason or "")

    still = _collect(case, fake)  # the image still fails: still partial, and said
    assert still.status == "partial"
    assert still.record["changes"]["media_retried"] == ["2"]  # the post that carries it

    fake.clear_faults()
    healed = _collect(case, fake)
    assert healed.status == "complete", healed.reason
    changes = healed.record["changes"]
    assert (changes["new"], changes["changed"], changes["media_retried"]) == (0, 0, ["2"])
    media = exhibits_of(case, healed, "media")
    assert len(media) == 1 and media[0].source and media[0].source.endswith("pier-1.jpg")
    row = case.analysis.posts().to_frame().set_index("id").loc[changes["media_retried"][0]]
    assert len(row["media"]) == 1 and len(row["media"][0]) == 64  # a hash now, not a URL

    again = _collect(case, fake)
    assert again.status == "complete" and again.record["changes"]["media_retried"] == []


def test_deleted_only_on_the_platforms_word_else_no_longer_listed(
    fake: FakePlatforms, case: Case, examiner_env: object
) -> None:
    ch = _channel(fake, 5)
    _collect(case, fake)
    ch.delete(3)
    second = _collect(case, fake)
    changes = second.record["changes"]
    assert [g["id"] for g in changes["deleted"]] == ["3"] and changes["no_longer_listed"] == []
    assert "Post not found" in second.record["deletion_evidence"]["3"]
    posts = case.analysis.posts().to_frame().set_index("id")
    assert posts.loc["3", "deleted"] and not posts.loc["3", "listed"]

    # The platform says nothing (its lookup fails): only "no longer listed".
    ch.delete(4)
    fake.fail(r"embed=1", status=502, times=None)
    third = _collect(case, fake)
    changes = third.record["changes"]
    assert changes["deleted"] == [] and [g["id"] for g in changes["no_longer_listed"]] == ["4"]
    posts = case.analysis.posts().to_frame().set_index("id")
    assert not posts.loc["4", "deleted"] and not posts.loc["4", "listed"]

    env = {**os.environ, "OSINT_KIT_CASES": str(case.path.parent)}
    log = subprocess.run(
        [str(BIN / "osint-kit"), "log", case.id], capture_output=True, text=True, env=env
    ).stdout
    assert "1 deleted" in log and "1 no longer listed" in log


def test_posts_in_a_notebook_read_whole_with_edits_and_deletions_marked(
    fake: FakePlatforms, case: Case
) -> None:
    ch = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    long = "Seen at the pier " + " ".join(f"word{n}" for n in range(60)) + " <b>bold</b>"
    ch.add_post(text=long, date=start)
    ch.add_post(text="second sighting", date=start + timedelta(hours=1))
    ch.add_post(text="third sighting", date=start + timedelta(hours=2))
    collect = {"settings": settings_for(fake), "examiner": EXAMINER, "progress": False}
    case.collect("telegram:harbour_watch", **collect)
    ch.edit(2, text="second sighting, corrected")
    ch.delete(3)
    case.collect("telegram:harbour_watch", **collect)
    page = case.analysis.posts()._repr_html_()
    assert "word59 &lt;b&gt;bold&lt;/b&gt;" in page  # whole, escaped: not cut at 120
    assert "second sighting, corrected" in page and "2 versions" in page
    assert "DELETED upstream" in page
    # The fake Telegram does not say when a post was edited; a row that does is badged.
    row = dict(next(r for r in case.analysis.posts() if r["id"] == "1"))
    row.update(edited_at="2026-11-21T10:00:00Z", listed=False)
    shown = type(case.analysis.posts())([row])._repr_html_()
    assert "EDITED 2026-11-21T10:00:00Z" in shown and "no longer listed" in shown

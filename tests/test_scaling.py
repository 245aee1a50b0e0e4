"""docs/scaling.md, tested: DuckDB queries every case's Parquet tables together, as the
document says, without osint-kit in the query."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import AUTHORITY, EXAMINER
from osint_kit import Case
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import settings_for

DOC = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def cases(fake: FakePlatforms, root: Path) -> Path:
    """Two cases that collected the same channel, one of them also another channel."""
    for name, n in (("harbour_watch", 4), ("station_watch", 2)):
        ch = fake.telegram.add_channel(name, title=name)
        for i in range(n):
            ch.add_post(date=START + timedelta(hours=i), text=f"{name} {i} @dog_rescue")
    for case_id, targets in (
        ("OC-1", ["harbour_watch"]),
        ("OC-2", ["harbour_watch", "station_watch"]),
    ):
        case = Case.create(
            case_id,
            title=case_id,
            category="online-crime",
            authority=AUTHORITY,
            root=root,
            examiner=EXAMINER,
        )
        for target in targets:
            case.collect(
                f"telegram:{target}", settings=settings_for(fake), examiner=EXAMINER, progress=False
            )
        case.analysis.posts()  # the tables are kept from the first read on
    return root


def sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_documented_queries_run_over_every_case(cases: Path) -> None:
    blocks = sql_blocks()
    assert len(blocks) >= 2, "docs/scaling.md lost its DuckDB examples"
    con = duckdb.connect()
    results = []
    for block in blocks:
        query = block.replace("cases/", f"{cases}/")
        results.append(con.execute(query).fetchall())
    per_case = dict(results[0])
    assert per_case == {"OC-1": 4, "OC-2": 6}
    shared = {row[0]: row[1] for row in results[1]}
    assert shared["telegram:@harbour_watch"] == 2  # the account appears in both cases
    assert "telegram:@station_watch" not in shared

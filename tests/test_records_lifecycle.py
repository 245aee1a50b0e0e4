"""The whole records lifecycle on a case built from the sandbox: posts and pictures
collected from the fake platforms, an analysis derived, a bundle exported; the case
closed with its retention date, held, disposal refused, the hold lifted, everything
disposed of under authority; the log stays, verify passes, the certificate says
where copies went."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case, cases_due
from osint_kit.errors import UnderLegalHold
from osint_kit_sandbox.platforms import FakePlatforms, synthetic_telegram_channel
from social_helpers import settings_for


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms() as f:
        yield f


def test_collect_close_hold_dispose_verify(case: Case, fake: FakePlatforms, root: Path) -> None:
    synthetic_telegram_channel(fake, "harbour_watch", 12, seed=4, media_every=3)
    cap = case.collect("telegram:harbour_watch", settings=settings_for(fake), examiner=EXAMINER)
    assert cap.status == "complete"
    activity = case.analysis.export_activity("h", examiner=EXAMINER)  # derived from the posts
    bundle = case.disclosure.export(
        case.path / "exports" / "to-da.zip",
        authorization="DA-9",
        recipient="District Attorney",
        exhibits=[cap.exhibits[0]],
        examiner=EXAMINER,
        progress=False,
    )
    schedule = root.parent / "schedule.toml"
    schedule.write_text(
        '[schedule]\nname = "Test PD schedule"\n'
        + "".join(
            f'[categories.{c}]\nperiod = "P1Y"\naction = "dispose"\n'
            for c in ("missing-person", "wanted-person", "online-crime", "crime-footage", "other")
        )
    )
    case.records.close(
        reason="no offence found", approved_by="Lt. Ray", schedule=schedule, examiner=EXAMINER
    )
    due_on = date.fromisoformat(case.records.state().retention["due_on"])  # type: ignore[index]
    hold = case.records.place_hold(authority="COURT-12", reason="civil claim", examiner=EXAMINER)
    (listed,) = cases_due(root, today=due_on)
    assert listed.case_id == case.id and listed.state == "held"
    events = len(case.events())
    with pytest.raises(UnderLegalHold):
        case.records.dispose(
            authorization="RM-1",
            approved_by="Records Officer",
            reason="retention",
            examiner=EXAMINER,
        )
    assert len(case.events()) == events and all(e.path.exists() for e in case.exhibits())
    case.records.lift_hold(
        hold.details["hold"], authority="COURT-12", reason="claim settled", examiner=EXAMINER
    )
    (listed,) = cases_due(root, today=due_on)
    assert listed.state == "due"
    # the date has not come yet (the clock is today's): disposing now is early, on authority
    report = case.records.dispose(
        authorization="RM-1",
        approved_by="Records Officer",
        reason="retention",
        early_authority="COURT-12/3",
        early_reason="the court ordered destruction",
        examiner=EXAMINER,
    )
    assert report.disposal.early["before"] == due_on.isoformat()
    disposed = {d.label for d in report.disposed}
    assert activity.label in disposed and set(cap.exhibits) <= disposed
    assert not any(e.path.exists() for e in case.exhibits())
    assert not (case.path / "derived" / "tables").exists()
    checked = case.verify()
    assert checked.ok, checked.text()
    assert any("disposed" in n for n in checked.notes)
    certificate = report.certificate_html()
    assert "District Attorney" in certificate and bundle.sha256 in certificate
    assert cap.exhibits[0] in certificate and "EARLY DISPOSAL" in certificate
    assert cases_due(root, today=due_on) == []  # wholly disposed of: nothing left to list
    assert "disposition.completed" in [e.action for e in case.events()]

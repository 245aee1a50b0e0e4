"""Issue 31, records: a dry run says what a real run would do; a disposal before the
case's date is refused, or made early on its own authority and recorded as such; a case
wholly disposed of is no longer due; a review decision (keep, extend) is recorded on
its own and moves the date that ``cases due``, ``dispose`` and the state read."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case, cases_due
from osint_kit.errors import InvalidOption, RecordsRefused, UnderLegalHold
from osint_kit.lifecycle.closing import place_hold, reopen_case
from osint_kit.lifecycle.retention import Period, example_schedule
from osint_kit.record.builtin_actions import DISPOSAL_STARTED, REVIEWED
from osint_kit.record.events import EventDraft
from retention_helpers import close_long_ago

AUTH = {"authorization": "RM-31", "approved_by": "R. Okafor", "reason": "retention over"}
EARLY = {"early_authority": "ORD-2026-9", "early_reason": "court ordered destruction"}
LONG_AGO = date(2001, 2, 3)


def today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture
def stocked(case: Case, files: dict[str, Path]) -> Case:
    case.import_files(list(files.values()), handed_over_by="Witness A", examiner=EXAMINER,
                      progress=False)  # fmt: skip
    return case


def _snapshot(case: Case) -> tuple[bytes, list[str]]:
    blobs = sorted(str(p) for p in (case.path / "blobs").rglob("*") if p.is_file())
    return case.log.path.read_bytes(), blobs


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OSINT_KIT_CASES": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "osint_kit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _close_today(case: Case) -> None:
    case.records.close(
        reason="found safe", approved_by="Sgt. Lee", schedule=example_schedule(), examiner=EXAMINER
    )


# -- the dry run -------------------------------------------------------------------------


@pytest.mark.parametrize("setup", ["open", "held", "held-open", "not-due"])
def test_a_dry_run_says_a_real_run_would_be_refused_and_lists_nothing_as_deleted(
    stocked: Case, root: Path, examiner_env: object, setup: str
) -> None:
    if setup.startswith("held"):
        place_hold(stocked.writer, authority="ORD-77", reason="civil claim", examiner=EXAMINER)
    if setup in ("held", "not-due"):
        (close_long_ago if setup == "held" else _close_today)(stocked)
    error = UnderLegalHold if setup.startswith("held") else RecordsRefused
    before = _snapshot(stocked)
    with pytest.raises(error) as real:  # the real run refuses, and changes nothing
        stocked.records.dispose(examiner=EXAMINER, **AUTH)
    assert _snapshot(stocked) == before

    plan = stocked.records.disposal_plan(**AUTH)
    assert plan.refused == real.value.reason and plan.exhibits == () and plan.blobs == ()
    assert "would be refused" in plan.text() and "deleted" not in plan.text().replace(
        "nothing would be deleted", ""
    )
    given = ["--authorization", "RM-31", "--approved-by", "R. Okafor", "--reason", "over"]
    r = _cli(root, "dispose", stocked.id, "--dry-run", *given)
    assert r.returncode == 2, (r.stdout, r.stderr)  # the status the real run ends with
    assert f"would be refused: {real.value.reason}" in r.stdout
    assert "E0001" not in r.stdout and "blob deleted" not in r.stdout
    assert "would be refused" in r.stderr
    assert _snapshot(stocked) == before


def test_a_dry_run_that_would_go_ahead_says_would_delete_not_deleted(
    stocked: Case, root: Path, examiner_env: object
) -> None:
    close_long_ago(stocked)
    before = _snapshot(stocked)
    given = ["--authorization", "RM-31", "--approved-by", "R. Okafor", "--reason", "over"]
    r = _cli(root, "dispose", stocked.id, "--exhibit", "E0001", "--dry-run", *given)
    assert r.returncode == 0, r.stderr
    assert "would delete 1 blob(s)" in r.stdout and "E0001" in r.stdout
    assert "blob would be deleted" in r.stdout and "blob deleted" not in r.stdout
    assert _snapshot(stocked) == before
    # a blank authorization: the real run refuses, so the dry run says so too
    r = _cli(root, "dispose", stocked.id, "--dry-run", *given[:1], " ", *given[2:])
    assert r.returncode == 2 and "would be refused" in r.stdout, r.stdout


# -- early disposal ----------------------------------------------------------------------


def test_a_disposal_before_the_date_is_refused_without_an_early_authority(stocked: Case) -> None:
    _close_today(stocked)  # missing-person: review in 7 years
    due_on = Period.parse("P7Y").after(today())
    before = _snapshot(stocked)
    with pytest.raises(RecordsRefused, match=f"not due for disposal before {due_on}"):
        stocked.records.dispose(examiner=EXAMINER, **AUTH)
    halves = ({"early_authority": "ORD-1"}, {"early_reason": "why"}, {**EARLY, "early_reason": " "})
    for half in halves:
        with pytest.raises(RecordsRefused, match="early"):
            stocked.records.dispose(examiner=EXAMINER, **AUTH, **half)  # type: ignore[arg-type]
    assert _snapshot(stocked) == before


def test_an_early_disposal_is_recorded_as_early_with_its_authority(stocked: Case) -> None:
    _close_today(stocked)
    due_on = Period.parse("P7Y").after(today())
    report = stocked.records.dispose(["E0001"], examiner=EXAMINER, **AUTH, **EARLY)
    started = next(e for e in stocked.events() if e.action == DISPOSAL_STARTED)
    early = started.details["early"]
    assert (early["authority"], early["reason"]) == ("ORD-2026-9", "court ordered destruction")
    assert early["before"] == due_on.isoformat() and early["action"] == "review"
    assert started.details["retention"]["due_on"] == due_on.isoformat()
    assert "EARLY" in started.summary() and "ORD-2026-9" in started.summary()
    assert "EARLY DISPOSAL" in report.text() and "ORD-2026-9" in report.certificate_html()
    assert stocked.verify(progress=False).ok


def test_an_early_authority_is_refused_once_the_date_has_come(stocked: Case) -> None:
    close_long_ago(stocked)
    before = _snapshot(stocked)
    with pytest.raises(RecordsRefused, match="not an early disposal"):
        stocked.records.dispose(examiner=EXAMINER, **AUTH, **EARLY)
    assert _snapshot(stocked) == before
    report = stocked.records.dispose(["E0001"], examiner=EXAMINER, **AUTH)
    assert report.disposal.early == {} and "EARLY" not in report.certificate_html()
    assert report.disposal.retention["due_on"] == Period.parse("P7Y").after(LONG_AGO).isoformat()


def test_an_unreadable_date_is_refused_unless_early(stocked: Case) -> None:
    retention = {"action": "dispose", "due_on": "soon"}  # a hostile or broken record
    stocked.writer.append(
        EventDraft("case.closed", details={"reason": "x", "retention": retention}),
        EXAMINER.actor(),
    )
    with pytest.raises(RecordsRefused, match="cannot be read"):
        stocked.records.dispose(examiner=EXAMINER, **AUTH)
    report = stocked.records.dispose(["E0001"], examiner=EXAMINER, **AUTH, **EARLY)
    assert report.disposal.early["before"] is None


# -- cases due after a disposal -------------------------------------------------------------


def test_a_case_wholly_disposed_of_is_not_due_but_one_partly_disposed_of_is(
    stocked: Case, root: Path
) -> None:
    close_long_ago(stocked)
    stocked.records.dispose(["E0001"], examiner=EXAMINER, **AUTH)
    assert [d.case_id for d in cases_due(root)] == [stocked.id]
    assert not stocked.records.state().disposed
    stocked.records.dispose(examiner=EXAMINER, **AUTH)
    assert stocked.records.state().disposed
    assert "wholly disposed of" in stocked.records.state()._repr_html_()
    assert cases_due(root) == [] and cases_due(root, within_days=400) == []


def test_a_cancelled_disposal_leaves_the_case_due(stocked: Case, root: Path) -> None:
    close_long_ago(stocked)
    stocked.writer.append(  # a started disposal, then its cancellation (a hold came)
        EventDraft(DISPOSAL_STARTED, details={"exhibits": [], "blobs": []}), EXAMINER.actor()
    )
    seq = stocked.events()[-1].seq
    stocked.writer.append(
        EventDraft("disposition.completed", details={"started": seq, "cancelled": "hold"}),
        EXAMINER.actor(),
    )
    assert not stocked.records.state().disposed
    assert [d.case_id for d in cases_due(root)] == [stocked.id]


# -- review decisions ---------------------------------------------------------------------


def test_keep_and_extend_are_recorded_and_move_the_date(stocked: Case, root: Path) -> None:
    close_long_ago(stocked)  # missing-person, P7Y review: due since 2008
    (due,) = cases_due(root)
    assert due.due_on == date(2008, 2, 3) and due.action == "review"
    kept = stocked.records.review(keep=True, reason="appeal pending", approved_by="Lt. Ray",
                                  examiner=EXAMINER)  # fmt: skip
    assert kept.action == REVIEWED
    assert kept.details["decision"] == "keep" and kept.details["period"] == "P7Y"
    assert kept.details["was_due_on"] == "2008-02-03"
    next_review = Period.parse("P7Y").after(today())
    assert kept.details["due_on"] == next_review.isoformat()
    assert cases_due(root) == []
    (again,) = cases_due(root, today=next_review)
    assert again.due_on == next_review and "review decision" in again.basis
    state = stocked.records.state()
    assert state.due == (next_review.isoformat(), "review") and state.reviewed_seq == kept.seq
    assert f"review due on {next_review}" in state._repr_html_()
    assert f"review due on {next_review}" in stocked._repr_html_()  # the case's own summary
    with pytest.raises(RecordsRefused, match="not due for disposal before"):
        stocked.records.dispose(examiner=EXAMINER, **AUTH)

    until = next_review + timedelta(days=400)
    extended = stocked.records.review(extend_until=until.isoformat(), reason="retrial",
                                      approved_by="Lt. Ray", examiner=EXAMINER)  # fmt: skip
    assert extended.details["decision"] == "extend" and extended.details["period"] is None
    assert stocked.records.state().due == (until.isoformat(), "review")
    assert cases_due(root, today=next_review) == []
    with pytest.raises(RecordsRefused, match="does not move that later"):
        stocked.records.review(extend_by="P1D", reason="x", approved_by="Lt. Ray",
                               examiner=EXAMINER)  # fmt: skip
    assert stocked.verify(progress=False).ok


@pytest.mark.parametrize(
    ("given", "error", "said"),
    [
        ({}, InvalidOption, "exactly one"),
        ({"keep": True, "extend_by": "P1Y"}, InvalidOption, "exactly one"),
        ({"extend_by": "2 years"}, InvalidOption, "ISO 8601"),
        ({"extend_until": "next year"}, InvalidOption, "not a date"),
        ({"extend_until": "2001-01-01"}, RecordsRefused, "does not move that later"),
        ({"extend_by": "P150Y"}, None, ""),
        ({"keep": True, "reason": " "}, RecordsRefused, "reason"),
        ({"keep": True, "approved_by": ""}, RecordsRefused, "approved"),
    ],
)
def test_a_bad_review_is_refused_and_records_nothing(
    stocked: Case, given: dict[str, object], error: type[Exception] | None, said: str
) -> None:
    close_long_ago(stocked)
    kwargs: dict[str, object] = {"reason": "r", "approved_by": "Lt. Ray", **given}
    before = _snapshot(stocked)
    if error is None:
        stocked.records.review(examiner=EXAMINER, **kwargs)  # type: ignore[arg-type]
        return
    with pytest.raises(error, match=said):
        stocked.records.review(examiner=EXAMINER, **kwargs)  # type: ignore[arg-type]
    assert _snapshot(stocked) == before


def test_a_review_of_an_open_or_disposed_case_is_refused(stocked: Case) -> None:
    review = {"keep": True, "reason": "r", "approved_by": "Lt. Ray", "examiner": EXAMINER}
    with pytest.raises(RecordsRefused, match="is open"):
        stocked.records.review(**review)  # type: ignore[arg-type]
    close_long_ago(stocked)
    stocked.records.review(**review)  # type: ignore[arg-type]
    reopen_case(stocked.writer, reason="new lead", approved_by="Lt. Ray", examiner=EXAMINER)
    assert stocked.records.state().review is None  # a reopening sets the decision aside
    close_long_ago(stocked)
    stocked.records.dispose(examiner=EXAMINER, **AUTH)
    before = _snapshot(stocked)
    with pytest.raises(RecordsRefused, match="wholly disposed"):
        stocked.records.review(**review)  # type: ignore[arg-type]
    assert _snapshot(stocked) == before


def test_a_review_from_the_command_line(stocked: Case, root: Path, examiner_env: object) -> None:
    close_long_ago(stocked)
    r = _cli(root, "case", "review", stocked.id, "--extend-by", "P2Y", "--reason", "appeal",
             "--approved-by", "Lt. Ray")  # fmt: skip
    assert r.returncode == 0, r.stderr
    due_on = Period.parse("P2Y").after(today()).isoformat()
    assert "case reviewed: extend by P2Y" in r.stdout and due_on in r.stdout
    r = _cli(root, "case", "records", stocked.id)
    assert f"review due on {due_on}" in r.stdout, r.stdout
    r = _cli(root, "case", "review", stocked.id, "--keep", "--extend-by", "P2Y", "--reason",
             "x", "--approved-by", "y")  # fmt: skip
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = _cli(root, "case", "review", stocked.id, "--extend-until", "31/12/2040", "--reason",
             "x", "--approved-by", "y")  # fmt: skip
    assert r.returncode == 2 and "not a date" in r.stderr and "Traceback" not in r.stderr


def test_a_hostile_review_record_is_a_problem_not_a_crash(stocked: Case, root: Path) -> None:
    close_long_ago(stocked)
    stocked.writer.append(
        EventDraft(REVIEWED, details={"decision": ["keep"], "due_on": {"x": 1}}), EXAMINER.actor()
    )
    (listed,) = cases_due(root)
    assert listed.state == "problem" and "review at seq" in (listed.problem or "")
    with pytest.raises(RecordsRefused, match="cannot be read"):
        stocked.records.dispose(examiner=EXAMINER, **AUTH)
    assert "case reviewed" in stocked.events()[-1].summary()

"""Records management: closing and reopening a case, legal holds, retention schedules and
the cases due for review or disposal (records.py, retention.py; issue 22)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import EXAMINER, new_case
from osint_kit import Case
from osint_kit.errors import InvalidOption, InvalidSchedule, RecordsRefused, UnderLegalHold
from osint_kit.folder.read import CATEGORIES as CASE_CATEGORIES
from osint_kit.lifecycle.closing import close_case, lift_hold, place_hold, reopen_case
from osint_kit.lifecycle.due import cases_due
from osint_kit.lifecycle.retention import (
    CATEGORIES,
    ENV_RETENTION,
    Period,
    RetentionSchedule,
    default_schedule,
    example_schedule,
)
from osint_kit.record.case_state import RecordsState, require_disposable
from osint_kit.record.events import EventDraft

RULES = {
    "missing-person": ("P90D", "review"),
    "wanted-person": ("P1Y", "review"),
    "online-crime": ("P18M", "dispose"),
    "crime-footage": ("P30D", "dispose"),
    "other": ("P3Y", "dispose"),
}


def schedule_text(rules: dict[str, tuple[str, str]] = RULES, name: str = "Test PD schedule") -> str:
    parts = [f'[schedule]\nname = "{name}"\n']
    for category, (period, action) in rules.items():
        parts.append(
            f'[categories.{category}]\nperiod = "{period}"\naction = "{action}"\n'
            f'note = "rule for {category}"\n'
        )
    return "\n".join(parts)


@pytest.fixture
def schedule_file(tmp_path: Path) -> Path:
    path = tmp_path / "retention.toml"
    path.write_text(schedule_text())
    return path


@pytest.fixture
def schedule(schedule_file: Path) -> RetentionSchedule:
    return RetentionSchedule.load(schedule_file)


def today() -> date:
    return datetime.now(UTC).date()


def state(case: Case) -> RecordsState:
    return RecordsState.of(case.events())


def close(case: Case, schedule: RetentionSchedule | None, **kwargs: str) -> None:
    close_case(
        case.writer,
        reason=kwargs.get("reason", "found safe and well"),
        approved_by=kwargs.get("approved_by", "Sgt. B. Lee"),
        examiner=EXAMINER,
        schedule=schedule,
        category=kwargs.get("category", case.category),
    )


def hold(case: Case, authority: str = "ORD-2026-77", reason: str = "civil claim") -> str:
    event = place_hold(case.writer, authority=authority, reason=reason, examiner=EXAMINER)
    return str(event.details["hold"])


# -- closing and reopening ------------------------------------------------------------


def test_a_new_case_is_open_and_not_held(case: Case) -> None:
    s = state(case)
    assert (s.status, s.held, s.holds, s.retention, s.closed_at) == ("open", False, (), None, None)
    assert [(seq, action) for seq, action, _ in s.history] == [(1, "case.created")]


def test_close_records_reason_approver_and_the_retention_the_schedule_gives(
    case: Case, schedule: RetentionSchedule, schedule_file: Path
) -> None:
    close(case, schedule)
    s = state(case)
    closed = case.events()[-1]
    assert closed.action == "case.closed"
    assert (s.status, s.closed_seq, s.closed_at) == ("closed", closed.seq, closed.time)
    assert (s.close_reason, s.closed_approved_by) == ("found safe and well", "Sgt. B. Lee")
    assert s.retention is not None
    due = (today() + timedelta(days=90)).isoformat()  # missing-person: P90D, then review
    assert dict(s.retention) == {
        "category": "missing-person",
        "period": "P90D",
        "action": "review",
        "closed_on": today().isoformat(),
        "review_on": due,
        "due_on": due,
        "rule_note": "rule for missing-person",
        "schedule": {
            "name": "Test PD schedule",
            "sha256": __import__("hashlib").sha256(schedule_file.read_bytes()).hexdigest(),
        },
    }
    assert "review on " + due in s.history[-1][2]


def test_a_disposal_rule_records_a_dispose_on_date(root: Path, schedule: RetentionSchedule) -> None:
    c = new_case(root, "OC-1", "Stalking of R.", "online-crime")
    close(c, schedule)
    retention = state(c).retention
    assert retention is not None
    assert retention["action"] == "dispose"
    assert (
        retention["dispose_on"]
        == retention["due_on"]
        == Period(0, 18, 0).after(today()).isoformat()
    )
    assert "review_on" not in retention


def test_close_without_a_schedule_says_so_and_records_no_date(case: Case) -> None:
    close(case, None)
    s = state(case)
    assert s.status == "closed" and s.retention is None
    details = case.events()[-1].details
    assert details["retention"] is None
    assert "without a retention schedule" in details["retention_note"]


def test_closing_twice_is_refused_and_nothing_is_recorded(
    case: Case, schedule: RetentionSchedule
) -> None:
    close(case, schedule)
    before = case.events()
    with pytest.raises(RecordsRefused, match="already closed"):
        close(case, schedule, reason="again")
    assert case.events() == before


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("reason", "  ", "reason"),
        ("approved_by", "", "approved"),
        ("category", "other", "category"),
    ],
)
def test_close_refuses_a_missing_reason_or_approver_or_another_category(
    case: Case, schedule: RetentionSchedule, field: str, value: str, said: str
) -> None:
    before = case.events()
    with pytest.raises(RecordsRefused, match=said):
        close(case, schedule, **{field: value})
    assert case.events() == before
    assert state(case).status == "open"


def test_reopen_a_closed_case_and_close_it_again(case: Case, schedule: RetentionSchedule) -> None:
    close(case, schedule)
    reopen_case(
        case.writer, reason="new sighting reported", approved_by="Lt. A. Ray", examiner=EXAMINER
    )
    s = state(case)
    assert (s.status, s.closed_at, s.retention, s.close_reason) == ("open", None, None, None)
    assert s.history[-1][1:] == (
        "case.reopened",
        "case reopened: new sighting reported (approved by Lt. A. Ray)",
    )
    close(case, None, reason="found again")
    s = state(case)
    assert (s.status, s.close_reason, s.retention) == ("closed", "found again", None)
    assert s.closed_seq == case.events()[-1].seq


def test_reopening_an_open_case_is_refused(case: Case) -> None:
    before = case.events()
    with pytest.raises(RecordsRefused, match="open"):
        reopen_case(case.writer, reason="why not", approved_by="Lt. A. Ray", examiner=EXAMINER)
    assert case.events() == before


# -- legal holds ------------------------------------------------------------------------


def test_holds_are_numbered_and_lifting_one_leaves_the_other(case: Case) -> None:
    first = hold(case, "ORD-1", "civil claim")
    second = hold(case, "PRES-2", "preservation request")
    assert (first, second) == ("H001", "H002")
    lift_hold(case.writer, "H001", authority="ORD-1/2", reason="claim settled", examiner=EXAMINER)
    s = state(case)
    assert s.held
    assert [(h.id, h.authority, h.reason) for h in s.holds] == [
        ("H002", "PRES-2", "preservation request")
    ]
    assert s.holds[0].placed_by == "Jane Doe (B-1234)"
    assert s.holds[0].placed_seq == case.events()[-2].seq
    # a hold placed after a lift gets a new number, never a lifted one's
    assert hold(case) == "H003"


@pytest.mark.parametrize("hold_id", ["H001", "H009", "h002"])
def test_lifting_a_lifted_or_unknown_hold_is_refused(case: Case, hold_id: str) -> None:
    hold(case)
    hold(case)
    lift_hold(case.writer, "H001", authority="ORD-3", reason="settled", examiner=EXAMINER)
    before = case.events()
    word = "lifted already" if hold_id == "H001" else "never placed"
    with pytest.raises(RecordsRefused, match=word):
        lift_hold(case.writer, hold_id, authority="ORD-4", reason="again", examiner=EXAMINER)
    assert case.events() == before
    assert [h.id for h in state(case).holds] == ["H002"]


def test_a_hold_needs_an_authority_and_a_reason(case: Case) -> None:
    with pytest.raises(RecordsRefused, match="authority"):
        place_hold(case.writer, authority=" ", reason="x", examiner=EXAMINER)
    with pytest.raises(RecordsRefused, match="reason"):
        place_hold(case.writer, authority="ORD-1", reason="", examiner=EXAMINER)
    assert len(case.events()) == 1


def test_require_disposable(case: Case, schedule: RetentionSchedule) -> None:
    with pytest.raises(RecordsRefused, match="open") as open_refusal:
        require_disposable(state(case))
    assert not isinstance(open_refusal.value, UnderLegalHold)
    hold(case, "ORD-9")
    with pytest.raises(UnderLegalHold, match="H001 under ORD-9"):
        require_disposable(state(case))  # open and held: the hold is what it says
    close(case, schedule)
    with pytest.raises(UnderLegalHold):
        require_disposable(state(case))
    lift_hold(case.writer, "H001", authority="ORD-9/2", reason="over", examiner=EXAMINER)
    require_disposable(state(case))  # closed, no hold standing: passes
    reopen_case(case.writer, reason="appeal", approved_by="Lt. A. Ray", examiner=EXAMINER)
    with pytest.raises(RecordsRefused):
        require_disposable(state(case))
    assert case.verify().ok


# -- retention schedules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period", "start", "expected"),
    [
        ("P90D", Period(0, 0, 90), date(2026, 1, 1), date(2026, 4, 1)),
        ("P7Y", Period(7, 0, 0), date(2024, 2, 29), date(2031, 2, 28)),  # no 29 Feb: clamp
        ("P1M", Period(0, 1, 0), date(2025, 1, 31), date(2025, 2, 28)),
        ("P1M", Period(0, 1, 0), date(2024, 1, 31), date(2024, 2, 29)),
        ("P18M", Period(0, 18, 0), date(2025, 8, 31), date(2027, 2, 28)),
        ("P1Y6M", Period(1, 6, 0), date(2025, 12, 15), date(2027, 6, 15)),
        ("P1Y1M1D", Period(1, 1, 1), date(2024, 1, 31), date(2025, 3, 1)),
        ("P13M", Period(0, 13, 0), date(2025, 12, 1), date(2027, 1, 1)),
    ],
)
def test_periods_are_added_on_the_calendar(
    text: str, period: Period, start: date, expected: date
) -> None:
    assert Period.parse(text) == period
    assert period.after(start) == expected


@pytest.mark.parametrize(
    "text",
    [
        "P7X",
        "P",
        "",
        "7Y",
        "PT1H",
        "P1W",
        "P0D",
        "P-1Y",
        "P1.5Y",
        "P1D1Y",
        "p7y",
        "P\N{ARABIC-INDIC DIGIT SEVEN}Y",
        7,
    ],
)
def test_periods_other_than_years_months_days_are_refused(text: object) -> None:
    with pytest.raises(ValueError, match="period"):
        Period.parse(text)


def test_due_date(schedule: RetentionSchedule) -> None:
    assert schedule.due_date("online-crime", date(2025, 8, 31)) == (date(2027, 2, 28), "dispose")
    assert schedule.due_date("wanted-person", date(2024, 2, 29)) == (date(2025, 2, 28), "review")
    assert schedule.path is not None and schedule.rules["other"].note == "rule for other"


def bad_rules(**change: tuple[str, str] | None) -> dict[str, tuple[str, str]]:
    rules = {k: v for k, v in {**RULES, **change}.items() if v is not None}
    return rules  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            schedule_text(bad_rules(stolen_bikes=("P1Y", "dispose"))),
            "unknown category 'stolen_bikes'",
        ),
        (schedule_text(bad_rules(other=("P7X", "dispose"))), "other: the period 'P7X'"),
        (schedule_text(bad_rules(other=("P0D", "dispose"))), "no time at all"),
        (schedule_text(bad_rules(other=("P1Y", "burn"))), "unknown action 'burn'"),
        (schedule_text(bad_rules(other=None)), "no rule for other"),
        ("[schedule]\nname = 'x'\n[categories\n", "not valid TOML"),
        ("[categories.other]\nperiod = 'P1Y'\naction = 'review'\n", "no [schedule] table"),
        ("[schedule]\nname = ''\n[categories]\n", "has no name"),
        (
            schedule_text().replace('action = "review"', 'acton = "review"', 1),
            "unknown key(s) 'acton'",
        ),
        (schedule_text() + "\n[extra]\nx = 1\n", "unknown key(s) 'extra'"),
    ],
)
def test_a_bad_schedule_is_refused_with_the_reason(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InvalidSchedule) as refused:
        RetentionSchedule.load(path)
    assert said in refused.value.reason
    assert refused.value.path == path


def test_a_missing_or_binary_schedule_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidSchedule, match="cannot be read"):
        RetentionSchedule.load(tmp_path / "nowhere.toml")
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidSchedule, match="not UTF-8"):
        RetentionSchedule.load(tmp_path / "bin.toml")


def test_the_shipped_example_covers_every_category_and_says_it_is_an_example() -> None:
    assert CATEGORIES == CASE_CATEGORIES  # the schedule knows the categories a case may have
    shipped = example_schedule()
    assert shipped.example and "EXAMPLE" in shipped.name
    assert set(shipped.rules) == set(CASE_CATEGORIES)
    assert default_schedule() == shipped  # no OSINT_KIT_RETENTION: the example


def test_osint_kit_retention_points_to_the_agency_schedule(
    monkeypatch: pytest.MonkeyPatch, schedule_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_RETENTION, str(schedule_file))
    chosen = default_schedule()
    assert (chosen.name, chosen.path, chosen.example) == ("Test PD schedule", schedule_file, False)
    monkeypatch.setenv(ENV_RETENTION, str(tmp_path / "gone.toml"))
    with pytest.raises(InvalidSchedule):
        default_schedule()


def test_the_example_is_recorded_as_an_example_when_a_case_closes_under_it(case: Case) -> None:
    close(case, example_schedule())
    retention = state(case).retention
    assert retention is not None and retention["schedule"]["example"] is True


# -- cases due --------------------------------------------------------------------------------


def test_cases_due_lists_the_due_and_the_held_not_the_rest(
    root: Path, schedule: RetentionSchedule
) -> None:
    due = new_case(root, "CF-1", "Robbery footage", "crime-footage")  # P30D, dispose
    later = new_case(root, "WP-1", "Wanted: K.", "wanted-person")  # P1Y, review
    held = new_case(root, "CF-2", "Assault footage", "crime-footage")  # P30D, held
    new_case(root, "CF-3", "Still open", "crime-footage")  # open: never listed
    for c in (due, later, held):
        close(c, schedule)
    hold(held, "PRES-77", "defence preservation request")
    when = today() + timedelta(days=60)

    listed = cases_due(root, schedule, today=when)
    assert [(d.case_id, d.state, d.action) for d in listed] == [
        ("CF-1", "due", "dispose"),
        ("CF-2", "held", "dispose"),
    ]
    first, second = listed
    assert first.due_on == today() + timedelta(days=30)
    assert (first.title, first.category, first.holds) == ("Robbery footage", "crime-footage", ())
    assert first.closed_at == due.events()[-1].time
    assert "recorded at closing" in first.basis
    assert [h.id for h in second.holds] == ["H001"] and second.held

    assert cases_due(root, schedule, today=today() + timedelta(days=29)) == []
    ahead = cases_due(root, schedule, today=when, within_days=400)
    assert [d.case_id for d in ahead] == ["CF-1", "CF-2", "WP-1"]
    assert ahead[2].action == "review"
    assert ahead.to_frame().loc["CF-2", "state"] == "held"
    assert "CF-2" in ahead._repr_html_()
    for c in (due, later, held):
        assert c.verify().ok


def test_the_date_recorded_at_closing_wins_over_a_later_schedule(
    root: Path, schedule: RetentionSchedule, tmp_path: Path
) -> None:
    c = new_case(root, "CF-1", "Robbery footage", "crime-footage")
    close(c, schedule)  # P30D
    longer = tmp_path / "longer.toml"
    longer.write_text(schedule_text(bad_rules(**{"crime-footage": ("P10Y", "review")}), "New"))
    listed = cases_due(root, RetentionSchedule.load(longer), today=today() + timedelta(days=31))
    assert [(d.case_id, d.action) for d in listed] == [("CF-1", "dispose")]


def test_a_case_closed_without_a_schedule_is_dated_by_the_schedule_given_and_says_so(
    root: Path, schedule: RetentionSchedule
) -> None:
    c = new_case(root, "CF-1", "Robbery footage", "crime-footage")
    close(c, None)
    listed = cases_due(root, schedule, today=today() + timedelta(days=31))
    assert [(d.case_id, d.state, d.due_on) for d in listed] == [
        ("CF-1", "due", today() + timedelta(days=30))
    ]
    assert "closed without a schedule" in listed[0].basis
    assert cases_due(root, schedule, today=today() + timedelta(days=29)) == []


def test_unreadable_cases_are_listed_with_their_problem(
    root: Path, schedule: RetentionSchedule
) -> None:
    new_case(root, "OK-1")
    broken = new_case(root, "BAD-1")
    (broken.path / "custody.jsonl").write_bytes(b"not an event\n")
    (root / "BAD-2").mkdir()
    (root / "BAD-2" / "case.json").write_text("{")
    listed = cases_due(root, schedule, today=today())
    assert [(d.case_id, d.state) for d in listed] == [("BAD-1", "problem"), ("BAD-2", "problem")]
    assert all(d.problem for d in listed)
    assert cases_due(root / "none-here", schedule) == []


def test_within_days_must_be_a_count_of_days(root: Path) -> None:
    with pytest.raises(InvalidOption, match="within_days"):
        cases_due(root, within_days=-1)


# -- a hostile log ----------------------------------------------------------------------------


def test_a_hostile_log_does_not_crash_the_records_state_and_holds_stay_on_the_safe_side(
    root: Path, case: Case, schedule: RetentionSchedule
) -> None:
    actor = EXAMINER.actor()
    for details in (
        {"hold": ["H001"], "authority": {"x": 1}, "reason": 7},  # wrong shapes
        {},  # nothing at all
        {"hold": "H001", "authority": "ORD-1", "reason": "x"},
        {"hold": "H001", "authority": "ORD-1", "reason": "the same id again"},
    ):
        case.writer.append(EventDraft("hold.placed", details=details), actor)
    case.writer.append(EventDraft("hold.lifted", details={"hold": 5}), actor)
    case.writer.append(EventDraft("case.reopened", details={"reason": None}), actor)
    case.writer.append(
        EventDraft("case.closed", details={"reason": ["x"], "retention": "P1Y"}), actor
    )
    case.writer.append(EventDraft("case.closed", details={"retention": {"due_on": 3}}), actor)
    s = state(case)
    assert s.status == "closed" and s.retention is None and s.close_reason == ""
    # every hold.placed stands: an unusable id becomes seq-N, by which it can be lifted
    assert [h.id for h in s.holds] == ["seq-2", "seq-3", "H001", "seq-5"]
    assert "not counted" in s.history[-1][2]  # the second close
    with pytest.raises(UnderLegalHold):
        require_disposable(s)
    assert hold(case) == "H002"
    for hold_id in ("seq-2", "seq-3", "H001", "seq-5", "H002"):
        lift_hold(case.writer, hold_id, authority="ORD-5", reason="cleared", examiner=EXAMINER)
    require_disposable(state(case))
    # a close whose retention is not a record of one is listed as closed without a schedule
    listed = cases_due(root, schedule, today=today() + timedelta(days=365))
    assert [(d.case_id, d.state) for d in listed] == [("MP-2026-001", "due")]
    assert case.verify().ok


def test_a_recorded_retention_with_an_unreadable_date_is_a_problem_not_a_crash(
    root: Path, case: Case, schedule: RetentionSchedule
) -> None:
    retention = {"action": "dispose", "due_on": "soon"}
    case.writer.append(
        EventDraft("case.closed", details={"reason": "x", "retention": retention}),
        EXAMINER.actor(),
    )
    listed = cases_due(root, schedule, today=today())
    assert [(d.case_id, d.state) for d in listed] == [("MP-2026-001", "problem")]
    assert "no readable due date" in (listed[0].problem or "")


# -- the documentation ----------------------------------------------------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "records.md"


def test_the_doc_shows_the_shipped_example_as_it_is() -> None:
    text = DOC.read_text()
    shipped = (Path(__file__).resolve().parent.parent / "src" / "osint_kit" / "data").joinpath(
        "retention-example.toml"
    )
    assert f"```toml\n{shipped.read_text()}```\n" in text
    assert "OSINT_KIT_RETENTION" in text
    assert "## Disposition\n\nSee [disposition.md](disposition.md).\n" in text


def test_the_case_display_shows_its_status_and_holds(case: Case) -> None:
    case.records.place_hold(authority="COURT-7", reason="defence asked", examiner=EXAMINER)
    case.records.close(reason="solved", approved_by="Lt. Ray", examiner=EXAMINER)
    page = case._repr_html_()
    assert "osint-kit-hold" in page and "H001 under COURT-7" in page
    assert "closed since" in page and "due on" in page

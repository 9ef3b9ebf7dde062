"""Reminder steps, escalation, subjects, retry backoff and cron in plain English."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.notifications import calculations as calc
from tracker.notifications import messages

DUE = dt.date(2018, 4, 30)
LOCKS = dt.date(2018, 5, 30)


def test_steps_before_on_and_after_the_due_date() -> None:
    steps = calc.reminder_steps(DUE, LOCKS)
    assert [(s.key, s.on) for s in steps] == [
        ("before-14", dt.date(2018, 4, 16)),
        ("before-3", dt.date(2018, 4, 27)),
        ("due", DUE),
        ("overdue-7", dt.date(2018, 5, 7)),
        ("overdue-14", dt.date(2018, 5, 14)),
        ("overdue-21", dt.date(2018, 5, 21)),
        ("overdue-28", dt.date(2018, 5, 28)),
    ]
    assert {s.kind for s in steps[:3]} == {"practice_reminder"}
    assert {s.kind for s in steps[3:]} == {"overdue_reminder"}


@pytest.mark.parametrize(
    ("today", "key"),
    [
        (dt.date(2018, 4, 15), None),
        (dt.date(2018, 4, 16), "before-14"),
        (dt.date(2018, 4, 20), "before-14"),  # the as-at date of the demo
        (dt.date(2018, 4, 27), "before-3"),
        (dt.date(2018, 4, 30), "due"),
        (dt.date(2018, 5, 6), "due"),
        (dt.date(2018, 5, 7), "overdue-7"),
        (dt.date(2018, 5, 29), "overdue-28"),
        (dt.date(2018, 5, 30), None),  # locked
    ],
)
def test_current_step_is_the_latest_fallen_due(today: dt.date, key: str | None) -> None:
    step = calc.current_step(DUE, LOCKS, today)
    assert (step.key if step else None) == key


def test_after_downtime_only_the_latest_missed_step_is_due() -> None:
    # Down from 10 April to 8 May: one reminder (overdue-7), not four.
    assert calc.current_step(DUE, LOCKS, dt.date(2018, 5, 8)).key == "overdue-7"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("state", "ever_submitted", "in_"),
    [
        ("submitted", False, True),
        ("approved", False, True),
        ("returned", True, True),  # returned for changes after its submission: still in
        ("returned", False, False),
        ("draft", False, False),
        (None, False, False),
    ],
)
def test_whether_a_return_was_ever_submitted_is_enough_to_tell_it_is_in(
    state: str | None, ever_submitted: bool, in_: bool
) -> None:
    assert calc.is_in(state, ever_submitted=ever_submitted) is in_


def test_a_submitted_return_stops_reminders() -> None:
    assert calc.return_is_in("submitted", None)
    assert calc.return_is_in("approved", None)
    assert calc.return_is_in("returned", dt.datetime(2018, 4, 2, tzinfo=dt.UTC))
    assert not calc.return_is_in("draft", None)
    assert not calc.return_is_in(None, None)


def test_escalation_to_the_region_after_four_weeks() -> None:
    assert not calc.escalated_to_region(DUE, dt.date(2018, 5, 27))
    assert calc.escalated_to_region(DUE, dt.date(2018, 5, 28))
    assert calc.days_overdue(DUE, dt.date(2018, 4, 20)) == 0


@pytest.mark.parametrize(
    ("days", "lead"),
    [
        (3, "Return due in 3 days"),
        (1, "Return due tomorrow"),
        (0, "Return due today"),
        (-1, "Return overdue by 1 day"),
        (-8, "Return overdue by 8 days"),
    ],
)
def test_subjects(days: int, lead: str) -> None:
    email = messages.reminder(
        ods_code="A81001",
        practice_name="The Densham Surgery",
        period_label="2017/18 Q4",
        due_on=dt.date(2018, 4, 30),
        days_left=days,
        state=None,
        missing=[],
        link="https://t.test/practices/A81001/returns/2017-18-Q4",
    )
    assert email.subject == f"{lead}: 2017/18 Q4, A81001 The Densham Surgery"


def test_keys_name_organisation_period_step_and_recipient() -> None:
    assert (
        calc.reminder_key("A81001", "2017/18-Q4", "before-3", "Pat@X.test")
        == "reminder:A81001:2017/18-Q4:before-3:pat@x.test"
    )
    fire = dt.datetime(2018, 4, 16, 6, 0, tzinfo=dt.UTC)  # 07:00 in London (BST)
    assert calc.report_key("ccg_report", "00K", fire, "a@b.test") == "ccg_report:00K:2018-04-16:a@b.test"


def test_backoff_doubles_and_is_capped() -> None:
    assert [calc.retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert calc.retry_delay(20) == dt.timedelta(hours=6)
    assert not calc.gives_up(1, permanent=False)
    assert calc.gives_up(1, permanent=True)
    assert calc.gives_up(calc.MAX_ATTEMPTS, permanent=False)


def test_a_sender_stops_sending_from_a_batch_before_its_lease_could_pass_to_another() -> None:
    eight_minutes = dt.timedelta(minutes=8)
    assert calc.within_lease(0, eight_minutes)
    assert calc.within_lease(479.9, eight_minutes)
    assert not calc.within_lease(480, eight_minutes)
    assert not calc.within_lease(0, dt.timedelta(0))


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 7 * * 1", "every Monday at 07:00"),
        ("0 7 * * mon", "every Monday at 07:00"),
        ("30 6 * * *", "every day at 06:30"),
        ("0 7 * * 1-5", "every weekday at 07:00"),
        ("0 8 1 * *", "on the 1st of the month at 08:00"),
        ("0 9,17 * * *", "every day at 09:00 and 17:00"),
        ("*/15 * * * *", "every day every 15 minutes"),
        ("0 7 * * 0", "every Sunday at 07:00"),
        ("0 7 * * 7", "every Sunday at 07:00"),
        ("0 7 * * 1,4", "every Monday and Thursday at 07:00"),
        ("0 7 1 4 *", "on the 1st of the month at 07:00 in April"),
    ],
)
def test_cron_in_plain_english(cron: str, words: str) -> None:
    assert calc.describe_cron(cron) == words


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 7 * *", "five fields"),
        ("61 7 * * *", "Minute must be between 0 and 59"),
        ("0 25 * * *", "Hour must be between 0 and 23"),
        ("0 7 * * 9", "Day of week must be between 0 and 7"),
        ("0 7 x * *", "not understood"),
        ("0 7 5-1 * *", "runs backwards"),
    ],
)
def test_bad_cron_says_what_is_wrong(cron: str, message: str) -> None:
    with pytest.raises(calc.CronError, match=message):
        calc.parse_cron(cron)


def test_fire_times_are_london_time_across_the_clock_change() -> None:
    # 07:00 on Monday in winter (GMT) is 07:00 UTC; in summer (BST) it is 06:00 UTC.
    winter = calc.previous_fire("0 7 * * 1", dt.datetime(2018, 3, 20, 12, tzinfo=dt.UTC))
    summer = calc.previous_fire("0 7 * * 1", dt.datetime(2018, 4, 20, 12, tzinfo=dt.UTC))
    assert winter == dt.datetime(2018, 3, 19, 7, tzinfo=dt.UTC)
    assert summer == dt.datetime(2018, 4, 16, 6, tzinfo=dt.UTC)
    assert calc.next_fire("0 7 * * 1", dt.datetime(2018, 4, 20, 12, tzinfo=dt.UTC)) == dt.datetime(
        2018, 4, 23, 6, tzinfo=dt.UTC
    )
    assert calc.next_fire("0 7 31 2 *", dt.datetime(2018, 4, 20, tzinfo=dt.UTC)) is None


def test_a_catch_up_runs_once_for_the_latest_missed_time() -> None:
    now = dt.datetime(2018, 4, 20, 12, tzinfo=dt.UTC)
    # Last ran for 19 March; four Mondays were missed: one run, standing for 16 April.
    fire = calc.is_due("0 7 * * 1", now, dt.datetime(2018, 3, 19, 7, tzinfo=dt.UTC))
    assert fire == dt.datetime(2018, 4, 16, 6, tzinfo=dt.UTC)
    assert calc.is_due("0 7 * * 1", now, fire) is None


@given(
    st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(
        lambda d: d.replace(tzinfo=dt.UTC)
    ),
    st.sampled_from(["0 7 * * 1", "15 7 * * *", "0 8 1 * *", "30 1 * * *", "0 7 * * 1-5"]),
)
def test_previous_and_next_fire_bracket_now(now: dt.datetime, cron: str) -> None:
    before, after = calc.previous_fire(cron, now), calc.next_fire(cron, now)
    assert before is not None and after is not None
    assert before <= now < after
    assert calc.next_fire(cron, before - dt.timedelta(seconds=1)) == before

"""View models and email wording: pure functions, no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tracker.funding.forecasts_service import Forecast
from tracker.notifications import messages, presenters
from tracker.notifications.report_rows import CcgReport, ReportFigures
from tracker.notifications.service import ScheduleRow

NOW = dt.datetime(2018, 4, 20, 12, tzinfo=dt.UTC)


def _schedule(cron: str, enabled: bool) -> ScheduleRow:
    return ScheduleRow(1, "ccg-status-report", "ccg_report", cron, enabled, None, None, None)


def test_email_body_is_the_body_without_inline_styles() -> None:
    email = messages.reminder(
        ods_code="A81001",
        practice_name="The <Densham> Surgery",
        period_label="2017/18 Q4",
        due_on=dt.date(2018, 4, 30),
        days_left=3,
        state="draft",
        missing=["Wi-Fi & more"],
        link="https://t.test/practices/A81001/returns/2017-18-Q4",
    )
    body = str(presenters.email_body(email.html))
    assert "style=" not in body and "<body" not in body
    assert "The &lt;Densham&gt; Surgery" in body and "Wi-Fi &amp; more" in body
    assert email.subject == "Return due in 3 days: 2017/18 Q4, A81001 The <Densham> Surgery"
    assert "Still to answer (1):\n- Wi-Fi & more" in email.text


def test_next_run_comes_from_the_cron_and_the_clock() -> None:
    on = _schedule(cron="0 7 * * 1", enabled=True)
    assert presenters.next_run(on, NOW) == "23 April 2018 at 07:00"
    assert presenters.next_run(replace(on, enabled=False), NOW) == "Not while it is off"
    assert presenters.next_run(replace(on, cron="bad"), NOW).startswith("never")


def test_each_role_is_told_what_it_receives() -> None:
    schedules = {"ccg_report": _schedule(cron="0 7 * * 1", enabled=False)}
    ccg, digest = presenters.receives("ccg", schedules)
    assert (ccg["label"], ccg["when"], ccg["enabled"]) == ("CCG status report", "every Monday at 07:00", False)
    assert (digest["label"], digest["when"], digest["enabled"]) == (
        "Monthly alerts",
        "on the 1st of the month at 08:30",
        True,
    )
    for role in ("region", "national"):
        assert [r["label"] for r in presenters.receives(role, {})][-1] == "Monthly alerts"
    assert [r["label"] for r in presenters.receives("practice", {})] == ["Practice reminder", "Overdue reminder"]
    assert presenters.receives("admin", {}) == []


def test_funding_line() -> None:
    f = ReportFigures("2017/18 Q4", 1, 0, completeness=0.0, timeliness_label="", timeliness=None, awaiting_review=0)
    report = CcgReport(
        "00K", "NHS Hartlepool", dt.date(2018, 4, 20), f, (), (), (), "", messages.funding([], "2017/18")
    )
    link = "https://t.test/organisations/ccgs/00K"
    none = messages.ccg_report(report, link=link)
    assert "No funding forecast has been entered for 2017/18." in none.text
    rows = [Forecast(1, 1, 2, 150_000_00, NOW), Forecast(1, 2, 3, 2_500_00, NOW)]
    some = messages.ccg_report(replace(report, funding=messages.funding(rows, "2017/18")), link=link)
    line = "Forecast outturn for 2017/18: £152,500 across 2 stream(s), latest entered at Q3."
    assert line in some.text and line in some.html

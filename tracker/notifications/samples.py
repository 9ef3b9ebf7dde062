"""Example values for every kind of email, as the demo's CCG 00K, its region and England would
get them: for the schedules page's previews of each kind, and the templates' tests. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from tracker.alerts.detect import Alert, Kind, Measure
from tracker.alerts.service import Headline
from tracker.figures.service import Figures
from tracker.funding.forecasts_service import Forecast
from tracker.notifications import messages, render
from tracker.notifications.render import Email
from tracker.notifications.report_rows import (
    CcgReport,
    CcgReportRow,
    NationalSummary,
    OffTrackPractice,
    OverduePractice,
    RegionReportRow,
    RegionSummary,
    ReportFigures,
    UnreachablePractice,
)

BASE = "https://tracker.example.nhs.uk"
AS_AT = dt.date(2018, 4, 20)
FIGURES = ReportFigures(
    period_label="2017/18 Q4 (provisional)",
    expected=39,
    returns_in=12,
    completeness=30.77,
    timeliness_label="2017/18 Q3",
    timeliness=89.74,
    awaiting_review=3,
)
CCG = "NHS Hartlepool and Stockton-on-Tees CCG"
REGION = "North East and Yorkshire"
ONLINE = Measure("PO_REG_PCT", "Patients registered for online services", "percent")


def _figures(scope: str, code: str, maturity: float, received: int, expected: int) -> Figures:
    """Figures for 2017/18 Q3 with what the digest's headline reads; the rest left at nothing."""
    return Figures(
        scope=scope,
        code=code,
        period="2017-18-Q3",
        provisional=False,
        expected=expected,
        received=received,
        on_time=0,
        completeness=None,
        timeliness=None,
        maturity=maturity,
        scored=0,
        on_track=0,
        at_risk=0,
        off_track=0,
        patients=0,
        funding_total_pence=None,
    )


def _headline() -> Headline:
    own = _figures("ccg", "00K", 71.84, 37, 39)
    return Headline("2017/18 Q3", own=own, england=_figures("england", "ENG", 76.51, 6800, 7200))


def _alert(kind: Kind, code: str, name: str, a: float, b: float, pa: float, pb: float, **kw: Any) -> Alert:
    return Alert(kind, code, name, ONLINE, "2016/17 Q4", "2017/18 Q3", a, b, pa, pb, **kw)


def _overdue(practice: str) -> OverduePractice:
    """The demo's practice 50 days overdue, so escalated to its region (after four weeks)."""
    return OverduePractice(
        ods_code="A81034",
        name=practice,
        ccg_id=None,
        region_id=None,
        period_label="2017/18 Q3",
        days_overdue=50,
        escalated=True,
    )


def emails(base: str = BASE) -> dict[str, Email]:
    """One email of every kind, as the demo's CCG 00K, its region Y63 and England would get them."""
    practice = "Thornaby & Barwick Medical Group"
    return {
        "reminder": messages.reminder(
            ods_code="A81034",
            practice_name=practice,
            period_label="2017/18 Q4",
            due_on=dt.date(2018, 4, 30),
            days_left=10,
            state="draft",
            missing=["Items sent by EPS", "NHS Wi-Fi for patients and staff"],
            link=f"{base}/practices/A81034/returns/2017-18-Q4",
            leave_link=f"{base}/reports/leave/example",
        ),
        "ccg_report": messages.ccg_report(
            CcgReport(
                code="00K",
                name=CCG,
                as_at=AS_AT,
                figures=FIGURES,
                overdue=(_overdue(practice),),
                unreachable=(UnreachablePractice("A81002", "Queens Park", "x@y.test: 550 no such user"),),
                off_track=(OffTrackPractice("A81608", "Elm Tree Surgery", 31.25),),
                scores_label="2017/18 Q3",
                funding=messages.funding(
                    [
                        Forecast(
                            0,
                            0,
                            quarter=3,
                            outturn_pence=123_456_00,
                            entered_at=dt.datetime(2018, 1, 15, tzinfo=dt.UTC),
                        )
                    ],
                    "2017/18",
                ),
            ),
            link=f"{base}/organisations/ccgs/00K",
            leave_link=f"{base}/reports/leave/example",
            attachment_missing=True,
        ),
        "region_summary": messages.region_summary(
            RegionSummary(
                code="Y63",
                name=REGION,
                as_at=AS_AT,
                figures=FIGURES,
                ccgs=(CcgReportRow("00K", CCG, FIGURES),),
                escalated=(replace(_overdue(practice), ccg_code="00K"),),
            ),
            link=f"{base}/organisations/regions/Y63",
            leave_link=f"{base}/reports/leave/example",
        ),
        "national_summary": messages.national_summary(
            NationalSummary(as_at=AS_AT, figures=FIGURES, regions=(RegionReportRow("Y63", REGION, FIGURES, 4),)),
            link=f"{base}/organisations",
            leave_link=f"{base}/reports/leave/example",
        ),
        "account_invitation": messages.account_invitation(
            name="Pat O'Brien",
            invited_by="admin@demo.paperless-tracker.test",
            link=f"{base}/set-password/abc123",
        ),
        "password_reset": messages.password_reset(link=f"{base}/set-password/def456"),
        "return_returned": render.render(
            "return_returned",
            ccg_name="NHS Hartlepool and Stockton-on-Tees CCG",
            period_label="2017/18 Q4",
            practice_name=practice,
            ods_code="A81034",
            reason="The e-RS figure looks like last year's: please check it.",
            lock_date="30 May 2018",
            link=f"{base}/practices/A81034/returns/2017-18-Q4",
        ),
        "return_approved": render.render(
            "return_approved",
            ccg_name="NHS Hartlepool and Stockton-on-Tees CCG",
            period_label="2017/18 Q4",
            practice_name=practice,
            ods_code="A81034",
            link=f"{base}/practices/A81034/returns/2017-18-Q4",
        ),
        "alert_digest": messages.alert_digest(
            level="ccg",
            code="00K",
            name="NHS Hartlepool and Stockton-on-Tees CCG",
            month="May 2018",
            first_period="2016/17 Q4",
            headline=_headline(),
            alerts=[
                _alert(Kind.INTO_WORST, "A81002", "Queens Park", 45, 8, 44, 6, threshold=11),
                _alert(Kind.OUT_OF_WORST, "A81027", "Yarm Medical Practice", 10, 22, 5, 30),
                _alert(Kind.IMPROVING, "A81034", practice, 35, 75, 33, 89),
                _alert(Kind.DECLINING, "A81608", "Elm Tree Surgery", 12, 14, 40, 15),
            ],
            link=f"{base}/dashboards/ccgs/00K",
            emails_link=f"{base}/account/emails",
            leave_link=f"{base}/reports/leave/example",
        ),
    }

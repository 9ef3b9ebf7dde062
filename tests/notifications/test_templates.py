"""Every kind of email, rendered from its templates for demo-like values: subject, both parts,
links, escaping, and the same content in the HTML and plain-text parts."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest

from tracker.alerts.detect import Alert, Kind, Measure
from tracker.notifications import messages, render
from tracker.notifications.render import Email

BASE = "https://tracker.example.nhs.uk"
AS_AT = dt.date(2018, 4, 20)
FIGURES = {
    "period_label": "2017/18 Q4 (provisional)",
    "expected": 39,
    "returns_in": 12,
    "completeness": 30.77,
    "timeliness_label": "2017/18 Q3",
    "timeliness": 89.74,
    "awaiting_review": 3,
}
ONLINE = Measure("PO_REG_PCT", "Patients registered for online services", "percent")


def _headline(scope: str) -> dict[str, Any]:
    own = type("F", (), {"scope": scope, "maturity": 71.84, "received": 37, "expected": 39})()
    england = type("F", (), {"scope": "england", "maturity": 76.51, "received": 6800, "expected": 7200})()
    return {"period_label": "2017/18 Q3", "own": own, "england": england}


def _alert(kind: Kind, code: str, name: str, a: float, b: float, pa: float, pb: float, **kw: Any) -> Alert:
    return Alert(kind, code, name, ONLINE, "2016/17 Q4", "2017/18 Q3", a, b, pa, pb, **kw)


def emails() -> dict[str, Email]:
    """One of each kind as the demo's 00K, Y63 and England would get it, with a name that needs escaping."""
    practice = "Thornaby & Barwick <Medical> Group"
    return {
        "reminder": messages.reminder(
            ods_code="A81034",
            practice_name=practice,
            period_label="2017/18 Q4",
            due_on=dt.date(2018, 4, 30),
            days_left=10,
            state="draft",
            missing=["Items sent by EPS", "NHS Wi-Fi for patients and staff"],
            link=f"{BASE}/practices/A81034/returns/2017-18-Q4",
        ),
        "ccg_report": messages.ccg_report(
            {
                "code": "00K",
                "name": "NHS Hartlepool and Stockton-on-Tees CCG",
                "as_at": AS_AT,
                "figures": FIGURES,
                "overdue": [{"ods_code": "A81034", "name": practice, "period_label": "2017/18 Q3", "days_overdue": 50}],
                "unreachable": [{"ods_code": "A81002", "name": "Queens Park", "error": "x@y.test: 550 no such user"}],
                "off_track": [{"ods_code": "A81608", "name": "Elm Tree Surgery", "maturity": 31.25}],
                "scores_label": "2017/18 Q3",
                "funding": messages.funding([{"outturn_pence": 123_456_00, "quarter": 3}], "2017/18"),
            },
            link=f"{BASE}/organisations/ccgs/00K",
            attachment_missing=True,
        ),
        "region_summary": messages.region_summary(
            {
                "code": "Y63",
                "name": "North East and Yorkshire",
                "as_at": AS_AT,
                "figures": FIGURES,
                "ccgs": [{"code": "00K", "name": "NHS Hartlepool and Stockton-on-Tees CCG", **FIGURES}],
                "escalated": [
                    {
                        "ods_code": "A81034",
                        "name": practice,
                        "ccg_code": "00K",
                        "period_label": "2017/18 Q3",
                        "days_overdue": 50,
                    }
                ],
            },
            link=f"{BASE}/organisations/regions/Y63",
        ),
        "national_summary": messages.national_summary(
            {
                "as_at": AS_AT,
                "figures": FIGURES,
                "regions": [{"code": "Y63", "name": "North East and Yorkshire", "escalated": 4, **FIGURES}],
            },
            link=f"{BASE}/organisations",
        ),
        "account_invitation": messages.account_invitation(
            name="Pat O'Brien <GP IT>",
            invited_by="admin@demo.paperless-tracker.test",
            link=f"{BASE}/set-password/abc123",
        ),
        "password_reset": messages.password_reset(link=f"{BASE}/set-password/def456"),
        "alert_digest": messages.alert_digest(
            level="ccg",
            code="00K",
            name="NHS Hartlepool and Stockton-on-Tees CCG",
            month="May 2018",
            first_period="2016/17 Q4",
            headline=_headline("ccg"),
            alerts=[
                _alert(Kind.INTO_WORST, "A81002", "Queens Park", 45, 8, 44, 6, threshold=11),
                _alert(Kind.OUT_OF_WORST, "A81027", "Yarm Medical Practice", 10, 22, 5, 30),
                _alert(Kind.IMPROVING, "A81034", practice, 35, 75, 33, 89),
                _alert(Kind.DECLINING, "A81608", "Elm Tree Surgery", 12, 14, 40, 15),
            ],
            link=f"{BASE}/dashboards/ccgs/00K",
            emails_link=f"{BASE}/account/emails",
        ),
    }


def _words(text: str) -> set[str]:
    text = re.sub(r"https?://\S+", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text)}


def _visible(html: str) -> str:
    body = html.split("<body", 1)[1]
    return unescape(re.sub(r"<[^>]+>", " ", body.split(">", 1)[1]))


# Table headings: the plain-text part says these things in its own sentence layout.
TABLE_WORDS = {"measure", "figure", "name", "region", "ccg"}


def test_every_kind_with_templates_is_rendered_here() -> None:
    assert sorted(emails()) == render.kinds()


@pytest.mark.parametrize("kind", sorted(emails()))
def test_each_kind_renders_subject_both_parts_and_absolute_links(kind: str) -> None:
    email = emails()[kind]
    subjects = {
        "reminder": "Return due in 10 days: 2017/18 Q4, A81034 Thornaby & Barwick <Medical> Group",
        "ccg_report": "Weekly status report: NHS Hartlepool and Stockton-on-Tees CCG (00K), 2017/18 Q4 (provisional)",
        "region_summary": "Weekly regional summary: North East and Yorkshire (Y63), 2017/18 Q4 (provisional)",
        "national_summary": "Monthly national summary: England, 2017/18 Q4 (provisional)",
        "alert_digest": "Monthly alerts: NHS Hartlepool and Stockton-on-Tees CCG (00K), May 2018",
        "account_invitation": "You have been invited to the Paperless Tracker",
        "password_reset": "Reset your Paperless Tracker password",
    }
    assert email.subject == subjects[kind]
    assert email.html.startswith("<!DOCTYPE html>") and email.html.rstrip().endswith("</html>")
    assert email.text.rstrip().endswith("The Paperless Tracker\nNHS England digital maturity programme")
    assert "\n\n\n" not in email.text and "{{" not in email.text + email.html
    # Every link is absolute and in both parts.
    assert email.links and all(link.startswith(BASE) for link in email.links)
    for link in email.links:
        assert f'href="{link}"' in email.html and link in email.text
    # Values from the database are escaped in the HTML part, never in the plain-text part.
    if "O'Brien" in email.text:
        assert "Pat O&#39;Brien &lt;GP IT&gt;" in email.html and "Dear Pat O'Brien <GP IT>," in email.text
    if "Thornaby" in email.text:
        assert "Thornaby &amp; Barwick &lt;Medical&gt; Group" in email.html and "<Medical>" not in email.html
        assert "Thornaby & Barwick <Medical> Group" in email.text
    # The same content: every word of one part is in the other (table headings apart).
    html_words, text_words = _words(_visible(email.html)), _words(email.text)
    assert html_words - text_words <= TABLE_WORDS, html_words - text_words
    assert text_words - html_words == set(), text_words - html_words


def test_the_figures_are_written_the_same_way_in_both_parts() -> None:
    for kind in ("ccg_report", "region_summary", "national_summary"):
        email = emails()[kind]
        for figure in ("12 of 39", "31%", "90%"):
            assert figure in email.text and figure in email.html, (kind, figure)
    digest = emails()["alert_digest"]
    line = "Maturity in 2017/18 Q3: 71.8 out of 100 for NHS Hartlepool and Stockton-on-Tees CCG, 76.5 for England"
    assert line in digest.text and line in digest.html


def test_the_digest_says_what_changed_in_plain_words() -> None:
    text = emails()["alert_digest"].text
    assert (
        "A81034 Thornaby & Barwick <Medical> Group: the share of patients registered for online services rose"
        " steadily from 35% in 2016/17 Q4 to 75% in 2017/18 Q3: from the 33rd to the 89th percentile of practices."
    ) in text
    # Its share rose, but less than everyone else's: said as it is.
    assert "rose from 12% in 2016/17 Q4 to 14% in 2017/18 Q3, less than across England" in text
    assert "8.0% in 2017/18 Q3, where the lowest tenth were below 11.0%" in text


def test_a_relative_link_is_refused() -> None:
    with pytest.raises(render.TemplateProblem, match="not absolute"):
        messages.reminder(
            ods_code="A81001",
            practice_name="The Densham Surgery",
            period_label="2017/18 Q4",
            due_on=dt.date(2018, 4, 30),
            days_left=3,
            state=None,
            missing=[],
            link="/practices/A81001/returns/2017-18-Q4",
        )

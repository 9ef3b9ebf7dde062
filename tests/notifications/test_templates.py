"""Every kind of email, rendered from its templates for demo-like values: subject, both parts,
links, escaping, and the same content in the HTML and plain-text parts."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from tracker.notifications import messages, render
from tracker.notifications.samples import BASE, emails


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
        "reminder": "Return due in 10 days: 2017/18 Q4, A81034 Thornaby & Barwick Medical Group",
        "ccg_report": "Weekly status report: NHS Hartlepool and Stockton-on-Tees CCG (00K), 2017/18 Q4 (provisional)",
        "region_summary": "Weekly regional summary: North East and Yorkshire (Y63), 2017/18 Q4 (provisional)",
        "national_summary": "Monthly national summary: England, 2017/18 Q4 (provisional)",
        "alert_digest": "Monthly alerts: NHS Hartlepool and Stockton-on-Tees CCG (00K), May 2018",
        "account_invitation": "You have been invited to the Paperless Tracker",
        "password_reset": "Reset your Paperless Tracker password",
        "return_returned": "Your 2017/18 Q4 return was returned by your CCG: A81034 Thornaby & Barwick Medical Group",
        "return_approved": "Your 2017/18 Q4 return was approved: A81034 Thornaby & Barwick Medical Group",
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
        assert "Pat O&#39;Brien" in email.html and "Dear Pat O'Brien," in email.text
    if "Thornaby" in email.text:
        assert "Thornaby &amp; Barwick Medical Group" in email.html and "Thornaby & Barwick" not in email.html
        assert "Thornaby & Barwick Medical Group" in email.text
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
        "A81034 Thornaby & Barwick Medical Group: the share of patients registered for online services rose"
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


def test_values_from_the_database_are_escaped_in_the_html_part_only() -> None:
    email = messages.account_invitation(name="Pat <b>O'Brien</b>", invited_by="a & b", link=f"{BASE}/set-password/x")
    assert "Pat &lt;b&gt;O&#39;Brien&lt;/b&gt;" in email.html and "a &amp; b has invited" in email.html
    assert "Dear Pat <b>O'Brien</b>," in email.text and "a & b has invited" in email.text

"""Leave links (pure): signed for one address and one report, refused when changed."""

from tracker.notifications import leaving

SECRET = "s" * 40


def test_a_token_names_its_address_and_report():
    token = leaving.token(SECRET, " Jo@Example.test ", "ccg_report")
    email, report = leaving.read_token(SECRET, token) or ("", None)
    assert email == "jo@example.test" and report is leaving.REPORTS["ccg_report"]


def test_a_changed_forged_or_foreign_token_is_refused():
    token = leaving.token(SECRET, "jo@example.test", "reminders")
    body, signature = token.split(".")
    other = leaving.token(SECRET, "someone@example.test", "reminders")
    assert leaving.read_token(SECRET, f"{other.split('.')[0]}.{signature}") is None
    assert leaving.read_token("another-secret", token) is None
    assert leaving.read_token(SECRET, body) is None
    assert leaving.read_token(SECRET, token + "x") is None
    assert leaving.read_token(SECRET, "!!!.???") is None
    assert leaving.read_token(SECRET, "a" * 2000) is None
    unknown = leaving.token(SECRET, "jo@example.test", "no_such_report")
    assert leaving.read_token(SECRET, unknown) is None


def test_links_are_made_for_reports_only():
    assert leaving.link("https://t.test/", SECRET, "a@b.test", "overdue_reminder").startswith(
        "https://t.test/reports/leave/"
    )
    assert leaving.link("https://t.test", SECRET, "a@b.test", "account_invitation") == ""
    assert leaving.report_of("practice_reminder") is leaving.report_of("overdue_reminder")


def test_each_report_kind_carries_the_leave_link_in_both_parts():
    import datetime as dt

    from tracker.notifications import messages

    link = leaving.link("https://t.test", SECRET, "a@b.test", "practice_reminder")
    email = messages.reminder(
        ods_code="A81001",
        practice_name="The Densham Surgery",
        period_label="2017/18 Q4",
        due_on=dt.date(2018, 4, 30),
        days_left=10,
        state=None,
        missing=[],
        link="https://t.test/practices/A81001",
        leave_link=link,
    )
    assert f"Stop getting reminders about your practice's return: {link}" in email.text
    assert f'href="{link}"' in email.html and link in email.links
    plain = messages.account_invitation(name="Jo", invited_by="Pat", link="https://t.test/set-password/x")
    assert "Stop getting" not in plain.text and "/reports/leave/" not in plain.html

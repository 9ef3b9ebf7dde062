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

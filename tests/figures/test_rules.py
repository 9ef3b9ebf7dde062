"""The rules users read are the rules the code applies: one definition each, quoted word for word
in the README and on the workbook's About sheet; the on-time and expected rules at their edges."""

import datetime as dt
import re

from tests.conftest import ROOT
from tracker.exports.about import MEASURES
from tracker.figures import rules

README = (ROOT / "README.md").read_text()


def _unwrapped(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_definition_is_in_the_readme_rules_section_word_for_word():
    section = README.split("## Rules: one definition for every figure", 1)[1].split("\n## ", 1)[0]
    for d in rules.DEFINITIONS:
        assert f"- **{d.name}**: {d.words}" in section, f"the README's rules section does not quote {d.name!r}"
    # Said once: no other section restates a definition in its own words.
    assert README.count("23:59:59 UK time") == 1


def test_the_about_sheet_quotes_the_same_words():
    about = dict(MEASURES)
    for name in (
        "Expected",
        "Received",
        "On time",
        "Completeness",
        "Timeliness",
        "Maturity",
        "Forecast",
        "Provisional",
    ):
        assert _unwrapped(about[name]) == _unwrapped(rules.definition(name))


def test_on_time_is_by_the_end_of_the_due_date_in_the_uk():
    due = dt.date(2018, 4, 30)  # British Summer Time: UTC+1
    assert rules.on_time(dt.datetime(2018, 4, 30, 22, 59, 59, tzinfo=dt.UTC), due)
    assert not rules.on_time(dt.datetime(2018, 4, 30, 23, 0, 0, tzinfo=dt.UTC), due)
    winter = dt.date(2018, 1, 31)  # Greenwich Mean Time: UTC
    assert rules.on_time(dt.datetime(2018, 1, 31, 23, 59, 59, tzinfo=dt.UTC), winter)
    assert not rules.on_time(dt.datetime(2018, 2, 1, 0, 0, 0, tzinfo=dt.UTC), winter)
    assert not rules.on_time(None, due)


def test_the_date_a_return_was_sent_is_read_in_the_uk_as_on_time_is():
    """The workbook's "submitted" date beside its on-time flag: a return sent at 23:30 UTC on its
    due date in summer was sent on the next day in the UK, and late; it must not read as sent on
    the due date."""
    due = dt.date(2018, 4, 30)
    sent = dt.datetime(2018, 4, 30, 23, 30, tzinfo=dt.UTC)
    assert not rules.on_time(sent, due) and rules.uk_date(sent) == dt.date(2018, 5, 1)
    assert rules.uk_date(sent.replace(tzinfo=None)) == dt.date(2018, 5, 1)  # stored naive: UTC
    assert rules.uk_date(dt.datetime(2018, 1, 31, 23, 30, tzinfo=dt.UTC)) == dt.date(2018, 1, 31)  # GMT


def test_expected_when_open_on_any_day_of_the_period():
    start, end = dt.date(2015, 4, 1), dt.date(2015, 6, 30)
    assert rules.open_during(None, None, start, end)
    assert rules.open_during(dt.date(2015, 6, 30), None, start, end)  # opened on the last day
    assert not rules.open_during(dt.date(2015, 7, 1), None, start, end)
    assert rules.open_during(None, dt.date(2015, 4, 1), start, end)  # closed on the first day
    assert not rules.open_during(None, dt.date(2015, 3, 31), start, end)
    # It counts under the organisation of its last open day.
    assert rules.last_open_day(dt.date(2015, 5, 10), start, end) == dt.date(2015, 5, 10)
    assert rules.last_open_day(None, start, end) == end


def test_a_period_is_provisional_until_it_locks():
    locks = dt.date(2018, 5, 30)
    assert rules.provisional(locks, dt.date(2018, 5, 30))
    assert not rules.provisional(locks, dt.date(2018, 5, 31))

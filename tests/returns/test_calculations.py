"""Unit tests of the pure rules: values, warnings, lifecycle, period codes, presenters, workbook."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.returns import workbooks
from tracker.indicators.catalogue import load_catalogue
from tracker.returns import calculations as calc
from tracker.returns import presenters, xlsx
from tracker.returns.calculations import Entry, Window

SPECS = {s.code: s for s in load_catalogue()}
PCT, YN = SPECS["PO_REG_PCT"], SPECS["WIFI_LIVE"]
Q4 = Window(dt.date(2018, 4, 1), dt.date(2018, 4, 30), dt.date(2018, 5, 30))


def check(spec, **raw):
    out = calc.Checked()
    return calc.check_indicator(spec, raw, out), out.errors


def test_period_codes_round_trip():
    assert calc.url_code("2017/18-Q4") == "2017-18-Q4"
    assert calc.period_code_from_url("2017-18-Q4") == "2017/18-Q4"
    assert calc.period_code_from_url("2017/18-Q4") is None
    assert calc.period_code_from_url("2017-18-Q5") is None


def test_percentage_from_numerator_and_denominator():
    entry, errors = check(PCT, numerator="1279", denominator="4100")
    assert errors == {} and entry.value == 31.2 and entry.numerator == 1279
    entry, errors = check(PCT, value="31", numerator="1279", denominator="4100")
    assert errors == {} and entry.value == 31.2  # within half a point: the computed value wins
    _, errors = check(PCT, value="50", numerator="1279", denominator="4100")
    assert "does not match" in errors["PO_REG_PCT"]


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"value": "abc"}, "PO_REG_PCT", "as a number"),
        ({"value": "-1"}, "PO_REG_PCT", "between 0 and 100"),
        ({"value": "100.1"}, "PO_REG_PCT", "between 0 and 100"),
        ({"value": "nan"}, "PO_REG_PCT", "as a number"),
        ({"numerator": "5"}, "PO_REG_PCT-denominator", "as well as the numerator"),
        ({"denominator": "5"}, "PO_REG_PCT-numerator", "as well as the denominator"),
        ({"numerator": "6", "denominator": "5"}, "PO_REG_PCT-numerator", "must not be more than"),
        ({"numerator": "1.5", "denominator": "5"}, "PO_REG_PCT-numerator", "whole number"),
        ({"numerator": "1", "denominator": "-5"}, "PO_REG_PCT-denominator", "whole number"),
        ({"numerator": "0", "denominator": "0"}, "PO_REG_PCT-denominator", "more than 0"),
        ({"value": "5", "comment": "x" * 1001}, "PO_REG_PCT-comment", "1,000 characters"),
    ],
)
def test_percentage_errors(raw, field, message):
    _, errors = check(PCT, **raw)
    assert message in errors[field]


def test_yes_no():
    assert check(YN, value="yes")[0].value == 1.0
    assert check(YN, value="No")[0].value == 0.0
    assert check(YN, value="")[0].value is None
    assert "Select yes or no" in check(YN, value="perhaps")[1]["WIFI_LIVE"]


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_any_percentage_in_range_is_accepted(value):
    # Typed in full, as a person types it: an exponent (1e-05) is refused on purpose (issue 13).
    entry, errors = check(PCT, value=format(Decimal(repr(value)), "f"))
    assert errors == {} and entry.value == pytest.approx(value)


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_numerator_denominator_never_crash(n, d):
    entry, errors = check(PCT, numerator=str(n), denominator=str(d))
    if n > d:
        assert "PO_REG_PCT-numerator" in errors
    else:
        assert errors == {} and 0 <= entry.value <= 100


def test_warnings_and_submission_needs_comment():
    assert calc.warning_for(PCT, 60, 97) is not None
    assert calc.warning_for(PCT, 77, 97) is None  # exactly 20 points is not more than 20
    assert calc.warning_for(PCT, 76.9, 97) is not None
    assert calc.warning_for(YN, 0, 1) is not None and calc.warning_for(YN, 1, 0) is None
    raw = {"PO_REG_PCT": {"value": "10"}}
    checked = calc.check_return([PCT], raw, {"PO_REG_PCT": 50.0}, submitting=True)
    assert "explain why in the comment" in checked.errors["PO_REG_PCT-comment"]
    raw["PO_REG_PCT"]["comment"] = "List cleaned"
    assert calc.check_return([PCT], raw, {"PO_REG_PCT": 50.0}, submitting=True).errors == {}
    assert (
        calc.check_return([PCT], {"PO_REG_PCT": {"value": "10"}}, {"PO_REG_PCT": 50.0}, submitting=False).errors == {}
    )


def test_lifecycle_rules():
    assert calc.practice_may_edit(None, Q4, dt.date(2018, 4, 20), None) is None
    assert calc.practice_may_edit("returned", Q4, dt.date(2018, 4, 20), None) is None
    assert "opens" in calc.practice_may_edit(None, Q4, dt.date(2018, 3, 31), None)
    assert "waiting" in calc.practice_may_edit("submitted", Q4, dt.date(2018, 4, 20), None)
    assert "approved" in calc.practice_may_edit("approved", Q4, dt.date(2018, 4, 20), None)
    assert calc.practice_may_edit("draft", Q4, dt.date(2018, 5, 30), None) is None  # the lock date itself is open
    assert "locked" in calc.practice_may_edit("draft", Q4, dt.date(2018, 5, 31), None)
    assert calc.practice_may_edit("draft", Q4, dt.date(2018, 5, 31), dt.date(2018, 6, 5)) is None
    assert "locked" in calc.practice_may_edit("draft", Q4, dt.date(2018, 6, 6), dt.date(2018, 6, 5))
    assert calc.may_approve("submitted") is None and calc.may_approve("draft")
    assert "locked" in calc.may_return("submitted", Q4, dt.date(2018, 6, 1), None)
    # On time means by 23:59:59 UK time on the due date: in British Summer Time that is 22:59:59 UTC.
    assert calc.on_time(dt.datetime(2018, 4, 30, 22, 59, 59, tzinfo=dt.UTC), Q4.due_on)
    assert not calc.on_time(dt.datetime(2018, 4, 30, 23, 0, tzinfo=dt.UTC), Q4.due_on)
    assert not calc.on_time(dt.datetime(2018, 5, 1, 0, 1, tzinfo=dt.UTC), Q4.due_on)
    assert not calc.on_time(None, Q4.due_on)


def test_presenters():
    assert presenters.state_tag("returned") == {"text": "Returned to practice", "classes": "nhsuk-tag--red"}
    assert presenters.format_value(PCT, Entry(31.2, 1279, 4100)) == "31.2% (1,279 of 4,100)"
    assert presenters.format_value(YN, Entry(0.0)) == "No"
    assert presenters.target_text(PCT, dt.date(2018, 4, 20)) == "10% by 31 March 2017"
    assert presenters.target_text(SPECS["IGT_L2"], dt.date(2018, 4, 20)).startswith("Yes every 31 March")
    rows = presenters.conflict_rows([PCT], {"PO_REG_PCT": Entry(25.0)}, {"PO_REG_PCT": Entry(31.5)})
    assert rows == [{"name": PCT.name, "saved": "25%", "typed": "31.5%"}]


def test_workbook_round_trip_reads_what_it_wrote():
    data = workbooks.good(["A81001", "A81002"])
    upload = xlsx.read_workbook(data, "r.xlsx", max_bytes=5_000_000, max_rows=2)
    assert upload.ccg_code == "00K" and upload.period_code == "2017/18-Q4"
    assert [r[1] for r in upload.rows] == ["A81001", "A81002"]
    assert upload.rows[0][2]["PO_REG_PCT"] == 24.0 and upload.rows[0][2]["WIFI_LIVE"] == "Yes"
    wb = load_workbook(io.BytesIO(data))
    assert wb[xlsx.META_SHEET].sheet_state == "hidden"


@pytest.mark.parametrize("case", workbooks.hostile_corpus()[:14], ids=lambda c: c[0])
def test_archive_level_refusals(case):
    _, name, data, _, message = case
    with pytest.raises(xlsx.WorkbookError) as error:
        xlsx.read_workbook(data, name, max_bytes=5_000_000, max_rows=2)
    assert message in str(error.value)

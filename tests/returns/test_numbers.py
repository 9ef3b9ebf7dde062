"""The one number parser, table-driven: the same inputs through the form, the workbook and the
API give the same value or the same refusal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from openpyxl import Workbook

from tests.returns import workbooks
from tracker.returns import calculations as calc
from tracker.returns import numbers, xlsx
from tracker.returns.upload_checks import check_upload

SPECS = workbooks.SPECS
CODE = "PO_REG_PCT"  # a percentage: column C of the workbook
DECIMAL = "Use a full stop for decimals, for example 9.5"
DIGITS = "digits 0 to 9"
RANGE = "must be between 0 and 100"
NOT_A_NUMBER = "as a number"

# (what is typed, the value stored, or the words of the refusal)
CASES: list[tuple[str, float | str | None]] = [
    ("12", 12.0),
    ("12.5", 12.5),
    (" 12.5 ", 12.5),
    ("12%", 12.0),
    ("12.5 %", 12.5),
    ("50 %", 50.0),
    ("0", 0.0),
    ("100", 100.0),
    ("100.0", 100.0),
    (".5", 0.5),
    ("5.", 5.0),
    ("007", 7.0),
    ("99.99", 99.99),
    ("12.3456789", 12.3456789),
    ("", None),
    ("   ", None),
    ("9,5", DECIMAL),
    ("12,75", DECIMAL),
    ("1,5%", DECIMAL),
    ("1,000", "without commas"),
    ("1,000.5", RANGE),
    ("５５", DIGITS),
    ("٥٥", DIGITS),
    ("۵", DIGITS),
    ("१२", DIGITS),
    ("𝟓", DIGITS),
    ("1_0", "underscores"),
    ("1e1", "exponent"),
    ("1E2", "exponent"),
    ("2.5e-1", "exponent"),
    ("inf", NOT_A_NUMBER),
    ("-inf", NOT_A_NUMBER),
    ("nan", NOT_A_NUMBER),
    ("Infinity", NOT_A_NUMBER),
    ("-5", RANGE),
    ("100.1", RANGE),
    ("101%", RANGE),
    ("abc", NOT_A_NUMBER),
    ("12 345", "spaces"),
    ("0x1A", NOT_A_NUMBER),
    ("1/2", NOT_A_NUMBER),
    ("12%%", NOT_A_NUMBER),
    ("+5", NOT_A_NUMBER),
    ("½", NOT_A_NUMBER),
    ("9" * 500, NOT_A_NUMBER),
]


@dataclass
class Read:
    value: float | None = None
    error: str = ""


def _from_checked(checked: calc.Checked) -> Read:
    if checked.errors:
        return Read(error=" | ".join(checked.errors.values()))
    return Read(checked.entries[CODE].value)


def through_form(typed: object) -> Read:
    form = {CODE: typed if isinstance(typed, str) else str(typed)}
    return _from_checked(calc.check_return(SPECS, calc.raw_from_form(SPECS, form), {}, submitting=False))


@dataclass
class ValueIn:
    indicator: str
    value: object
    numerator: int | None = None
    denominator: int | None = None
    comment: str = ""


def through_api(sent: object) -> Read:
    raw, _ = calc.raw_from_api([ValueIn(CODE, sent)])
    return _from_checked(calc.check_return(SPECS, raw, {}, submitting=False))


def through_workbook(cell_value: object, number_format: str | None = None) -> Read:
    def change(wb: Workbook) -> None:
        cell = wb[xlsx.DATA_SHEET]["C2"]
        cell.value = cell_value
        if number_format:
            cell.number_format = number_format

    data = workbooks.edit(workbooks.good(["A81001"], values={}), change)
    try:
        upload = xlsx.read_workbook(data, "r.xlsx", max_bytes=5_000_000, max_rows=5)
    except xlsx.WorkbookError as exc:
        return Read(error=str(exc))
    checked = check_upload(
        upload,
        ccg_code="00K",
        period_code="2017/18-Q4",
        specs=SPECS,
        practices={"A81001": "Surgery"},
        current={},
        previous={},
        states={},
        submit=False,
    )
    if checked.errors:
        return Read(error=" | ".join(checked.errors))
    merged = checked.merged.get("A81001", {})
    return Read(merged[CODE].value if CODE in merged else None)


def _expect(read: Read, expected: float | str | None, channel: str) -> None:
    if isinstance(expected, str):
        assert expected in read.error, (channel, read)
    else:
        assert read.error == "", (channel, read)
        assert read.value == (pytest.approx(expected) if expected is not None else None), (channel, read)


@pytest.mark.parametrize(("typed", "expected"), CASES)
def test_the_same_input_reads_the_same_on_every_way_in(typed, expected):
    _expect(through_form(typed), expected, "form")
    _expect(through_api(typed), expected, "api")
    _expect(through_workbook(typed), expected, "workbook")


@pytest.mark.parametrize(
    ("cell", "fmt", "expected"),
    [
        (0.12, "0%", 12.0),
        (0.095, "0.0%", 9.5),
        (1, "0%", 100.0),
        (0.067, "0.0%", 6.7),
        (1.5, "0%", RANGE),
        (12, "General", 12.0),
        (12.5, "0.0", 12.5),
        (True, None, "not true or false"),
    ],
)
def test_spreadsheet_numbers_are_read_as_shown(cell, fmt, expected):
    _expect(through_workbook(cell, fmt), expected, "workbook")


@pytest.mark.parametrize(("sent", "expected"), [(12, 12.0), (12.5, 12.5), (True, "not true or false"), (None, None)])
def test_json_numbers_are_taken_as_they_are(sent, expected):
    _expect(through_api(sent), expected, "api")


def test_whole_numbers_allow_thousands_separators_only_where_unambiguous():
    assert numbers.parse("1,000", whole=True) == 1000
    assert numbers.parse("12,345,678", whole=True) == 12_345_678
    for text in ("1,00", "10,5", "1.5"):
        with pytest.raises(numbers.NumberError):
            numbers.parse(text, whole=True)


def test_at_least_forty_inputs_are_covered():
    assert len(CASES) >= 40


def test_a_big_fall_uploaded_for_submission_needs_a_comment():
    def change(wb: Workbook) -> None:
        wb[xlsx.DATA_SHEET]["C2"] = 0.12
        wb[xlsx.DATA_SHEET]["C2"].number_format = "0%"

    data = workbooks.edit(workbooks.good(["A81001"]), change)
    upload = xlsx.read_workbook(data, "r.xlsx", max_bytes=5_000_000, max_rows=5)
    common = {
        "ccg_code": "00K",
        "period_code": "2017/18-Q4",
        "specs": SPECS,
        "practices": {"A81001": "Surgery"},
        "current": {},
        "previous": {"A81001": {CODE: 67.0}},
        "states": {},
    }
    drafts = check_upload(upload, **common, submit=False)
    assert drafts.errors == [] and any("fell from 67% last period to 12%" in w for w in drafts.warnings)
    submitted = check_upload(upload, **common, submit=True)
    assert any("needs a comment" in e for e in submitted.errors)

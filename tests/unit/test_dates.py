"""The one parser of typed dates (day, month and year boxes) and the macro that shows them."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.web.dates import DateError, parse_date_parts, read_date, typed_parts
from tracker.web.forms import FormErrors
from tracker.web.templating import build_environment


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("1", "4", "2018", dt.date(2018, 4, 1)),
        ("01", "04", "2018", dt.date(2018, 4, 1)),
        (" 31 ", " 3 ", " 2019 ", dt.date(2019, 3, 31)),
        ("29", "2", "2016", dt.date(2016, 2, 29)),
        ("5", "Feb", "2018", dt.date(2018, 2, 5)),
        ("5", "september", "2018", dt.date(2018, 9, 5)),
    ],
)
def test_real_dates(day: str, month: str, year: str, expected: dt.date) -> None:
    assert parse_date_parts(day, month, year) == expected


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "parts"),
    [
        ("", "", "", "Enter the date", ("day", "month", "year")),
        ("  ", "", " ", "Enter the date", ("day", "month", "year")),
        ("", "4", "2018", "Enter the day", ("day",)),
        ("1", "", "2018", "Enter the month", ("month",)),
        ("1", "4", "", "Enter the year", ("year",)),
        ("", "", "2018", "Enter the day and month", ("day", "month")),
        ("31", "2", "2018", "Date must be a real date", ("day",)),
        ("29", "2", "2017", "Date must be a real date", ("day",)),
        ("0", "3", "2018", "Date must be a real date", ("day",)),
        ("1", "13", "2018", "Date must be a real date", ("month",)),
        ("1", "0", "2018", "Date must be a real date", ("month",)),
        ("first", "4", "2018", "Date must be a real date", ("day",)),
        ("1", "4th", "2018", "Date must be a real date", ("month",)),
        ("1", "4", "20x8", "Date must be a real date", ("year",)),
        ("-1", "4", "2018", "Date must be a real date", ("day",)),
        ("١", "4", "2018", "Date must be a real date", ("day",)),  # digits of other scripts are not ours
        ("1", "4", "18", "Year must include 4 numbers", ("year",)),
        ("1", "4", "02018", "Year must include 4 numbers", ("year",)),
        ("1", "4", "0000", "Date must be a real date", ("year",)),
    ],
)
def test_errors_in_nhs_wording_name_the_wrong_boxes(
    day: str, month: str, year: str, message: str, parts: tuple[str, ...]
) -> None:
    assert parse_date_parts(day, month, year) == DateError(message, parts)


def test_the_label_names_the_date() -> None:
    assert parse_date_parts("", "", "", label="Date of the award") == DateError(
        "Enter the date of the award", ("day", "month", "year")
    )
    assert parse_date_parts("30", "2", "2018", label="Date of the award").message == (
        "Date of the award must be a real date"
    )


def test_read_date_keys_the_error_by_the_first_wrong_box() -> None:
    form = {"until-day": "31", "until-month": "2", "until-year": "2018"}
    errors = FormErrors()
    assert read_date(form, "until", errors) is None
    assert errors.summary == [{"text": "Date must be a real date", "href": "#until-day"}]
    assert errors.date("until") == {"text": "Date must be a real date", "parts": ("day",)}
    assert typed_parts(form, "until") == {"day": "31", "month": "2", "year": "2018"}
    missing_month = FormErrors()
    read_date({"until-day": "1", "until-year": "2018"}, "until", missing_month)
    assert missing_month.summary[0]["href"] == "#until-month"
    assert read_date({"until-day": "1", "until-month": "5", "until-year": "2018"}, "until", FormErrors()) == dt.date(
        2018, 5, 1
    )


def test_macro_keeps_what_was_typed_and_marks_the_wrong_box() -> None:
    env = build_environment()
    template = env.from_string(
        '{% from "macros/date_input.html" import date_field %}{{ date_field("until", "Last day", form, errors) }}'
    )
    errors = FormErrors()
    form = {"until-day": "31", "until-month": "2", "until-year": "2018"}
    read_date(form, "until", errors)
    html = template.render(form=form, errors=errors)
    assert 'id="until-day"' in html and 'name="until-day"' in html and 'value="31"' in html
    assert 'name="until-month"' in html and 'value="2"' in html and 'value="2018"' in html
    assert "Date must be a real date" in html and "nhsuk-form-group--error" in html
    assert html.count("nhsuk-input--error") == 1  # the day only
    assert "<legend" in html and "Last day" in html
    clean = template.render(form={}, errors=FormErrors())
    assert "nhsuk-input--error" not in clean and "nhsuk-form-group--error" not in clean

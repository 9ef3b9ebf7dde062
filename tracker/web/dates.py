"""Dates typed into the NHS.UK date input (day, month and year boxes): one parser for every form.

The wording follows the NHS.UK design system's date input: "Enter the date ...", "Enter the
month", "Date must be a real date", "Year must include 4 numbers". A field that is wrong names
which boxes to mark in red, so the page highlights them and the error summary links to the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from tracker.web.forms import FormErrors

PARTS = ("day", "month", "year")
MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class DateError:
    """Why the typed date is not a date, and which of the three boxes are wrong."""

    message: str
    parts: tuple[str, ...]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def parse_date_parts(day: str, month: str, year: str, *, label: str = "Date") -> dt.date | DateError:
    """The date typed in the three boxes, or the error to show beside them.

    `label` names the date in messages ("Date of the award" -> "Enter the date of the award",
    "Date of the award must be a real date"). Spaces are ignored; a month may be written as a
    name ("Feb", "february") as people do.
    """
    typed = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = tuple(p for p in PARTS if not typed[p])
    if len(missing) == 3:
        return DateError(f"Enter the {_lower_first(label)}", PARTS)
    if missing:
        return DateError("Enter the " + " and ".join(missing), missing)
    month_text = typed["month"].lower()
    if month_text in MONTH_NAMES:
        typed["month"] = str(MONTH_NAMES[month_text])
    wrong = tuple(p for p in PARTS if not (typed[p].isascii() and typed[p].isdigit()))
    if wrong:
        return DateError(f"{label} must be a real date", wrong)
    if len(typed["year"]) != 4:
        return DateError("Year must include 4 numbers", ("year",))
    d, m, y = int(typed["day"]), int(typed["month"]), int(typed["year"])
    if not 1 <= m <= 12:
        return DateError(f"{label} must be a real date", ("month",))
    if y < 1:
        return DateError(f"{label} must be a real date", ("year",))
    try:
        return dt.date(y, m, d)
    except ValueError:  # a day the month does not have: 31 February, 0 March
        return DateError(f"{label} must be a real date", ("day",))


def typed_parts(form: Mapping[str, str], name: str) -> dict[str, str]:
    """What was typed in the boxes of the date called `name` (fields `name-day`, `name-month`,
    `name-year`), kept to show again."""
    return {p: form.get(f"{name}-{p}", "")[:20] for p in PARTS}


def read_date(form: Mapping[str, str], name: str, errors: FormErrors, *, label: str = "Date") -> dt.date | None:
    """The date of the field `name`, or None with its error added to `errors` (keyed by the first
    wrong box, which the error summary links to)."""
    typed = typed_parts(form, name)
    result = parse_date_parts(typed["day"], typed["month"], typed["year"], label=label)
    if isinstance(result, DateError):
        errors.add_date(name, result.message, result.parts)
        return None
    return result


def date_values(day: dt.date | None) -> dict[str, str]:
    """A date as the three boxes show it (no leading zeros, as people type)."""
    if day is None:
        return dict.fromkeys(PARTS, "")
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def form_with_date(form: dict[str, str], name: str, day: dt.date | None) -> dict[str, str]:
    """A form's values with a date's three boxes filled, for a page's first showing."""
    return {**form, **{f"{name}-{p}": v for p, v in date_values(day).items()}}

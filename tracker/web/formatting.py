"""Formatting shared by presenters and templates: numbers, money, dates, the way NHS pages write them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tracker.web import wording


def number(value: float | int | None, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{places}f}"


def percent(value: float | None, places: int = 0) -> str:
    """A value already on the 0-100 scale."""
    if value is None:
        return "–"
    return f"{value:.{places}f}%"


def score(value: float | None) -> str:
    """A maturity score, out of 100, written the same way on every page, workbook and email."""
    return "–" if value is None else f"{value:.1f}"


def pounds(pence: int | None) -> str:
    if pence is None:
        return "–"
    sign = "-" if pence < 0 else ""
    whole, rem = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}" if rem == 0 else f"{sign}£{whole:,}.{rem:02d}"


def long_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "–"
    return f"{value.day} {value:%B %Y}"


def date_time(value: dt.datetime | None) -> str:
    if value is None:
        return "–"
    return f"{value.day} {value:%B %Y at %H:%M}"


FILTERS: dict[str, Callable[..., Any]] = {
    "lower_first": wording.lower_first,
    "upper_first": wording.upper_first,
    "plural": wording.plural,
    "number": number,
    "percent": percent,
    "pounds": pounds,
    "long_date": long_date,
    "date_time": date_time,
}

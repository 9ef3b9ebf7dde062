"""Reading a number the way the person meant it, whether typed on the form, sent to the API or
found in a spreadsheet cell. Pure: one parser for every way in, so a value never changes on its
way to the database.

- A spreadsheet cell formatted as a percentage holds a fraction: 0.12 shown as 12% is 12.
- `12%` typed as text is 12 (percentages only).
- A decimal comma (`9,5`) is refused with a message, never read as 95 or as 9.5: the tracker
  cannot know which was meant, and a wrong value is worse than a question.
- A thousands separator is accepted only where it cannot be a decimal comma: in whole-number
  fields (`1,000` people) and in properly grouped numbers with a decimal point (`1,000.5`).
- Digits other than ASCII 0-9 (full-width, Arabic-Indic ...), underscores, exponents,
  infinities and NaN are refused: Python's float() accepts them all, people do not mean them.
"""

from __future__ import annotations

import math
import re
import unicodedata

MAX_CHARS = 400  # far past any real number; bounds the work on hostile input
DECIMAL_COMMA = "Use a full stop for decimals, for example 9.5"
PLAIN = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
WHOLE_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+$")


class NumberError(ValueError):
    """The input is not a number as the tracker reads numbers; the message says what to do."""


def parse(raw: object, *, whole: bool = False, percent: bool = False, percent_format: bool = False) -> float | None:
    """The number `raw` stands for, or None when it is empty.

    `whole`: only whole numbers (counts); `percent`: a trailing % sign is allowed;
    `percent_format`: `raw` is a spreadsheet number shown with a % format (a fraction).
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NumberError("Enter a number, not true or false")
    if isinstance(raw, int | float):
        value = float(raw)
        if not math.isfinite(value):
            raise NumberError("Enter a number, like 45 or 45.5")
        if percent_format:
            # 0.12 * 100 is 12.000000000000002 in binary: keep what the person saw.
            value = round(value * 100, 9)
        return _checked_whole(value) if whole else value
    return _parse_text(str(raw), whole=whole, percent=percent)


def _parse_text(raw: str, *, whole: bool, percent: bool) -> float | None:
    text = raw.strip()
    if not text:
        return None
    if len(text) > MAX_CHARS:
        raise NumberError("Enter a number, like 45 or 45.5")
    if percent and text.endswith("%"):
        text = text[:-1].rstrip()
    for char in text:
        if char.isdigit() and char not in "0123456789":
            raise NumberError("Type the number with the digits 0 to 9")
        if unicodedata.category(char) == "Nd" and char not in "0123456789":
            raise NumberError("Type the number with the digits 0 to 9")
    if "_" in text:
        raise NumberError("Remove the underscores from the number")
    if re.search(r"\d\s+\d", text):
        raise NumberError("Remove the spaces from the number")
    if re.fullmatch(r"-?[\d.,]*\d[\d.,]*[eE][+-]?\d+", text):
        raise NumberError("Type the number in full, without an exponent (e)")
    if PLAIN.match(text):
        value = float(text)
    elif "," in text:
        value = _with_commas(text, whole)
    else:
        raise NumberError("Enter a number, like 45 or 45.5")
    return _checked_whole(value) if whole else value


def _with_commas(text: str, whole: bool) -> float:
    if whole and WHOLE_GROUPED.match(text):
        return float(text.replace(",", ""))
    if not whole and GROUPED.match(text) and "." in text:
        return float(text.replace(",", ""))
    if GROUPED.match(text):
        # `1,000` in a field that takes decimals: one thousand, or one with a decimal comma?
        raise NumberError(f"Type the number without commas, or {DECIMAL_COMMA[0].lower()}{DECIMAL_COMMA[1:]}")
    if re.fullmatch(r"-?\d+,\d+", text):
        raise NumberError(DECIMAL_COMMA)
    raise NumberError("Enter a number, like 45 or 45.5")


def _checked_whole(value: float) -> float:
    if not value.is_integer():
        raise NumberError("Enter a whole number, like 12")
    return value

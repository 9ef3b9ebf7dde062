"""Writing one Sheet as CSV (UTF-8 with a byte-order mark, so Excel reads the £ signs). No database.

Values are plain: percentages as numbers 0-100 (the header says "(%)"), money as pounds with two
decimals, yes/no in words, dates as YYYY-MM-DD. Text people typed that a spreadsheet would run as a
formula (starting with = + - @) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from tracker.exports.calculations import csv_safe, safe_text
from tracker.exports.layout import Sheet, Typed

MIME = "text/csv; charset=utf-8"


def cell_text(value: Any, kind: str) -> str:
    if isinstance(value, Typed):
        return cell_text(value.value, value.kind)
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_safe(safe_text(value))
    if kind == "pct":
        return f"{round(value * 100, 2):g}" if isinstance(value, int | float) else str(value)
    if kind == "yesno":
        return "Yes" if value else "No"
    if kind in ("pounds", "pounds_pp"):
        return f"{value / 100:.2f}"
    if kind == "num":
        return f"{round(value, 2):g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write(sheet: Sheet) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in sheet.columns])
    kinds = [c.kind for c in sheet.columns]
    for row in sheet.rows:
        writer.writerow([cell_text(v, k) for v, k in zip(row, kinds, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

"""Reading a bulk upload of awards to practices (CSV or Excel) into rows of strings. No database.

Columns (header row, any order, case-blind): practice_code, award_date, amount, stream, purpose,
indicators. Amount is in pounds (e.g. 12500 or £12,500.00); award_date is YYYY-MM-DD or
DD/MM/YYYY; indicators are codes separated by ';' or spaces.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from tracker.spreadsheets import reader

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
MAX_UNZIPPED = 50 * 1024 * 1024
COLUMNS = ("practice_code", "award_date", "amount", "stream", "purpose", "indicators")
REQUIRED = ("practice_code", "award_date", "amount", "stream")


class UploadRefused(ValueError):
    """The file as a whole cannot be read; the message says why."""


@dataclass(frozen=True)
class UploadRow:
    number: int  # the row number in the file as a spreadsheet shows it (header is row 1)
    values: dict[str, str]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadRefused("The CSV file is not UTF-8 text: save it as 'CSV UTF-8' and try again") from exc
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:  # a field over the csv module's limit, a quote left open, a stray NUL
        raise UploadRefused(f"The CSV file cannot be read: {exc}. Check it is the awards template") from None


LIMITS = reader.Limits(
    what="an awards file",
    start_from="save the awards as an Excel Workbook (.xlsx) or as CSV UTF-8 and upload that",
    not_excel="The file is not a readable Excel (.xlsx) file",
    max_bytes=MAX_BYTES,
    max_uncompressed=MAX_UNZIPPED,
    max_rows_scanned=MAX_ROWS + 1_000,
)


def _rows_from_xlsx(data: bytes, filename: str) -> list[list[str]]:
    try:
        book = reader.open_workbook(data, filename, LIMITS)
    except reader.SpreadsheetError as exc:
        raise UploadRefused(str(exc)) from None
    try:
        sheet = book.worksheets[0]
        out = []
        for number, cells in reader.rows(sheet, LIMITS):
            if number > MAX_ROWS + 1 and any(c.value is not None for c in cells):
                raise UploadRefused(f"The file has more than {MAX_ROWS:,} rows: split it")
            out.append([_cell(c.value) for c in cells])
        return out
    except reader.SpreadsheetError as exc:
        raise UploadRefused(str(exc)) from None
    finally:
        book.close()


def parse_upload(filename: str, data: bytes) -> list[UploadRow]:
    """The file's data rows keyed by column name. Refuses the file as a whole when unreadable."""
    if not data:
        raise UploadRefused("The file is empty")
    if len(data) > MAX_BYTES:
        raise UploadRefused("The file is larger than 2 MB: split it")
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _rows_from_xlsx(data, filename)
    elif name.endswith(".csv"):
        raw = _rows_from_csv(data)
    else:
        raise UploadRefused("Upload a .csv or .xlsx file")
    raw = [r for r in raw if any(c for c in r)]
    if not raw:
        raise UploadRefused("The file has no rows")
    header = [c.strip().lower().replace(" ", "_") for c in raw[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UploadRefused(
            "The header row is missing: " + ", ".join(missing) + " (expected " + ", ".join(COLUMNS) + ")"
        )
    if len(raw) - 1 > MAX_ROWS:
        raise UploadRefused(f"The file has more than {MAX_ROWS:,} rows: split it")
    if len(raw) == 1:
        raise UploadRefused("The file has a header row but no awards")
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        padded = values + [""] * (len(header) - len(values))
        rows.append(UploadRow(number, {h: padded[i] for i, h in enumerate(header) if h in COLUMNS}))
    return rows


def parse_date(text: str) -> dt.date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("Enter the date as YYYY-MM-DD or DD/MM/YYYY")


def split_codes(text: str) -> list[str]:
    return [c for c in text.replace(",", ";").replace(" ", ";").upper().split(";") if c]

"""Reading the national feeds exactly as published. No database.

Every reader returns a `FeedFile`: the raw field values per practice and month, the CCG each
record names, and notes on records it could not use; or raises `FileRefused` naming the first bad
line, so that an import is validated whole before anything is written.

- POMI, long layout (2017 onwards; a zip holding one CSV, or the CSV): one row per practice,
  month and field.
- POMI, wide layout (2015): one row per practice and month.
- NHS Choices GP export: Windows-1252, fields separated by `¬`, no date inside (given by the caller).
- GP2GP requestor transfers: one row per practice and month `05`-`08`; the year is not in the file.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tracker.organisations.files import FileRefused, _rows

MAX_UNZIPPED_BYTES = 250_000_000  # POMI's six months are 97 MB; a bomb is refused before reading
MAX_ROWS = 3_000_000
PROGRESS_EVERY = 100_000
PRACTICE_CODE = re.compile(r"^[A-Z]\d{5}$")
EXAMPLES = 10

POMI_LONG_HEADER = (
    "report_period_end",
    "region_code",
    "region_name",
    "subregion_code",
    "subregion_name",
    "ccg_code",
    "ccg_name",
    "practice_code",
    "practice_name",
    "system_supplier",
    "field",
    "value",
)
POMI_WIDE_HEADER = (
    "PeriodStart",
    "PeriodEnd",
    "Period",
    "CommissioningRegionCode",
    "CommissioningRegionName",
    "RegionGeographyCode",
    "RegionGeographyName",
    "CCGCode",
    "CCGName",
    "GPPracticeCode",
    "GPPracticeName",
    "Supplier",
    "NoPatients",
    "SystemEnabled",
    "PatientsEnabled",
    "PatientsUsed",
)
CHOICES_NEEDED = ("OrganisationCode", "isEPSEnabled", "ParentODSCode")
GP2GP_HEADER = (
    "RequestorODS",
    "Month",
    "RegistrationCount",
    "RequestCount",
    "IntegratedCount",
    "SuppressedCount",
    "SuccessRate",
)

Progress = Callable[[str], None]


@dataclass
class FeedFile:
    """Raw values: `values[(practice, month_end)][field]` is the text as published ("" = blank)."""

    source: str
    rows: int = 0
    values: dict[tuple[str, dt.date], dict[str, str]] = field(default_factory=dict)
    ccg_of: dict[str, str] = field(default_factory=dict)
    ccg_names: dict[str, str] = field(default_factory=dict)  # CCG code -> name, where the file names CCGs
    month_labels: dict[dt.date, str] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    note_examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, key: str, example: str | None = None) -> None:
        self.notes[key] = self.notes.get(key, 0) + 1
        if example is not None:
            found = self.note_examples.setdefault(key, [])
            if len(found) < EXAMPLES:
                found.append(example)

    @property
    def months(self) -> list[dt.date]:
        return sorted(self.month_labels)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _check_size(data: bytes, what: str) -> None:
    if not data.strip():
        raise FileRefused(f"The {what} is empty")
    if b"\x00" in data[:65536]:
        raise FileRefused(f"The {what} is not a CSV text file (it contains binary data: UTF-16, or a spreadsheet?)")


def _decode(data: bytes, what: str, fallback: str | None = None) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if fallback is None:
            raise FileRefused(f"The {what} is not UTF-8 text") from None
        return data.decode(fallback)


def _csv_rows(
    lines: io.StringIO | io.TextIOBase, what: str, delimiter: str = ",", plain: bool = False
) -> Iterator[tuple[int, list[str]]]:
    # The feeds are read strictly: a quoted field left open is a file cut short, not a value.
    return _rows(lines, what, delimiter=delimiter, plain=plain, strict=not plain, max_rows=MAX_ROWS)


def _header(rows: Iterator[tuple[int, list[str]]], expected: tuple[str, ...], what: str, hint: str = "") -> None:
    first = next(rows, None)
    if first is None:
        raise FileRefused(f"The {what} has no rows")
    header = tuple(cell.strip().lstrip("\ufeff") for cell in first[1])
    if header != expected:
        raise FileRefused(f"Line 1: the header of the {what} must be {','.join(expected)}{hint}")


def _pomi_text(data: bytes) -> io.StringIO:
    what = "POMI file"
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise FileRefused("The POMI zip cannot be opened (is it cut short?)") from None
        members = [m for m in archive.infolist() if not m.is_dir()]
        csvs = [m for m in members if m.filename.lower().endswith(".csv")]
        if len(csvs) != 1:
            raise FileRefused(f"The POMI zip must hold one CSV file; it holds {len(csvs)}")
        if csvs[0].file_size > MAX_UNZIPPED_BYTES:
            raise FileRefused(
                f"The CSV in the POMI zip is {csvs[0].file_size:,} bytes: the most accepted is {MAX_UNZIPPED_BYTES:,}"
            )
        try:
            raw = archive.read(csvs[0])
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise FileRefused(f"The POMI zip is damaged ({exc})") from None
        _check_size(raw, what)
        return io.StringIO(_decode(raw, what, "cp1252"), newline="")
    _check_size(data, what)
    return io.StringIO(_decode(data, what, "cp1252"), newline="")


def _pomi_date(text: str, line: int) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip().title(), "%d%b%Y").date()
    except ValueError:
        raise FileRefused(f"Line {line}: the report period end {text!r} is not a date like 30APR2018") from None


def read_pomi(data: bytes, progress: Progress | None = None) -> FeedFile:
    """POMI in either layout, told apart by the header."""
    text = _pomi_text(data)
    first_line = text.readline()
    text.seek(0)
    if first_line.lstrip("\ufeff").startswith("PeriodStart,"):
        return _read_pomi_wide(text)
    return _read_pomi_long(text, progress)


def _read_pomi_long(text: io.StringIO, progress: Progress | None) -> FeedFile:
    what = "POMI file"
    feed = FeedFile("pomi")
    rows = _csv_rows(text, what)
    _header(rows, POMI_LONG_HEADER, what, " (POMI's long layout) or the 2015 wide layout")
    dates: dict[str, dt.date] = {}
    for line, row in rows:
        if len(row) != len(POMI_LONG_HEADER):
            raise FileRefused(
                f"Line {line}: expected {len(POMI_LONG_HEADER)} columns, found {len(row)} (is the file cut short?)"
            )
        label = row[0]
        month = dates.get(label)
        if month is None:
            month = dates[label] = _pomi_date(label, line)
            feed.month_labels[month] = label.strip().upper()
        code = row[7].strip().upper()
        if not PRACTICE_CODE.match(code):
            raise FileRefused(f"Line {line}: the practice code {row[7]!r} is not an ODS practice code")
        value = row[11].strip()
        if value and not value.isdigit():
            raise FileRefused(f"Line {line}: the value {value!r} of {row[10]} for {code} is not a whole number")
        fields = feed.values.setdefault((code, month), {})
        name = row[10].strip()
        if name in fields:
            raise FileRefused(f"Line {line}: {name} for {code} in {label} appears twice")
        fields[name] = value
        feed.ccg_of[code] = row[5].strip().upper()
        if row[6].strip():
            feed.ccg_names[feed.ccg_of[code]] = row[6].strip()
        feed.rows += 1
        if progress and feed.rows % PROGRESS_EVERY == 0:
            progress(f"read {feed.rows:,} rows")
    if not feed.rows:
        raise FileRefused(f"The {what} has no data rows")
    return feed


def _read_pomi_wide(text: io.StringIO) -> FeedFile:
    what = "POMI file (2015 layout)"
    feed = FeedFile("pomi-2015")
    rows = _csv_rows(text, what)
    _header(rows, POMI_WIDE_HEADER, what)
    for line, row in rows:
        if len(row) != len(POMI_WIDE_HEADER):
            raise FileRefused(
                f"Line {line}: expected {len(POMI_WIDE_HEADER)} columns, found {len(row)} (is the file cut short?)"
            )
        try:
            end = dt.datetime.strptime(row[1].strip(), "%d/%m/%Y").date()
        except ValueError:
            raise FileRefused(f"Line {line}: the period end {row[1]!r} is not a date like 30/04/2015") from None
        month = month_end(end.year, end.month)
        feed.month_labels[month] = row[2].strip()
        code = row[9].strip().upper()
        if not PRACTICE_CODE.match(code):
            raise FileRefused(f"Line {line}: the practice code {row[9]!r} is not an ODS practice code")
        if (code, month) in feed.values:
            raise FileRefused(f"Line {line}: practice {code} appears twice for {row[2]}")
        values = {name: row[i].strip() for i, name in enumerate(POMI_WIDE_HEADER) if i >= 12}
        for name in ("NoPatients", "PatientsEnabled", "PatientsUsed"):
            if values[name].upper() == "NULL":
                values[name] = ""
            elif values[name] and not values[name].isdigit():
                raise FileRefused(f"Line {line}: {name} {values[name]!r} for {code} is not a whole number")
        feed.values[(code, month)] = values
        feed.ccg_of[code] = row[7].strip().upper()
        feed.rows += 1
    if not feed.rows:
        raise FileRefused(f"The {what} has no data rows")
    return feed


def read_nhs_choices(data: bytes, month: dt.date) -> FeedFile:
    """The NHS Choices GP export as of `month` (any day in it). A practice listed more than once
    (its branch surgeries) counts as EPS-enabled when any of its rows says so."""
    what = "NHS Choices file"
    _check_size(data, what)
    text = _decode(data, what, "cp1252")
    if "¬" not in text.partition("\n")[0]:
        raise FileRefused(f"Line 1: the {what} must have a header separated by ¬ (Windows-1252 byte AC)")
    rows = _csv_rows(io.StringIO(text, newline=""), what, delimiter="¬", plain=True)
    first = next(rows, None)
    assert first is not None
    header = [cell.strip() for cell in first[1]]
    missing = [name for name in CHOICES_NEEDED if name not in header]
    if missing:
        raise FileRefused(f"Line 1: the {what} has no column {', '.join(missing)}")
    at = {name: header.index(name) for name in CHOICES_NEEDED}
    end = month_end(month.year, month.month)
    feed = FeedFile("nhs-choices", month_labels={end: end.strftime("%B %Y")})
    for line, row in rows:
        if len(row) != len(header):
            raise FileRefused(f"Line {line}: expected {len(header)} fields, found {len(row)} (is the file cut short?)")
        code = row[at["OrganisationCode"]].strip().upper()
        flag = row[at["isEPSEnabled"]].strip()
        if flag not in {"True", "False"}:
            raise FileRefused(f"Line {line}: isEPSEnabled {flag!r} for {code} is not True or False")
        feed.rows += 1
        if not PRACTICE_CODE.match(code):
            feed.note("skipped: not a practice code", code)
            continue
        fields = feed.values.get((code, end))
        if fields is None:
            feed.values[(code, end)] = {"isEPSEnabled": flag}
            feed.ccg_of[code] = row[at["ParentODSCode"]].strip().upper()
            continue
        feed.note("practice listed more than once (branch surgeries; enabled if any row is)", code)
        if fields["isEPSEnabled"] != flag:
            feed.note("practice listed with different EPS flags (taken as enabled)", code)
            fields["isEPSEnabled"] = "True"
    if not feed.rows:
        raise FileRefused(f"The {what} has no data rows")
    return feed


def read_gp2gp(data: bytes, year: int) -> FeedFile:
    what = "GP2GP transfers file"
    _check_size(data, what)
    rows = _csv_rows(io.StringIO(_decode(data, what, "cp1252"), newline=""), what)
    _header(rows, GP2GP_HEADER, what)
    feed = FeedFile("gp2gp")
    for line, row in rows:
        if len(row) != len(GP2GP_HEADER):
            raise FileRefused(
                f"Line {line}: expected {len(GP2GP_HEADER)} columns, found {len(row)} (is the file cut short?)"
            )
        code = row[0].strip().upper()
        if not PRACTICE_CODE.match(code):
            raise FileRefused(f"Line {line}: the practice code {row[0]!r} is not an ODS practice code")
        month_text = row[1].strip()
        if not (month_text.isdigit() and 1 <= int(month_text) <= 12):
            raise FileRefused(f"Line {line}: the month {month_text!r} is not 01-12")
        month = month_end(year, int(month_text))
        feed.month_labels[month] = month.strftime("%B %Y")
        counts = dict(zip(GP2GP_HEADER[2:6], (cell.strip() for cell in row[2:6]), strict=True))
        for name, value in counts.items():
            # A blank RequestCount (417 rows of 2019) means no request was recorded: no value.
            if value and not value.isdigit():
                raise FileRefused(f"Line {line}: {name} {value!r} for {code} is not a whole number")
        if (code, month) in feed.values:
            raise FileRefused(f"Line {line}: practice {code} appears twice for month {month_text}")
        feed.values[(code, month)] = counts
        feed.ccg_of[code] = ""  # the file names no commissioner
        feed.rows += 1
    if not feed.rows:
        raise FileRefused(f"The {what} has no data rows")
    return feed

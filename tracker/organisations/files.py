"""Parsing the two official NHS files exactly as published. No database.

Each parser reads the whole file and either returns every record or raises `FileRefused` naming
the first bad line, so that an import is validated whole before anything is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass

MAX_FILE_BYTES = 60_000_000
MAX_ROWS = 200_000
ODS_COLUMNS = 27
PRESCRIBING_SETTING_GP = "4"
LIST_SIZE_HEADER = (
    "PUBLICATION",
    "EXTRACT_DATE",
    "TYPE",
    "CCG_CODE",
    "ONS_CCG_CODE",
    "CODE",
    "POSTCODE",
    "SEX",
    "AGE",
    "NUMBER_OF_PATIENTS",
)


class FileRefused(ValueError):
    """The file cannot be imported; the message says where and why, for a person to act on."""


@dataclass(frozen=True)
class OdsRecord:
    line: int
    code: str
    name: str
    region_code: str
    local_office_code: str
    address: str
    postcode: str
    open_date: dt.date | None
    close_date: dt.date | None
    status: str
    commissioner: str
    phone: str
    prescribing_setting: str
    joined_commissioner: dt.date | None = None
    left_commissioner: dt.date | None = None

    @property
    def is_gp_practice(self) -> bool:
        return self.prescribing_setting == PRESCRIBING_SETTING_GP

    @property
    def in_england(self) -> bool:
        # English regions are Y-codes; Welsh and other records carry W00 and similar.
        return self.region_code.startswith("Y")


@dataclass(frozen=True)
class ListSizeRecord:
    line: int
    extract_date: dt.date
    ccg_code: str
    practice_code: str
    patients: int


def _text(data: bytes, what: str) -> str:
    if not data.strip():
        raise FileRefused(f"The {what} is empty")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(f"The {what} is {len(data):,} bytes: the largest accepted is {MAX_FILE_BYTES:,}")
    if b"\x00" in data[:65536]:
        raise FileRefused(f"The {what} is not a CSV text file (it contains binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _rows(
    text: str | io.TextIOBase,
    what: str,
    *,
    delimiter: str = ",",
    plain: bool = False,
    strict: bool = False,
    max_rows: int = MAX_ROWS,
) -> Iterator[tuple[int, list[str]]]:
    """Numbered non-empty rows of a CSV text (or a text stream, such as a member of a zip read
    lazily), refusing a file past `max_rows` lines or one the csv module cannot read.

    `plain`: no quoting at all (for exports that write quotes inside fields); `strict`: a quoted
    field left open (a file cut short inside it) is an error, not a value."""
    lines = io.StringIO(text, newline="") if isinstance(text, str) else text
    if plain:
        reader = csv.reader(lines, delimiter=delimiter, quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(lines, delimiter=delimiter, strict=strict)
    try:
        for number, row in enumerate(reader, start=1):
            if number > max_rows:
                raise FileRefused(f"The {what} has more than {max_rows:,} lines")
            if not row or row == [""]:
                continue
            yield number, row
    except csv.Error as exc:
        raise FileRefused(f"Line {reader.line_num}: the {what} is not valid CSV ({exc})") from None
    except UnicodeDecodeError:
        raise FileRefused(f"The {what} is not UTF-8 text") from None


@functools.lru_cache(maxsize=65536)
def _date_of(value: str) -> dt.date | None:
    """A YYYYMMDD field as published (spaces around it allowed; blank is no date). Raises ValueError.

    A national file holds some 50,000 dates but only a few thousand distinct ones, and strptime
    was most of the time of reading it: each distinct text is parsed once (errors are not cached)."""
    value = value.strip()
    return dt.datetime.strptime(value, "%Y%m%d").date() if value else None


def _yyyymmdd(value: str, line: int, column: str) -> dt.date | None:
    try:
        return _date_of(value)
    except ValueError:
        raise FileRefused(f"Line {line}: the {column} {value.strip()!r} is not a date in the form YYYYMMDD") from None


# The ODS file's date columns, in the order their errors are reported.
ODS_DATES = ((10, "open date"), (11, "close date"), (15, "join commissioner date"), (16, "left commissioner date"))


def parse_ods_practices(data: bytes) -> list[OdsRecord]:
    """epraccur.csv: no header row, 27 quoted columns."""
    what = "ODS practice file"
    records: list[OdsRecord] = []
    date_of = _date_of
    for line, row in _rows(_text(data, what), what):
        if len(row) != ODS_COLUMNS:
            hint = " (is this the registered-patients file?)" if row and row[0] == "PUBLICATION" else ""
            raise FileRefused(f"Line {line}: expected {ODS_COLUMNS} columns, found {len(row)}{hint}")
        code = row[0].strip().upper()
        if not code or len(code) > 8:
            raise FileRefused(f"Line {line}: the organisation code {row[0]!r} is not an ODS code")
        status = row[12].strip()
        if status not in {"A", "C", "D", "P"}:
            raise FileRefused(f"Line {line}: the status {status!r} is not one of A, C, D, P")
        try:
            dates = (date_of(row[10]), date_of(row[11]), date_of(row[15]), date_of(row[16]))
        except ValueError:
            for index, column in ODS_DATES:
                _yyyymmdd(row[index], line, column)  # raises for the first bad one
            raise
        records.append(
            OdsRecord(
                line=line,
                code=code,
                name=row[1].strip(),
                region_code=row[2].strip().upper(),
                local_office_code=row[3].strip().upper(),
                address=", ".join(filter(None, map(str.strip, row[4:9]))),
                postcode=row[9].strip().upper(),
                open_date=dates[0],
                close_date=dates[1],
                status=status,
                commissioner=row[14].strip().upper(),
                phone=row[17].strip(),
                prescribing_setting=row[25].strip(),
                joined_commissioner=dates[2],
                left_commissioner=dates[3],
            )
        )
    if not records:
        raise FileRefused(f"The {what} has no records")
    return records


def parse_list_sizes(data: bytes) -> list[ListSizeRecord]:
    """gp-reg-pat-prac-all.csv: a header row, one row per practice (SEX=ALL, AGE=ALL)."""
    what = "registered-patients file"
    rows = _rows(_text(data, what), what)
    first = next(rows, None)
    if first is None:
        raise FileRefused(f"The {what} is empty")
    header = tuple(cell.strip().upper() for cell in first[1])
    if header != LIST_SIZE_HEADER:
        raise FileRefused(f"Line 1: the header must be {','.join(LIST_SIZE_HEADER)}")
    records: list[ListSizeRecord] = []
    seen: set[str] = set()
    for line, row in rows:
        if len(row) != len(LIST_SIZE_HEADER):
            raise FileRefused(f"Line {line}: expected {len(LIST_SIZE_HEADER)} columns, found {len(row)}")
        if row[2].strip() != "GP" or row[7].strip() != "ALL" or row[8].strip() != "ALL":
            continue  # other breakdowns (by sex or age) are not list sizes
        try:
            extract = dt.datetime.strptime(row[1].strip().title(), "%d%b%Y").date()
        except ValueError:
            raise FileRefused(f"Line {line}: the extract date {row[1]!r} is not a date like 01JAN2021") from None
        try:
            patients = int(row[9].strip())
        except ValueError:
            raise FileRefused(f"Line {line}: the number of patients {row[9]!r} is not a whole number") from None
        if patients < 0:
            raise FileRefused(f"Line {line}: the number of patients cannot be negative")
        code = row[5].strip().upper()
        if code in seen:
            raise FileRefused(f"Line {line}: practice {code} appears twice")
        seen.add(code)
        records.append(ListSizeRecord(line, extract, row[3].strip().upper(), code, patients))
    if not records:
        raise FileRefused(f"The {what} has no practice rows")
    return records


def edition_date(records: list[OdsRecord] | list[CcgRecord] | list[MembershipRecord]) -> dt.date:
    """The date an ODS edition stands for: the latest date found inside it (the files carry no
    publication date). An import may be told the date instead."""
    found: list[dt.date] = []
    for r in records:
        for name in ("open_date", "close_date", "joined_commissioner", "left_commissioner", "start_date", "end_date"):
            value = getattr(r, name, None)
            if value is not None:
                found.append(value)
    if not found:
        raise FileRefused("The file has no dates, so its edition cannot be dated: give the date with --as-at")
    return max(found)


@dataclass(frozen=True)
class CcgRecord:
    line: int
    code: str
    name: str
    open_date: dt.date | None
    close_date: dt.date | None

    @property
    def is_ccg(self) -> bool:
        """False for the integrated care boards and sub-ICB entities the file lists from 2021 on."""
        return _is_ccg_code(self.code)


def _is_ccg_code(code: str) -> bool:
    # digit, digit/letter, letter: 00K, 13T, 99C, 15M (older PCT codes such as 5E1 or 4QP36 are not)
    return len(code) == 3 and code[0].isdigit() and code[1].isalnum() and code[2].isalpha()


def parse_ccgs(data: bytes) -> list[CcgRecord]:
    """eccg.csv: the ODS CCG file, no header row, the 27-column ODS layout."""
    what = "ODS CCG file"
    records: list[CcgRecord] = []
    seen: set[str] = set()
    for line, row in _rows(_text(data, what), what):
        if len(row) != ODS_COLUMNS:
            raise FileRefused(f"Line {line}: expected {ODS_COLUMNS} columns, found {len(row)}")
        code = row[0].strip().upper()
        if not code or len(code) > 8:
            raise FileRefused(f"Line {line}: the organisation code {row[0]!r} is not an ODS code")
        if code in seen:
            raise FileRefused(f"Line {line}: CCG {code} appears twice")
        seen.add(code)
        records.append(
            CcgRecord(
                line=line,
                code=code,
                name=row[1].strip(),
                open_date=_yyyymmdd(row[10], line, "open date"),
                close_date=_yyyymmdd(row[11], line, "close date"),
            )
        )
    if not any(r.is_ccg for r in records):
        raise FileRefused(f"The {what} lists no CCG codes (like 00K): is this the practice file?")
    return records


MEMBERSHIP_COLUMNS = 6


@dataclass(frozen=True)
class MembershipRecord:
    line: int
    practice_code: str
    commissioner: str
    start_date: dt.date
    end_date: dt.date | None

    @property
    def is_ccg(self) -> bool:
        return _is_ccg_code(self.commissioner)


def parse_memberships(data: bytes) -> list[MembershipRecord]:
    """epcmem.csv: practice, commissioner, 'W', join date, left date, amended flag; no header."""
    what = "ODS membership file"
    records: list[MembershipRecord] = []
    for line, row in _rows(_text(data, what), what):
        if len(row) != MEMBERSHIP_COLUMNS:
            raise FileRefused(
                f"Line {line}: expected {MEMBERSHIP_COLUMNS} columns (practice, commissioner, type, joined, "
                f"left, amended), found {len(row)}"
            )
        start = _yyyymmdd(row[3], line, "join date")
        if start is None:
            raise FileRefused(f"Line {line}: the join date is missing")
        end = _yyyymmdd(row[4], line, "left date")
        if end is not None and end < start:
            raise FileRefused(f"Line {line}: the left date {row[4]} is before the join date {row[3]}")
        records.append(MembershipRecord(line, row[0].strip().upper(), row[1].strip().upper(), start, end))
    if not records:
        raise FileRefused(f"The {what} has no records")
    return records

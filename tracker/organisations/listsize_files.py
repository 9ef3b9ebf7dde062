"""Parsing NHSBSA's quarterly registered-patients files exactly as published. No database.

`Patient_List_Size_YYYY_MM-MM.csv`: a header row, then one row per practice with its region,
area team and commissioner (the PCO code is the CCG code followed by `00`, e.g. `07L00`) and 18
columns of patients by sex and age band. The quarter is only in the file name. Rows of
organisations that are not practices (drug services and the like) carry zeros throughout.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.organisations.files import FileRefused, _rows, _text

AGES = ("0-4", "5-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
BANDS = tuple(f"{sex} {age}" for age in AGES for sex in ("Male", "Female"))
HEADER = (
    "Regional Office Name",
    "Regional Office Code",
    "Area Team Name",
    "Area Team Code",
    "PCO Name",
    "PCO Code",
    "Practice Name",
    "Practice Code",
    *BANDS,
)
FILE_NAME = re.compile(r"Patient_List_Size_(\d{4})_(\d{2})-(\d{2})", re.IGNORECASE)
CCG_PCO = re.compile(r"^(\d\d[A-Z])00$")
PRACTICE_CODE = re.compile(r"^[A-Z]\d{5}$")


@dataclass(frozen=True)
class BandRecord:
    line: int
    region_code: str
    pco_code: str
    practice_code: str
    practice_name: str
    bands: tuple[int, ...]
    pco_name: str = ""

    @property
    def ccg_code(self) -> str:
        """The CCG code of a CCG commissioner (`07L00` → `07L`); blank for any other commissioner."""
        match = CCG_PCO.match(self.pco_code)
        return match.group(1) if match else ""

    @property
    def patients(self) -> int:
        return sum(self.bands)

    @property
    def is_practice(self) -> bool:
        # Non-practice rows (drug services, prisons' health teams...) are published with zeros.
        return self.patients > 0


def snapshot_from_name(name: str) -> dt.date | None:
    """`Patient_List_Size_2015_04-06.csv` → 1 April 2015, the first day of the quarter it covers."""
    match = FILE_NAME.search(name)
    if not match:
        return None
    year, first, last = (int(g) for g in match.groups())
    if not (1 <= first <= 12 and last == (first + 2 - 1) % 12 + 1 and first % 3 == 1):
        return None
    return dt.date(year, first, 1)


def parse_band_file(data: bytes) -> list[BandRecord]:
    what = "NHSBSA list-size file"
    rows = _rows(_text(data, what), what)
    first = next(rows, None)
    if first is None:
        raise FileRefused(f"The {what} is empty")
    header = tuple(cell.strip() for cell in first[1])
    if header != HEADER:
        hint = ""
        if header and header[0].upper() == "PUBLICATION":
            hint = " (this is NHS Digital's registered-patients file: use `tracker import list-sizes`)"
        raise FileRefused(
            f"Line 1: the header must start {', '.join(HEADER[:8])} and have the 18 sex and age-band columns{hint}"
        )
    records: list[BandRecord] = []
    seen: set[str] = set()
    for line, row in rows:
        if len(row) != len(HEADER):
            raise FileRefused(f"Line {line}: expected {len(HEADER)} columns, found {len(row)} (is the file cut short?)")
        code = row[7].strip().upper()
        if not PRACTICE_CODE.match(code):
            raise FileRefused(f"Line {line}: the practice code {row[7]!r} is not an ODS practice code")
        if code in seen:
            raise FileRefused(f"Line {line}: practice {code} appears twice")
        seen.add(code)
        try:
            bands = tuple(map(int, row[8:]))  # int() allows the spaces around a number itself
        except ValueError:
            raise FileRefused(f"Line {line}: the patient counts of {code} must be whole numbers") from None
        if any(n < 0 for n in bands):
            raise FileRefused(f"Line {line}: the patient counts of {code} cannot be negative")
        records.append(
            BandRecord(
                line, row[1].strip().upper(), row[5].strip().upper(), code, row[6].strip(), bands, row[4].strip()
            )
        )
    if not records:
        raise FileRefused(f"The {what} has no practice rows")
    return records

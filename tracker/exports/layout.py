"""The shape of an export, independent of the file format: sheets of typed columns, and charts.

`xlsx.py` and `csvfile.py` both write a `Book`; neither knows what the figures mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# How a column's values are stored and shown. Every kind but "text" and "code" holds numbers or
# dates; any cell may instead hold a string (such as "not available yet"), written as text.
KINDS = (
    "code",  # short text the tracker controls (codes, states)
    "text",  # text people typed (names, comments): always a string cell, never a formula
    "int",  # whole number, thousands separated
    "num",  # number to one decimal place
    "pct",  # a fraction 0-1 shown as a percentage
    "yesno",  # 1 or 0 shown as Yes or No (stays a number)
    "pounds",  # whole pence shown as pounds
    "pounds_pp",  # pounds per patient (pence as a float), shown to the penny
    "date",
    "status",  # on-track status in words, coloured by conditional formatting
)


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "code"
    width: float = 12
    wrap: bool = False  # long text (definitions, comments): wrapped, so it prints in full

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Typed:
    """A cell whose kind differs from its column's (the Summary sheet's Value column)."""

    value: Any
    kind: str


@dataclass(frozen=True)
class Chart:
    kind: str  # bar | line
    title: str
    sheet: str  # the sheet holding the data
    category: str  # header of the category column
    series: tuple[str, ...]  # headers of the value columns
    first_row: int  # data rows (1-based, inclusive) on that sheet
    last_row: int
    y_title: str = ""
    percent: bool = False
    y_max: float | None = None
    # Where it goes is the writer's business: beside the sheet's table, two to a printed page.

    @property
    def categories(self) -> int:
        return self.last_row - self.first_row + 1


@dataclass(frozen=True)
class SmallTable:
    """A few rows shown below a sheet's table with a title of their own: what a chart of a single
    bar or a single point would have shown."""

    title: str
    columns: list[Column]
    rows: list[tuple[Any, ...]]


@dataclass
class Sheet:
    title: str  # the worksheet name (31 characters at most, none of []:*?/\)
    name: str  # the CSV table name in URLs, and the Excel table's display name
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    preamble: list[str] = field(default_factory=list)  # lines above the header row
    freeze_columns: int = 0  # columns kept in view when scrolling sideways
    charts: list[Chart] = field(default_factory=list)
    small_tables: list[SmallTable] = field(default_factory=list)

    @property
    def header_row(self) -> int:
        return len(self.preamble) + 1

    def column_index(self, header: str) -> int:
        """1-based position of a column by its header."""
        for i, c in enumerate(self.columns, start=1):
            if c.header == header:
                return i
        raise KeyError(header)


@dataclass
class Book:
    title: str
    subject: str
    keywords: str
    created: Any  # datetime (UTC): the document's created and modified properties
    sheets: list[Sheet]

    def sheet_by_title(self, title: str) -> Sheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise KeyError(title)

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

"""Builders for returns workbooks, good and hostile, for the upload tests and the benchmark."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable

from openpyxl import Workbook, load_workbook

from tracker.indicators.catalogue import load_catalogue
from tracker.returns import xlsx

SPECS = load_catalogue()
COLUMNS = [xlsx.Column(s.code, s.name, s.unit) for s in SPECS]


def good(
    practices: list[str] | None = None,
    *,
    ccg: str = "00K",
    period: str = "2017/18-Q4",
    values: dict[str, float] | None = None,
) -> bytes:
    from tests.returns.factories import complete_values

    vals = values if values is not None else complete_values()
    rows = [(code, f"Surgery {code}", vals) for code in (practices or ["A81001", "A81002"])]
    return xlsx.write_workbook(ccg, "NHS Test CCG", period, "2018-04-30", COLUMNS, rows)


def edit(data: bytes, change: Callable[[Workbook], None]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def add_member(data: bytes, name: str, content: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = (replace or {}).get(item.filename, source.read(item.filename))
            target.writestr(item.filename, body)
        if name:
            target.writestr(name, content)
    return out.getvalue()


def set_cell(ref: str, value: object, sheet: str = xlsx.DATA_SHEET) -> Callable[[Workbook], None]:
    def change(wb: Workbook) -> None:
        wb[sheet][ref] = value

    return change


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * 60_000_000)
    return out.getvalue()


def many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(600):
            z.writestr(f"xl/media/image{i}.png", b"x")
    return out.getvalue()


@functools.cache
def hostile_corpus() -> tuple[tuple[str, str, bytes, str, str], ...]:
    """(case, file name, bytes, mode, the message the tracker must give). Built once per process:
    every parametrised case looks its file up here."""
    base = good()
    not_xlsx = "not an Excel workbook"
    macro = "Macro-enabled workbooks are not accepted"
    not_ours = "not the tracker's returns workbook"
    ct = zipfile.ZipFile(io.BytesIO(base)).read("[Content_Types].xml")
    plain = Workbook()
    plain_bytes = io.BytesIO()
    plain.save(plain_bytes)
    cases = [
        ("text file", "returns.xlsx", b"practice,value\nA81001,45\n", "draft", not_xlsx),
        ("empty file", "returns.xlsx", b"", "draft", not_xlsx),
        ("pdf", "returns.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "draft", not_xlsx),
        ("csv named xlsx", "returns.csv", b"A81001;45", "draft", not_xlsx),
        (
            "zip of something else",
            "returns.xlsx",
            add_member(b"PK\x05\x06" + b"\0" * 18, "notes.txt", b"hi"),
            "draft",
            not_xlsx,
        ),
        ("truncated workbook", "returns.xlsx", base[: len(base) // 2], "draft", not_xlsx),
        (
            "macro project inside",
            "returns.xlsx",
            add_member(base, "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro"),
            "draft",
            macro,
        ),
        ("xlsm file name", "returns.xlsm", base, "draft", macro),
        (
            "macro content type",
            "returns.xlsx",
            add_member(
                base, "", b"", {"[Content_Types].xml": ct.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml", 1)}
            ),
            "draft",
            macro,
        ),
        ("zip bomb", "returns.xlsx", zip_bomb(), "draft", "expands to far more than a returns workbook"),
        ("too many parts", "returns.xlsx", many_members(), "draft", "too many parts"),
        ("formula", "returns.xlsx", edit(base, set_cell("C2", "=10*2")), "draft", "Cell C2 holds a formula"),
        (
            "broken workbook xml",
            "returns.xlsx",
            add_member(base, "", b"", {"xl/workbook.xml": b"<workbook><sheets><sheet"}),
            "draft",
            "could not be read as an Excel workbook",
        ),
        ("plain workbook", "returns.xlsx", plain_bytes.getvalue(), "draft", not_ours),
        (
            "metadata tampered",
            "returns.xlsx",
            edit(base, set_cell("B1", "something-else", xlsx.META_SHEET)),
            "draft",
            not_ours,
        ),
        (
            "another CCG",
            "returns.xlsx",
            good(["J81001"], ccg="11J"),
            "draft",
            "This workbook is for CCG 11J, not yours (00K)",
        ),
        (
            "another period",
            "returns.xlsx",
            good(period="2017/18-Q3"),
            "draft",
            "This workbook is for period 2017/18-Q3",
        ),
        (
            "more rows than practices",
            "returns.xlsx",
            good(["A81001", "A81002", "A81001"]),
            "draft",
            "more practice rows than your CCG has practices (2)",
        ),
        (
            "unknown practice",
            "returns.xlsx",
            good(["A81001", "Z99999"]),
            "draft",
            "Row 3, column A: Z99999 is not a practice of your CCG",
        ),
        (
            "another CCG's practice",
            "returns.xlsx",
            good(["J81001"]),
            "draft",
            "Row 2, column A: J81001 is not a practice of your CCG",
        ),
        (
            "duplicate practice",
            "returns.xlsx",
            good(["A81001", "A81001"]),
            "draft",
            "Row 3, column A: A81001 is already on row 2",
        ),
        (
            "columns changed",
            "returns.xlsx",
            edit(base, set_cell("C1", "Something else (XYZ)")),
            "draft",
            "columns of the Returns sheet were changed",
        ),
        (
            "indicators changed",
            "returns.xlsx",
            edit(base, set_cell("B4", "PO_REG_PCT,EPS_LIVE", xlsx.META_SHEET)),
            "draft",
            "columns of the Returns sheet were changed",
        ),
        (
            "yes/no not yes or no",
            "returns.xlsx",
            edit(base, set_cell("D2", "Maybe")),
            "draft",
            "Row 2, column D (Online appointment booking offered): Select yes or no",
        ),
        (
            "percentage over 100",
            "returns.xlsx",
            edit(base, set_cell("C2", 150)),
            "draft",
            "Row 2, column C (Patients registered for online services): Percentage for",
        ),
        (
            "percentage as words",
            "returns.xlsx",
            edit(base, set_cell("C3", "about half")),
            "draft",
            "Row 3, column C (Patients registered for online services): Enter",
        ),
        (
            "missing practice code",
            "returns.xlsx",
            edit(base, set_cell("A2", None)),
            "draft",
            "Row 2, column A: enter the practice's ODS code",
        ),
        (
            "incomplete submission",
            "returns.xlsx",
            edit(good(["A81001"]), set_cell("C2", None)),
            "submit",
            "A81001 cannot be submitted because these are empty: Patients registered for online services",
        ),
    ]
    return tuple(cases)

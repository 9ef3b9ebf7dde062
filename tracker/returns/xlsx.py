"""The CCG returns workbook: writing it pre-filled, and reading an upload safely. No database.

Reading checks the archive before any XML is parsed: it must be a zip holding an Excel workbook,
without macros, whose members expand to no more than MAX_UNCOMPRESSED bytes and whose worksheets
hold values rather than formulas. Only then does openpyxl read it (read-only, values only).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

FORMAT = "paperless-tracker-returns-1"
DATA_SHEET = "Returns"
META_SHEET = "Metadata"
INSTRUCTIONS_SHEET = "Instructions"
MAX_UNCOMPRESSED = 40_000_000  # bytes, all members together
MAX_MEMBER_RATIO = 200  # a member expanding more than this is not a spreadsheet a person made
MAX_MEMBERS = 500
FIRST_DATA_ROW = 2
FORMULA = re.compile(rb'<c r="([A-Z]{1,3}\d{1,7})"[^>]*>\s*<(?:\w+:)?f[\s>/]')
ANY_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


class WorkbookError(ValueError):
    """The upload cannot be used; the message says why in words a CCG lead understands."""


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    unit: str  # percent | yesno | count


@dataclass
class Upload:
    ccg_code: str
    period_code: str
    codes: list[str]
    rows: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)  # (row number, practice code, values)


def write_workbook(
    ccg_code: str,
    ccg_name: str,
    period_code: str,
    due_on: str,
    columns: list[Column],
    practices: list[tuple[str, str, dict[str, Any]]],
) -> bytes:
    """A workbook with one row per practice (code, name, values) and one column per indicator."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    header = ["Practice code", "Practice name", *[f"{c.name} ({c.code})" for c in columns]]
    ws.append(header)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EDEE")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.protection = Protection(locked=True)
    for code, name, values in practices:
        row: list[Any] = [code, name]
        for c in columns:
            value = values.get(c.code)
            if value is None:
                row.append(None)
            elif c.unit == "yesno":
                row.append("Yes" if value >= 0.5 else "No")
            else:
                row.append(float(value))
        ws.append(row)
    last_row = max(ws.max_row, FIRST_DATA_ROW)
    last_col = len(header)
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=last_row, min_col=3, max_col=last_col):
        for cell in row:
            cell.protection = Protection(locked=False)
    yes_no = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True, showErrorMessage=True)
    yes_no.error = "Choose Yes or No"
    percent = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True, showErrorMessage=True
    )
    percent.error = "Enter a percentage from 0 to 100"
    count = DataValidation(
        type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True, showErrorMessage=True
    )
    for i, c in enumerate(columns, start=3):
        letter = get_column_letter(i)
        target = {"yesno": yes_no, "percent": percent}.get(c.unit, count)
        target.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        ws.column_dimensions[letter].width = 18
    for dv in (yes_no, percent, count):
        if dv.sqref:
            ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 40
    ws.row_dimensions[1].height = 60
    ws.freeze_panes = "C2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    info = wb.create_sheet(INSTRUCTIONS_SHEET)
    lines = [
        f"Returns for {ccg_name} ({ccg_code}), period {period_code}, due {due_on}",
        "",
        "1. Fill in one row per practice on the Returns sheet. Do not add, remove or reorder columns.",
        "2. Yes/no questions: choose Yes or No. Percentages: a number from 0 to 100 (no % sign needed).",
        "3. Type values, not formulas. Leave a cell empty to keep the value the tracker already has.",
        "4. Save as an Excel Workbook (.xlsx), not a macro-enabled workbook, and upload it on the Review page.",
        "5. The tracker shows every change and every problem before anything is saved; nothing is saved if any cell is wrong.",
        "Do not change the Metadata sheet: it tells the tracker which CCG and period this workbook is for.",
    ]
    for line in lines:
        info.append([line])
    info.column_dimensions["A"].width = 120
    info["A1"].font = bold

    meta = wb.create_sheet(META_SHEET)
    meta.append(["format", FORMAT])
    meta.append(["ccg", ccg_code])
    meta.append(["period", period_code])
    meta.append(["indicators", ",".join(c.code for c in columns)])
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _check_archive(data: bytes, filename: str, max_bytes: int) -> zipfile.ZipFile:
    if len(data) > max_bytes:
        raise WorkbookError(f"The file is larger than {max_bytes / 1_000_000:g} MB: upload the returns workbook only")
    lowered = filename.lower()
    if lowered.endswith((".xlsm", ".xltm", ".xlam")):
        raise WorkbookError("Macro-enabled workbooks are not accepted: save the file as an Excel Workbook (.xlsx)")
    if not data or not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError("The file is not an Excel workbook (.xlsx): download the returns workbook and fill that in")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookError(
            "The file is not an Excel workbook (.xlsx): download the returns workbook and fill that in"
        ) from None
    if len(members) > MAX_MEMBERS:
        raise WorkbookError("The file holds too many parts to be a returns workbook")
    total = 0
    for m in members:
        if "vbaproject" in m.filename.lower() or (m.filename.lower().endswith(".bin") and "vba" in m.filename.lower()):
            raise WorkbookError("Macro-enabled workbooks are not accepted: save the file as an Excel Workbook (.xlsx)")
        total += m.file_size
        if m.file_size > 1_000_000 and m.compress_size and m.file_size / m.compress_size > MAX_MEMBER_RATIO:
            raise WorkbookError("The file expands to far more than a returns workbook when opened, so it was not read")
    if total > MAX_UNCOMPRESSED:
        raise WorkbookError("The file expands to far more than a returns workbook when opened, so it was not read")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookError("The file is not an Excel workbook (.xlsx): download the returns workbook and fill that in")
    content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types:
        raise WorkbookError("Macro-enabled workbooks are not accepted: save the file as an Excel Workbook (.xlsx)")
    for name in names:
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            xml = archive.read(name)
            if ANY_FORMULA.search(xml):
                match = FORMULA.search(xml)
                where = f"Cell {match.group(1).decode()}" if match else "A cell"
                raise WorkbookError(f"{where} holds a formula: type the values themselves, not formulas")
    return archive


def read_workbook(data: bytes, filename: str, *, max_bytes: int, max_rows: int) -> Upload:
    """Check the archive, then read the metadata and every practice row (values as found)."""
    _check_archive(data, filename, max_bytes)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on broken files
        raise WorkbookError(
            "The file could not be read as an Excel workbook: download a fresh one and try again"
        ) from None
    try:
        if META_SHEET not in wb.sheetnames or DATA_SHEET not in wb.sheetnames:
            raise WorkbookError(
                "This is not the tracker's returns workbook: download it from the Review page and fill that in"
            )
        meta: dict[str, str] = {}
        for row in wb[META_SHEET].iter_rows(min_row=1, max_row=10, max_col=2, values_only=True):
            if row and row[0] is not None:
                meta[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
        if meta.get("format") != FORMAT:
            raise WorkbookError(
                "This is not the tracker's returns workbook: download it from the Review page and fill that in"
            )
        codes = [c for c in meta.get("indicators", "").split(",") if c]
        upload = Upload(ccg_code=meta.get("ccg", ""), period_code=meta.get("period", ""), codes=codes)
        sheet = wb[DATA_SHEET]
        rows = sheet.iter_rows(min_row=1, max_col=2 + len(codes), values_only=True)
        header = next(rows, None)
        expected = [f"({c})" for c in codes]
        if header is None or [str(h or "").split(" ")[-1] for h in header[2 : 2 + len(codes)]] != expected:
            raise WorkbookError(
                "The columns of the Returns sheet were changed: download a fresh workbook and copy the values in"
            )
        for number, row in enumerate(rows, start=FIRST_DATA_ROW):
            if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            if len(upload.rows) >= max_rows:
                raise WorkbookError(
                    f"The workbook has more practice rows than your CCG has practices ({max_rows}): "
                    "use one row per practice"
                )
            code = str(row[0] or "").strip().upper()
            values = {c: (row[i] if i < len(row) else None) for i, c in enumerate(codes, start=2)}
            upload.rows.append((number, code, values))
        return upload
    finally:
        wb.close()


def column_letter(index: int) -> str:
    """Excel letter of a 0-based indicator column (after the code and name columns)."""
    return get_column_letter(index + 3)

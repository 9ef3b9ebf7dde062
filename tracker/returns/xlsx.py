"""The CCG returns workbook: writing it pre-filled, and reading an upload safely. No database.

Reading goes through the one spreadsheet reader (tracker.spreadsheets.reader): the archive is
checked before any XML is parsed, then every row is read whatever size the sheet declares.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tracker.returns import numbers
from tracker.spreadsheets import reader
from tracker.web.wording import plural

FORMAT = "paperless-tracker-returns-1"
DATA_SHEET = "Returns"
META_SHEET = "Metadata"
INSTRUCTIONS_SHEET = "Instructions"
MAX_UNCOMPRESSED = 40_000_000  # bytes, all members together
MAX_MEMBER_RATIO = 200  # a member expanding more than this is not a spreadsheet a person made
MAX_MEMBERS = 500
FIRST_DATA_ROW = 2


# The upload cannot be used; the message says why in words a CCG lead understands.
WorkbookError = reader.SpreadsheetError


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
    # Headed by the questions people read; the codes are on the Instructions sheet, in a column of their own.
    header = ["Practice code", "Practice name", *[c.name for c in columns]]
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
    yes_no, percent, count = answer_checks()
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
    ws.auto_filter.ref = f"A1:{get_column_letter(last_col)}{last_row}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    # Locked is the layout, not the rows: a lead may still filter and sort to find practices.
    ws.protection.autoFilter = False
    ws.protection.sort = False
    # Printed on A4 landscape, the question row and each practice's code and name on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = max(1, round(len(columns) / 6))
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_title_cols = "A:B"
    ws.oddFooter.right.text = "Page &P of &N"

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
    info.append([])
    info.append(["Column", "Question", "Indicator code", "What to enter"])
    for cell in info[info.max_row]:
        cell.font = bold
    for i, c in enumerate(columns, start=3):
        info.append([get_column_letter(i), c.name, c.code, _what_to_enter(c.unit)])
    info.column_dimensions["A"].width = 120
    info["A1"].font = bold

    meta = wb.create_sheet(META_SHEET)
    meta.append(["format", FORMAT])
    meta.append(["ccg", ccg_code])
    meta.append(["period", period_code])
    meta.append(["indicators", ",".join(c.code for c in columns)])
    meta.append(["headings", "\n".join(c.name for c in columns)])
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def limits(max_bytes: int, max_rows: int) -> reader.Limits:
    return reader.Limits(
        what="a returns workbook",
        start_from="download the returns workbook and fill that in",
        max_bytes=max_bytes,
        max_uncompressed=MAX_UNCOMPRESSED,
        max_members=MAX_MEMBERS,
        max_ratio=MAX_MEMBER_RATIO,
        # Room for blank rows between practices, never a million of them.
        max_rows_scanned=max(2 * max_rows + 1_000, 5_000),
    )


def _cell_value(cell: reader.Cell) -> Any:
    """The value as the person sees it: a percentage-formatted 0.12 is 12."""
    if cell.percent:
        return numbers.parse(cell.value, percent_format=True)
    return cell.value


def read_workbook(data: bytes, filename: str, *, max_bytes: int, max_rows: int) -> Upload:
    """Check the archive, then read the metadata and every practice row (values as shown)."""
    lim = limits(max_bytes, max_rows)
    wb = reader.open_workbook(data, filename, lim)
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
        rows = reader.rows(wb[DATA_SHEET], lim, max_col=2 + len(codes))
        first = next(rows, None)
        header = [c.value for c in first[1]] if first else None
        if header is None or not _headed_as_written(header[2 : 2 + len(codes)], codes, meta.get("headings")):
            raise WorkbookError(
                "The columns of the Returns sheet were changed: download a fresh workbook and copy the values in"
            )
        for number, cells in rows:
            values_in_row = [c.value for c in cells]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values_in_row):
                continue
            if len(upload.rows) >= max_rows:
                raise WorkbookError(
                    f"The workbook has more practice rows than your CCG has practices ({max_rows}): "
                    "use one row per practice"
                )
            code = str(values_in_row[0] or "").strip().upper() if values_in_row else ""
            try:
                values = {c: (_cell_value(cells[i]) if i < len(cells) else None) for i, c in enumerate(codes, start=2)}
            except numbers.NumberError as exc:
                raise WorkbookError(f"Row {number}: {exc}") from None
            upload.rows.append((number, code, values))
        return upload
    finally:
        wb.close()


def answer_checks() -> tuple[DataValidation, DataValidation, DataValidation]:
    """Excel's own checks of an answer cell, the form's rules: Yes or No; a percentage from 0 to
    100; a whole number of 0 or more. Add cell ranges to each, then the ones used to the sheet."""
    yes_no = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True, showErrorMessage=True)
    yes_no.error = "Choose Yes or No"
    percent = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True, showErrorMessage=True
    )
    percent.error = "Enter a percentage from 0 to 100"
    count = DataValidation(
        type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True, showErrorMessage=True
    )
    count.error = "Enter a whole number"
    return yes_no, percent, count


def problems_sentence(count: int) -> str:
    """What the upload page says above a workbook's problems."""
    return f"The workbook has {plural(count, 'problem')}: nothing was saved. Correct them and upload it again."


def _what_to_enter(unit: str) -> str:
    return {"yesno": "Yes or No", "percent": "A percentage from 0 to 100"}.get(unit, "A whole number")


def _headed_as_written(found: list[Any], codes: list[str], headings: str | None) -> bool:
    """The indicator columns carry the headings the tracker wrote (workbooks written before the
    headings were plain questions end each heading with the code in brackets)."""
    if headings is not None:
        return [str(h or "").strip() for h in found] == headings.split("\n")
    return [str(h or "").split(" ")[-1] for h in found] == [f"({c})" for c in codes]


def column_letter(index: int) -> str:
    """Excel letter of a 0-based indicator column (after the code and name columns)."""
    return get_column_letter(index + 3)

"""Writing a Book as an Excel workbook with openpyxl in write-only mode. No database.

- Everything about a sheet (widths, frozen panes, the Excel table and its filter, conditional
  formats, charts) is set before its first row: write-only mode streams rows straight to disk.
- Numbers are numbers with a number format (percentages are fractions shown as %, money is pounds).
- Text people typed is always a string cell: openpyxl would turn "=..." into a formula otherwise.
- The same Book gives the same bytes: document timestamps come from the data, and every zip member
  gets a fixed date instead of the clock's.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
import warnings
from collections.abc import Callable
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.writer.excel import ExcelWriter

from tracker.exports.calculations import safe_text
from tracker.exports.layout import Book, Chart, Sheet, Typed

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    "int": "#,##0",
    "num": "0.0",
    "pct": "0.0%",
    "yesno": '"Yes";"Yes";"No"',
    "pounds": '"£"#,##0.00',
    "pounds_pp": '"£"#,##0.00',
    "date": "dd/mm/yyyy",
}
# Status colours (Excel's own good/neutral/bad), always beside the status in words.
STATUS_COLOURS = {"On track": ("C6EFCE", "006100"), "At risk": ("FFEB9C", "9C5700"), "Off track": ("FFC7CE", "9C0006")}
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


class _FixedTimeZip(ZipFile):
    """A zip whose members all carry one fixed date, so the same content gives the same bytes."""

    def __init__(self, file: Any, date_time: tuple[int, int, int, int, int, int]) -> None:
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True)
        self._fixed = date_time

    def _info(self, name: str) -> ZipInfo:
        info = ZipInfo(name, date_time=self._fixed)
        info.compress_type = ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, ZipInfo) else zinfo_or_arcname
        super().writestr(self._info(name), data)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as src, self.open(self._info(arcname or filename), "w", force_zip64=True) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def write(book: Book) -> bytes:
    wb = Workbook(write_only=True)
    created = _naive_utc(book.created)
    wb.properties.title = book.title
    wb.properties.subject = book.subject
    wb.properties.keywords = book.keywords
    wb.properties.creator = "Paperless Tracker"
    wb.properties.lastModifiedBy = "Paperless Tracker"
    wb.properties.created = created
    wb.properties.modified = created
    sheets = {s.title: wb.create_sheet(title=s.title) for s in book.sheets}
    for sheet in book.sheets:
        _write_sheet(sheets[sheet.title], sheet, sheets, book)
    out = io.BytesIO()
    stamp = (max(created.year, 1980), created.month, created.day, created.hour, created.minute, created.second)
    archive = _FixedTimeZip(out, stamp)
    ExcelWriter(wb, archive).save()
    return out.getvalue()


def _write_sheet(ws: Any, sheet: Sheet, all_sheets: dict[str, Any], book: Book) -> None:
    ncols = len(sheet.columns)
    header_row = sheet.header_row
    last_row = header_row + len(sheet.rows)
    for i, col in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = f"{get_column_letter(sheet.freeze_columns + 1)}{header_row + 1}"
    ref = f"A{header_row}:{get_column_letter(ncols)}{max(last_row, header_row + 1)}"
    if sheet.rows:
        table = Table(displayName=f"tbl{sheet.title.replace(' ', '')}", ref=ref)
        table.tableColumns = [TableColumn(id=i, name=c.header) for i, c in enumerate(sheet.columns, start=1)]
        table.autoFilter = AutoFilter(ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        with warnings.catch_warnings():  # openpyxl warns in write-only mode; the columns are set above
            warnings.simplefilter("ignore", UserWarning)
            ws.add_table(table)
    else:
        ws.auto_filter.ref = ref
    for i, col in enumerate(sheet.columns, start=1):
        if col.kind == "status" and sheet.rows:
            letter = get_column_letter(i)
            cells = f"{letter}{header_row + 1}:{letter}{last_row}"
            for words, (fill, font) in STATUS_COLOURS.items():
                ws.conditional_formatting.add(
                    cells,
                    CellIsRule(
                        operator="equal",
                        formula=[f'"{words}"'],
                        fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"),
                        font=Font(color=font),
                    ),
                )
    for chart in sheet.charts:
        ws.add_chart(_chart(chart, all_sheets, book), chart.anchor)
    # Printing: landscape, as wide as one page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if sheet.charts else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    for n, line in enumerate(sheet.preamble):
        cell = WriteOnlyCell(ws, safe_text(line))
        cell.data_type = "s"
        cell.font = TITLE_FONT if n == 0 else HEADER_FONT
        ws.append([cell])
    # Wrapped headers: the row's height is stored, as not every reader fits it on opening.
    lines = max((math.ceil(len(c.header) / max(c.width - 1, 1)) for c in sheet.columns), default=1)
    ws.row_dimensions[header_row].height = 15 * min(max(lines, 1), 4)
    headers = []
    for col in sheet.columns:
        cell = WriteOnlyCell(ws, col.header)
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.alignment = WRAP
        headers.append(cell)
    ws.append(headers)
    converters = [_converter(ws, col.kind) for col in sheet.columns]
    # Rows from here on are lists of ready-made cells (or None): skip openpyxl's value-to-cell step,
    # which builds an exception and a repr for every styled cell it is handed.
    ws._values_to_row = _cells_to_row
    append = ws.append
    for row in sheet.rows:
        append([convert(value) for convert, value in zip(converters, row, strict=True)])


def _cells_to_row(cells: list[Any], row_idx: int) -> Any:
    for col_idx, cell in enumerate(cells, 1):
        if cell is not None:
            cell.row = row_idx
            cell.column = col_idx
            yield cell


def _text_cell(ws: Any) -> Callable[[Any], Any]:
    template = WriteOnlyCell(ws)

    def text(value: Any) -> Any:
        # A string cell by hand: assigning .value would turn "=..." into a formula.
        template._value = safe_text(value)
        template.data_type = "s"
        return template

    return text


def _converter(ws: Any, kind: str) -> Callable[[Any], Any]:
    """A function from a row's value to what ws.append takes. Styled cells are reused per column:
    write-only mode serialises each row as it is appended."""
    text = _text_cell(ws)
    typed_cache: dict[str, Callable[[Any], Any]] = {}

    def typed(value: Typed) -> Any:
        if value.kind not in typed_cache:
            typed_cache[value.kind] = _converter(ws, value.kind)
        return typed_cache[value.kind](value.value)

    if kind in ("code", "status"):
        plain = WriteOnlyCell(ws)

        def code(value: Any) -> Any:
            if value is None or value == "":
                return None
            if isinstance(value, Typed):
                return typed(value)
            if value[:1] in ("=", "+", "-", "@"):
                return text(value)
            plain._value = value
            plain.data_type = "s"
            return plain

        return code
    if kind == "text":
        return lambda value: None if value is None or value == "" else text(value)
    template = WriteOnlyCell(ws)
    template.number_format = FORMATS[kind]
    scale = 0.01 if kind == "pounds" or kind == "pounds_pp" else 1
    is_date = kind == "date"

    def number(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return text(value)
        if isinstance(value, Typed):
            return typed(value)
        if is_date:
            template._value = value
            template.data_type = "d"
        else:
            template._value = value * scale if scale != 1 else value
            template.data_type = "n"
        return template

    return number


def _chart(spec: Chart, sheets: dict[str, Any], book: Book) -> Any:
    source = sheets[spec.sheet]
    chart: Any = BarChart() if spec.kind == "bar" else LineChart()
    if spec.kind == "bar":
        chart.type = "col"
    chart.title = spec.title
    chart.width, chart.height = 26, 8.5
    chart.y_axis.title = spec.y_title or None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1 if spec.percent else spec.y_max
    if spec.percent:
        chart.y_axis.number_format = "0%"
    data = book.sheet_by_title(spec.sheet)
    cat_col = data.column_index(spec.category)
    for header in spec.series:
        col = data.column_index(header)
        chart.add_data(
            Reference(source, min_col=col, min_row=spec.first_row - 1, max_row=spec.last_row), titles_from_data=True
        )
    chart.set_categories(Reference(source, min_col=cat_col, min_row=spec.first_row, max_row=spec.last_row))
    return chart

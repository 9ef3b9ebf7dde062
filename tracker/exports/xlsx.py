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
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.writer.excel import ExcelWriter

from tracker.exports.calculations import safe_text
from tracker.exports.layout import Book, Chart, Column, Sheet, SmallTable, Typed

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
# The font is named, so that every reader (and its PDF export) shows the sheet's own.
HEADER_FONT = Font(name="Calibri", bold=True)
TITLE_FONT = Font(name="Calibri", bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
# Printing on A4 landscape (29.7 cm wide) with side margins in inches, as Excel keeps them.
PAPER_A4 = "9"
MARGIN_SIDE_IN = 0.4
PRINTABLE_WIDTH_CM = 29.7 - 2 * MARGIN_SIDE_IN * 2.54
READABLE_SCALE = 0.7  # smallest print scale that keeps 11 pt text readable (about 8 pt on paper)
CHART_WIDTH_CM = 15.0  # beside the Summary's figures on one page
CHART_HEIGHT_CM = 6.5  # two to a page
SIDEWAYS_WIDTH_CM = 22.0  # room for a CCG's name on one line (the page then prints a little smaller)
ROW_CM = 15 / 72 * 2.54  # a row of 15 pt
PAGE_ROWS = 28  # rows of charts a page holds below the Summary's title rows
COLUMNS_UP_TO = 8  # categories beyond which bars lie sideways, their long names one under another


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


def _cm(width: float) -> float:
    """A column width in Excel's units (digits of the default font, 7 px, plus 5 px) in cm."""
    return (width * 7 + 5) * 2.54 / 96


def _used_columns(sheet: Sheet) -> int:
    return max([len(sheet.columns), *(len(t.columns) for t in sheet.small_tables)])


def _widths(sheet: Sheet) -> list[float]:
    """Each column's width: the widest of the sheet's table and its small tables at that place."""
    widths = [0.0] * _used_columns(sheet)
    for columns in (sheet.columns, *(t.columns for t in sheet.small_tables)):
        for i, col in enumerate(columns):
            widths[i] = max(widths[i], col.width)
    return widths


def chart_size(chart: Chart) -> tuple[float, float]:
    """(width, height) in cm. Bars lie sideways when there are many categories (a region's CCGs),
    so that every name can be read, in a chart as tall as they need, up to a page."""
    if chart.kind == "bar" and chart.categories > COLUMNS_UP_TO:
        height = min(max(CHART_HEIGHT_CM, 2 + 0.45 * chart.categories), (PAGE_ROWS - 1) * ROW_CM)
        return SIDEWAYS_WIDTH_CM, height
    return CHART_WIDTH_CM, CHART_HEIGHT_CM


def pages_wide(sheet: Sheet) -> int:
    """How many A4 landscape pages wide the sheet prints: one if it fits at a readable scale, else
    as few as keep that scale, each with the identifying columns repeated on its left."""
    if sheet.charts:
        return 1
    widths = [_cm(w) for w in _widths(sheet)]
    page = PRINTABLE_WIDTH_CM / READABLE_SCALE
    total = sum(widths)
    if total <= page:
        return 1
    titles = sum(widths[: sheet.freeze_columns])
    return math.ceil((total - titles) / (page - titles))


def _print_setup(ws: Any, sheet: Sheet, book: Book) -> None:
    """A4 landscape, as wide as `pages_wide` pages, header rows (and identifying columns) on every
    page, the workbook's title, the sheet's name and the page number in the margins."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.fitToWidth = pages_wide(sheet)
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.page_setup.pageOrder = "overThenDown"  # a row's later columns straight after its first
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(
        left=MARGIN_SIDE_IN, right=MARGIN_SIDE_IN, top=0.75, bottom=0.75, header=0.3, footer=0.3
    )
    ws.print_options.horizontalCentered = False
    ws.print_title_rows = f"1:{sheet.header_row}"
    if sheet.freeze_columns:
        ws.print_title_cols = f"A:{get_column_letter(sheet.freeze_columns)}"
    ws.oddHeader.left.text = book.title.replace("&", "&&")
    ws.oddHeader.right.text = "&A"  # the sheet's name
    ws.oddFooter.right.text = "Page &P of &N"


def _add_table(ws: Any, name: str, ref: str, headers: list[str]) -> None:
    table = Table(displayName=name, ref=ref)
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    table.autoFilter = AutoFilter(ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    with warnings.catch_warnings():  # openpyxl warns in write-only mode; the columns are set above
        warnings.simplefilter("ignore", UserWarning)
        ws.add_table(table)


def _table_name(title: str) -> str:
    return "tbl" + "".join(ch for ch in title if ch.isalnum())


def line_count(text: str, width: float) -> int:
    """Lines a wrapped cell of that width takes, word by word, at 1.1 characters per unit of width
    (text is narrower than the digits the unit measures; kept low so that nothing prints cut off)."""
    per_line = max(int(width * 1.1) - 1, 1)
    lines = 0
    for paragraph in text.split("\n"):
        used = 0
        lines += 1
        for word in paragraph.split():
            while len(word) > per_line:  # a word longer than the line breaks anywhere
                if used:
                    lines += 1
                lines += 1
                word = word[per_line:]
                used = 0
            if used and used + 1 + len(word) > per_line:
                lines += 1
                used = len(word)
            else:
                used += (1 if used else 0) + len(word)
    return max(lines, 1)


def _wrapped_lines(columns: list[Column], row: tuple[Any, ...]) -> int:
    """Lines the row's wrapped cells take: its height is stored, as not every reader fits rows on
    opening."""
    lines = 1
    for col, value in zip(columns, row, strict=True):
        if col.wrap and isinstance(value, str) and (len(value) >= col.width or "\n" in value):
            lines = max(lines, line_count(value, col.width))
    return lines


def _write_sheet(ws: Any, sheet: Sheet, all_sheets: dict[str, Any], book: Book) -> None:
    ncols = len(sheet.columns)
    header_row = sheet.header_row
    last_row = header_row + len(sheet.rows)
    for i, width in enumerate(_widths(sheet), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"{get_column_letter(sheet.freeze_columns + 1)}{header_row + 1}"
    ref = f"A{header_row}:{get_column_letter(ncols)}{max(last_row, header_row + 1)}"
    if sheet.rows:
        _add_table(ws, _table_name(sheet.title), ref, [c.header for c in sheet.columns])
    else:
        ws.auto_filter.ref = ref
    # Small tables: below the sheet's table, a blank row, their title, header and rows.
    small_rows: list[tuple[int, SmallTable]] = []
    row = last_row + 2
    for n, small in enumerate(sheet.small_tables, start=1):
        small_rows.append((row, small))
        top, bottom = row + 1, row + 1 + max(len(small.rows), 1)
        ref = f"A{top}:{get_column_letter(len(small.columns))}{bottom}"
        _add_table(ws, f"{_table_name(sheet.title)}{n}", ref, [c.header for c in small.columns])
        row = bottom + 2
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
    _place_charts(ws, sheet, all_sheets, book)
    _print_setup(ws, sheet, book)

    for n, line in enumerate(sheet.preamble):
        cell = WriteOnlyCell(ws, safe_text(line))
        cell.data_type = "s"
        cell.font = TITLE_FONT if n == 0 else HEADER_FONT
        ws.append([cell])
    _header_cells(ws, sheet.columns, header_row)
    wraps = any(col.wrap for col in sheet.columns)
    # Beside a wrapped cell, every cell of the row reads from the top.
    converters = [_converter(ws, col.kind, WRAP if col.wrap else TOP if wraps else None) for col in sheet.columns]
    # Rows from here on are lists of ready-made cells (or None): skip openpyxl's value-to-cell step,
    # which builds an exception and a repr for every styled cell it is handed.
    ws._values_to_row = _cells_to_row
    append = ws.append
    dimensions = ws.row_dimensions
    for n, values in enumerate(sheet.rows, start=header_row + 1):
        if wraps:
            lines = _wrapped_lines(sheet.columns, values)
            if lines > 1:
                dimensions[n].height = 15 * lines
        append([convert(value) for convert, value in zip(converters, values, strict=True)])
    written = last_row
    for first, small in small_rows:
        for _ in range(first - written - 1):
            append([])
        title = WriteOnlyCell(ws, safe_text(small.title))
        title.data_type = "s"
        title.font = HEADER_FONT
        append([title])
        _header_cells(ws, small.columns, first + 1)
        small_converters = [_converter(ws, col.kind) for col in small.columns]
        for values in small.rows:
            append([convert(value) for convert, value in zip(small_converters, values, strict=True)])
        written = first + 1 + len(small.rows)


def _header_cells(ws: Any, columns: list[Column], row: int) -> None:
    # Wrapped headers: the row's height is stored, as not every reader fits it on opening.
    lines = max((line_count(c.header, c.width - 1) for c in columns), default=1)  # bold: a little wider
    ws.row_dimensions[row].height = 15 * min(lines, 8)
    headers = []
    for col in columns:
        cell = WriteOnlyCell(ws, col.header)
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.alignment = WRAP
        headers.append(cell)
    ws.append(headers)


def _place_charts(ws: Any, sheet: Sheet, all_sheets: dict[str, Any], book: Book) -> None:
    """Charts beside the sheet's table (after a narrow gap column), one under the other, below the
    rows repeated on every printed page, with a page break before a chart the page has no room
    for, so that no chart is cut in two on paper."""
    if not sheet.charts:
        return
    gap = _used_columns(sheet) + 1
    ws.column_dimensions[get_column_letter(gap)].width = 2
    column = get_column_letter(gap + 1)
    page_top = top = sheet.header_row + 1
    for spec in sheet.charts:
        rows = math.ceil(chart_size(spec)[1] / ROW_CM) + 1  # and a row's gap
        if top > page_top and top + rows - page_top > PAGE_ROWS:
            ws.row_breaks.append(Break(id=top - 1))
            page_top = top
        ws.add_chart(_chart(spec, all_sheets, book), f"{column}{top}")
        top += rows


def _cells_to_row(cells: list[Any], row_idx: int) -> Any:
    for col_idx, cell in enumerate(cells, 1):
        if cell is not None:
            cell.row = row_idx
            cell.column = col_idx
            yield cell


class _Template(Cell):
    """A column's cell, reused for each of its rows (write-only mode serialises a row as it is
    appended), its style set before its first row and not after. openpyxl looks a cell's style up
    in the workbook's styles for every cell written (hashing it twice): a template looks it up once.
    """

    __slots__ = ("_style_id", "_styled")

    def __init__(self, ws: Any) -> None:
        super().__init__(ws, column=1, row=1)
        self._style_id: int | None = None
        self._styled: bool | None = None

    @property
    def style_id(self) -> int:
        if self._style_id is None:
            self._style_id = super().style_id
        return self._style_id

    @property
    def has_style(self) -> bool:
        if self._styled is None:
            self._styled = super().has_style
        return self._styled


def _template(ws: Any, number_format: str | None = None, alignment: Alignment | None = None) -> _Template:
    template = _Template(ws)
    if number_format is not None:
        template.number_format = number_format
    if alignment is not None:
        template.alignment = alignment
    return template


def _text_cell(ws: Any, alignment: Alignment | None = None) -> Callable[[Any], Any]:
    template = _template(ws, alignment=alignment)

    def text(value: Any) -> Any:
        # A string cell by hand: assigning .value would turn "=..." into a formula.
        template._value = safe_text(value)
        template.data_type = "s"
        return template

    return text


def _converter(ws: Any, kind: str, alignment: Alignment | None = None) -> Callable[[Any], Any]:
    """A function from a row's value to what ws.append takes. Styled cells are reused per column:
    write-only mode serialises each row as it is appended."""
    text = _text_cell(ws, alignment)
    typed_cache: dict[str, Callable[[Any], Any]] = {}

    def typed(value: Typed) -> Any:
        if value.kind not in typed_cache:
            typed_cache[value.kind] = _converter(ws, value.kind, alignment)
        return typed_cache[value.kind](value.value)

    if kind in ("code", "status"):
        plain = _template(ws, alignment=alignment)

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
    template = _template(ws, FORMATS[kind], alignment)
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
    sideways = False
    if spec.kind == "bar":
        sideways = spec.categories > COLUMNS_UP_TO
        chart.type = "bar" if sideways else "col"
    # A title of 12 pt rather than the readers' 14 to 18, so that it keeps to one line.
    bold = CharacterProperties(sz=1200, b=True)
    chart.title = Title(
        tx=Text(
            rich=RichText(
                p=[Paragraph(pPr=ParagraphProperties(defRPr=bold), r=[RegularTextRun(rPr=bold, t=spec.title)])]
            )
        ),
        overlay=False,
    )
    chart.width, chart.height = chart_size(spec)
    if sideways:  # the first category at the top, as in the table; the values' axis stays below
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
        small = CharacterProperties(sz=800)
        chart.x_axis.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=small), endParaRPr=small)])
        chart.legend.position = "b"  # the names need the width
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

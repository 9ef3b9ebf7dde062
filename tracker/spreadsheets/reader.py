"""One safe reader of uploaded Excel workbooks, in the manner of notifications-admin's
`Spreadsheet`: explicit limits and named, human messages. No database.

The archive is checked before any XML is parsed: a zip holding an Excel workbook, without macros,
with no more than `max_members` parts expanding to no more than `max_uncompressed` bytes, no part
expanding suspiciously, no encrypted part, only the compression methods Excel writes, every CRC
right, and no formula in ANY part (a worksheet can live outside xl/worksheets/). Only then does
openpyxl read it, read-only and values only, and every row is read whatever size the sheet
declares, with a cap on the rows scanned (empty ones included) and on the CPU time spent.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

FORMULA = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3}\d{1,7})"[^>]*>\s*<(?:\w+:)?f[\s>/]')
ANY_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO = "Macro-enabled workbooks are not accepted: save the file as an Excel Workbook (.xlsx)"


class SpreadsheetError(ValueError):
    """The file cannot be used; the message says why in words the uploader understands."""


@dataclass(frozen=True)
class Limits:
    what: str  # what the upload should be, for messages: "a returns workbook"
    start_from: str  # where a good file comes from: "download the returns workbook and fill that in"
    not_excel: str = ""  # the message for a file that is no workbook at all, when it has its own words
    max_bytes: int = 5_000_000
    max_uncompressed: int = 40_000_000  # all parts together
    max_members: int = 500
    max_ratio: int = 200  # a part expanding more than this is not a spreadsheet a person made
    max_rows_scanned: int = 20_000  # rows read from a sheet, empty ones included
    max_seconds: float = 5.0  # CPU time reading the rows


@dataclass(frozen=True)
class Cell:
    value: Any
    percent: bool = False  # a number shown with a percentage format (it holds a fraction)


def _not_excel(limits: Limits) -> SpreadsheetError:
    if limits.not_excel:
        return SpreadsheetError(limits.not_excel)
    return SpreadsheetError(f"The file is not an Excel workbook (.xlsx): {limits.start_from}")


def check_archive(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse anything but a plain, sound .xlsx archive, before any of its XML is parsed."""
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(
            f"The file is larger than {limits.max_bytes / 1_000_000:g} MB: upload {limits.what} only"
        )
    if filename.lower().endswith((".xlsm", ".xltm", ".xlam")):
        raise SpreadsheetError(MACRO)
    if data.startswith(OLE):
        # Excel saves a password-protected workbook, and the old .xls format, in an OLE container.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise SpreadsheetError("The file is encrypted or password-protected: save it without a password")
        raise SpreadsheetError(
            f"The file is in the old Excel format (.xls): save it as an Excel Workbook (.xlsx), or {limits.start_from}"
        )
    if not data or not zipfile.is_zipfile(io.BytesIO(data)):
        raise _not_excel(limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        raise _not_excel(limits) from None
    if len(members) > limits.max_members:
        raise SpreadsheetError(f"The file holds too many parts to be {limits.what}")
    total = 0
    for m in members:
        lowered = m.filename.lower()
        if "vbaproject" in lowered or (lowered.endswith(".bin") and "vba" in lowered):
            raise SpreadsheetError(MACRO)
        if m.flag_bits & 0x1:
            raise SpreadsheetError("The file is encrypted or password-protected: save it without a password")
        if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SpreadsheetError(
                "The file is compressed in a way Excel does not use: open it in Excel and save it as .xlsx"
            )
        total += m.file_size
        if m.file_size > 1_000_000 and m.compress_size and m.file_size / m.compress_size > limits.max_ratio:
            raise SpreadsheetError(f"The file expands to far more than {limits.what} when opened, so it was not read")
    if total > limits.max_uncompressed:
        raise SpreadsheetError(f"The file expands to far more than {limits.what} when opened, so it was not read")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_excel(limits)
    for m in members:
        try:
            # Reading every part checks every CRC; the sizes were bounded above.
            body = archive.read(m.filename)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, EOFError):
            raise SpreadsheetError(
                "The file is damaged (it fails its own checks): save it again in Excel and upload the new copy"
            ) from None
        if m.filename == "[Content_Types].xml" and b"macroEnabled" in body:
            raise SpreadsheetError(MACRO)
        if m.filename.lower().endswith((".xml", ".rels", ".vml")) and ANY_FORMULA.search(body):
            match = FORMULA.search(body)
            where = f"Cell {match.group(1).decode()}" if match else "A cell"
            raise SpreadsheetError(f"{where} holds a formula: type the values themselves, not formulas")


def open_workbook(data: bytes, filename: str, limits: Limits) -> Any:
    """The checked workbook, opened read-only with values only (close it after use)."""
    check_archive(data, filename, limits)
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on broken files
        raise SpreadsheetError(f"The file could not be read as an Excel workbook: {limits.start_from}") from None


def rows(sheet: Any, limits: Limits, *, max_col: int | None = None) -> Iterator[tuple[int, list[Cell]]]:
    """(row number, cells) for every row of a read-only sheet, whatever size it declares.

    Refuses (SpreadsheetError) past `max_rows_scanned` rows, empty rows included, or
    `max_seconds` of CPU: a small file can still describe a million rows.
    """
    sheet.reset_dimensions()  # the declared size can be smaller than the data: read every row
    started = time.process_time()
    for count, row in enumerate(sheet.iter_rows(max_col=max_col), start=1):
        if count > limits.max_rows_scanned:
            raise SpreadsheetError(
                f"The sheet has more than {limits.max_rows_scanned:,} rows (empty ones count): "
                f"delete the rows you do not use, or upload {limits.what}"
            )
        if count % 500 == 0 and time.process_time() - started > limits.max_seconds:
            raise SpreadsheetError(f"The file takes too long to read: upload {limits.what}, without extra rows")
        cells = []
        for cell in row:
            value = getattr(cell, "value", None)
            fmt = getattr(cell, "number_format", None) or ""
            percent = isinstance(value, int | float) and not isinstance(value, bool) and "%" in fmt
            cells.append(Cell(value, percent))
        # Read-only sheets fill the gaps between stored rows, so the count is the row number.
        yield count, cells

"""A practice's own return as a workbook: one row per question, written pre-filled, read back
safely and checked with the form's own rules. No database.

It is the whole return, as the form is: an empty cell is an empty answer (the preview shows it
as "Not given"), so clearing a cell clears the value. Reading goes through the one spreadsheet
reader (tracker.spreadsheets.reader) with the returns workbook's limits.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection

from tracker.indicators.catalogue import IndicatorSpec
from tracker.returns import calculations as calc
from tracker.returns import xlsx
from tracker.returns.calculations import Entry
from tracker.returns.presenters import format_value
from tracker.returns.upload_checks import upload_state
from tracker.spreadsheets import reader

FORMAT = "paperless-tracker-practice-return-1"
DATA_SHEET = "Return"
META_SHEET = "Metadata"
INSTRUCTIONS_SHEET = "Instructions"
HEADER_ROW = 3
FIRST_ROW = 4
# Columns of the Return sheet (1-based), and how a message names each.
THEME, QUESTION, WHAT, VALUE, NUMERATOR, DENOMINATOR, COMMENT, PREVIOUS = range(1, 9)
WHAT_TO_ENTER = {
    "yesno": "Yes or No",
    "percent": "A percentage from 0 to 100 (or a numerator and denominator)",
    "count": "A whole number",
}
NOT_OURS = "This is not the tracker's workbook for a practice's return: download it from this page and fill that in"
CCG_WORKBOOK = (
    "This is a CCG's returns workbook (one row for each practice), not your practice's own: "
    "download your practice's workbook from this page and fill that in"
)

WorkbookError = reader.SpreadsheetError


@dataclass
class Upload:
    """What a practice's workbook holds: whose return it is and each question's cells."""

    practice_code: str
    period_code: str
    version: int
    codes: list[str]
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> value, numerator, denominator, comment
    rows: dict[str, int] = field(default_factory=dict)  # code -> row number


@dataclass
class Checked:
    errors: list[str] = field(default_factory=list)
    changes: list[dict[str, str]] = field(default_factory=list)  # indicator, old, new
    warnings: list[str] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    new_state: str | None = None

    @property
    def anything_to_save(self) -> bool:
        return not self.errors and bool(self.changes)


def _cell(value: float | None, unit: str) -> Any:
    if value is None:
        return None
    if unit == "yesno":
        return "Yes" if value >= 0.5 else "No"
    return float(value)


def write_workbook(
    *,
    practice_code: str,
    practice_name: str,
    period_label: str,
    period_code: str,
    previous_label: str,
    due_on: str,
    version: int,
    specs: list[IndicatorSpec],
    entries: dict[str, Entry],
    previous: dict[str, Entry],
) -> bytes:
    """The return as a workbook: the questions and the previous period's values locked, the
    answers open, with the CCG workbook's Yes/No and 0-100 checks."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    bold = Font(bold=True)
    grey = PatternFill("solid", fgColor="E8EDEE")
    ws["A1"] = f"{practice_name} ({practice_code}): {period_label} return, due {due_on}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "Fill in the white cells. Grey cells cannot be changed."
    previous_heading = f"Value for {previous_label} (for reference)" if previous_label else "Previous period"
    ws.append(
        [
            "Theme",
            "Question",
            "What to enter",
            f"Value for {period_label}",
            "Numerator",
            "Denominator",
            "Comment",
            previous_heading,
        ]
    )
    for cell in ws[HEADER_ROW]:
        cell.font = bold
        cell.fill = grey
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    yes_no, percent, count = xlsx.answer_checks()
    for offset, spec in enumerate(specs):
        row = FIRST_ROW + offset
        entry = entries.get(spec.code) or Entry()
        before = previous.get(spec.code)
        ws.append(
            [
                spec.theme,
                spec.name,
                WHAT_TO_ENTER.get(spec.unit, ""),
                _cell(entry.value, spec.unit),
                entry.numerator if spec.unit == "percent" else None,
                entry.denominator if spec.unit == "percent" else None,
                entry.comment or None,
                format_value(spec, before) if before is not None else "No return",
            ]
        )
        open_columns = [VALUE, COMMENT] + ([NUMERATOR, DENOMINATOR] if spec.unit == "percent" else [])
        for column in range(THEME, PREVIOUS + 1):
            cell = ws.cell(row=row, column=column)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column in open_columns:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = grey
        target = {"yesno": yes_no, "percent": percent}.get(spec.unit, count)
        target.add(f"D{row}")
        if spec.unit == "percent":
            count.add(f"E{row}:F{row}")
    for dv in (yes_no, percent, count):
        if dv.sqref:
            ws.add_data_validation(dv)
    for letter, width in zip("ABCDEFGH", (22, 50, 24, 16, 13, 13, 40, 22), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"D{FIRST_ROW}"
    # Locked structure: no rows or columns added, removed or moved; formatting stays free.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    info = wb.create_sheet(INSTRUCTIONS_SHEET)
    for line in (
        f"{period_label} return of {practice_name} ({practice_code}), due {due_on}",
        "",
        "1. On the Return sheet, answer each question in the Value column. It holds what the tracker had "
        "when you downloaded this workbook.",
        "2. Yes/no questions: choose Yes or No. Percentages: a number from 0 to 100 (no % sign needed); "
        "you may give a numerator and denominator instead, and the percentage is worked out.",
        "3. A fall of more than 20 points since last period, or a yes turned to no, needs a comment to submit.",
        "4. An empty cell is an empty answer, as on the form. Type values, not formulas.",
        "5. Save as an Excel Workbook (.xlsx) and upload it on your return's workbook page. The tracker shows "
        "every change and every problem before anything is saved; nothing is saved if any cell is wrong.",
        "6. If someone changes the return on the website after you downloaded this workbook, the upload is "
        "refused so that their changes are not lost: download a fresh workbook.",
        "Do not change the Metadata sheet: it tells the tracker which practice and period this workbook is for.",
    ):
        info.append([line])
    info.column_dimensions["A"].width = 120
    info["A1"].font = bold

    meta = wb.create_sheet(META_SHEET)
    meta.append(["format", FORMAT])
    meta.append(["practice", practice_code])
    meta.append(["period", period_code])
    meta.append(["version", version])
    meta.append(["indicators", ",".join(s.code for s in specs)])
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _read_meta(wb: Any) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        raise WorkbookError(NOT_OURS)
    meta: dict[str, str] = {}
    for row in wb[META_SHEET].iter_rows(min_row=1, max_row=10, max_col=2, values_only=True):
        if row and row[0] is not None:
            meta[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
    if meta.get("format") == xlsx.FORMAT:
        raise WorkbookError(CCG_WORKBOOK)
    if meta.get("format") != FORMAT or DATA_SHEET not in wb.sheetnames:
        raise WorkbookError(NOT_OURS)
    return meta


def read_workbook(data: bytes, filename: str, *, max_bytes: int, names: dict[str, str]) -> Upload:
    """Check the archive, then read whose return it is and every question's cells.

    `names`: each indicator's name by code, to see that the rows are still the questions."""
    lim = xlsx.limits(max_bytes, len(names))
    wb = reader.open_workbook(data, filename, lim)
    try:
        meta = _read_meta(wb)
        codes = [c for c in meta.get("indicators", "").split(",") if c]
        try:
            version = int(float(meta.get("version", "")))
        except ValueError:
            raise WorkbookError(NOT_OURS) from None
        upload = Upload(meta.get("practice", "").upper(), meta.get("period", ""), version, codes)
        moved = "The rows of the Return sheet were changed: download a fresh workbook and copy your answers in"
        for number, cells in reader.rows(wb[DATA_SHEET], lim, max_col=PREVIOUS):
            if number < FIRST_ROW:
                continue
            values = [c.value for c in cells] + [None] * (PREVIOUS - len(cells))
            index = number - FIRST_ROW
            if index >= len(codes):
                if any(v is not None and str(v).strip() for v in values[VALUE - 1 : COMMENT]):
                    raise WorkbookError(f"Row {number} is below the last question: {moved[0].lower()}{moved[1:]}")
                continue
            code = codes[index]
            if code in names and str(values[QUESTION - 1] or "").strip() != names[code]:
                raise WorkbookError(moved)
            value_cell = cells[VALUE - 1] if len(cells) >= VALUE else reader.Cell(None)
            upload.raw[code] = {
                "value": _plain(value_cell.value),
                "percent_format": value_cell.percent,
                "numerator": _plain(values[NUMERATOR - 1]),
                "denominator": _plain(values[DENOMINATOR - 1]),
                "comment": "" if values[COMMENT - 1] is None else str(values[COMMENT - 1]),
            }
            upload.rows[code] = number
        if len(upload.rows) != len(codes):
            raise WorkbookError(moved)
        return upload
    finally:
        wb.close()


def _plain(value: Any) -> Any:
    """A cell's value as the checks take it, and as it can be kept as JSON until applied."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # a date Excel made of what was typed: the checks refuse it in words


def _show(spec: IndicatorSpec, entry: Entry | None) -> str:
    text = format_value(spec, entry)
    if entry is not None and entry.comment:
        text += f' – comment: "{entry.comment}"'
    return text


def _found(raw: dict[str, Any], field_id: str, code: str) -> str:
    key = field_id[len(code) + 1 :] if field_id != code else "value"
    given = raw.get(key)
    if given is None or (isinstance(given, str) and not given.strip()):
        return ""
    text = given if isinstance(given, str) else f"{given:g}" if isinstance(given, float) else str(given)
    return f" (found {text.strip()[:40]!r})"


def check(
    upload: Upload,
    *,
    practice_code: str,
    period_code: str,
    specs: list[IndicatorSpec],
    current: dict[str, Entry],
    previous: dict[str, float | None],
    state: str | None,
    submit: bool,
) -> Checked:
    """Every problem by row and question in plain words, and the changes the upload would make.

    Raises WorkbookError when the whole workbook is for something else (practice, period, questions).
    """
    if upload.practice_code != practice_code:
        raise WorkbookError(
            f"This workbook is for practice {upload.practice_code or 'unknown'}, not {practice_code}: "
            "download this practice's own workbook from this page"
        )
    if upload.period_code != period_code:
        label = upload.period_code.replace("-", " ") or "another period"
        raise WorkbookError(
            f"This workbook is for the {label} return, not {period_code.replace('-', ' ')}: "
            "download the workbook of this return from this page"
        )
    if upload.codes != [s.code for s in specs]:
        raise WorkbookError("The questions have changed since this workbook was made: download a fresh one")
    found = calc.check_return(specs, upload.raw, previous, submitting=submit)
    out = Checked(entries=found.entries)
    by_code = {s.code: s for s in specs}
    for field_id, message in found.errors.items():
        code = field_id.split("-", 1)[0] if field_id not in by_code else field_id
        spec = by_code[code]
        column = field_id[len(code) + 1 :] if field_id != code else "value"
        out.errors.append(
            f"Row {upload.rows[code]} ({spec.name}), {column}: {message}"
            f"{_found(upload.raw.get(code, {}), field_id, code)}"
        )
    out.warnings = list(found.warnings.values())
    for spec in specs:
        old, new = current.get(spec.code) or Entry(), found.entries.get(spec.code) or Entry()
        if old != new:
            out.changes.append({"indicator": spec.name, "old": _show(spec, old), "new": _show(spec, new)})
    new_state = upload_state(state, submit)
    out.new_state = new_state
    if state != new_state:
        out.changes.append(
            {"indicator": "Status", "old": calc.STATE_LABELS[state], "new": calc.STATE_LABELS[new_state]}
        )
    return out

"""Checking an uploaded returns workbook against the CCG, the period and the values already held.
Pure: the service gathers the facts, this decides every error, change and warning."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tracker.indicators.catalogue import IndicatorSpec
from tracker.returns import calculations as calc
from tracker.returns.calculations import Entry
from tracker.returns.xlsx import Upload, WorkbookError, column_letter


@dataclass
class Checked:
    errors: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # practice, indicator, old, new
    warnings: list[str] = field(default_factory=list)
    merged: dict[str, dict[str, Entry]] = field(default_factory=dict)  # practice code -> entries, changed rows only


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _show(spec: IndicatorSpec, entry: Entry | None) -> str:
    if entry is None or entry.value is None:
        return "blank"
    if spec.unit == "yesno":
        return "Yes" if entry.value >= 0.5 else "No"
    return f"{entry.value:g}" + ("%" if spec.unit == "percent" else "")


def upload_state(state: str | None, submit: bool) -> str:
    """The state a changed row's return takes, as the lifecycle will make it."""
    from tracker.returns.lifecycle import TRANSITIONS, Event

    transition = TRANSITIONS.get((state, Event.SUBMIT if submit else Event.SAVE))
    return transition.to if transition else (state or "draft")


def check_upload(
    upload: Upload,
    *,
    ccg_code: str,
    period_code: str,
    specs: list[IndicatorSpec],
    practices: dict[str, str],
    current: dict[str, dict[str, Entry]],
    previous: dict[str, dict[str, float | None]],
    states: dict[str, str | None],
    submit: bool,
) -> Checked:
    """Every problem by row and column, and the changes the upload would make.

    Raises WorkbookError when the whole workbook is for something else (CCG, period, catalogue).
    An empty cell keeps the value already held.
    """
    if upload.ccg_code != ccg_code:
        raise WorkbookError(
            f"This workbook is for CCG {upload.ccg_code or 'unknown'}, not yours ({ccg_code}): download your own"
        )
    if upload.period_code != period_code:
        raise WorkbookError(
            f"This workbook is for period {upload.period_code or 'unknown'}; the period open for returns is "
            f"{period_code}: download a fresh workbook"
        )
    by_code = {s.code: s for s in specs}
    if set(upload.codes) != set(by_code):
        raise WorkbookError("The indicators have changed since this workbook was made: download a fresh one")
    out = Checked()
    seen: dict[str, int] = {}
    for number, practice_code, values in upload.rows:
        if not practice_code:
            out.errors.append(f"Row {number}, column A: enter the practice's ODS code")
            continue
        if practice_code not in practices:
            out.errors.append(f"Row {number}, column A: {practice_code} is not a practice of your CCG")
            continue
        if practice_code in seen:
            out.errors.append(f"Row {number}, column A: {practice_code} is already on row {seen[practice_code]}")
            continue
        seen[practice_code] = number
        held = current.get(practice_code, {})
        merged = dict(held)
        row_changes = []
        for index, code in enumerate(upload.codes):
            spec = by_code[code]
            given = values.get(code)
            text = _cell_text(given)
            if not text:
                continue
            found = calc.Checked()
            # Numbers and booleans go to the parser as they are: text of them would lose digits.
            raw = (
                given.strip() if isinstance(given, str) else (given if isinstance(given, bool | int | float) else text)
            )
            entry = calc.check_indicator(spec, {"value": raw}, found)
            where = f"Row {number}, column {column_letter(index)} ({spec.name})"
            if found.errors:
                for message in found.errors.values():
                    out.errors.append(f"{where}: {message} – found {text[:40]!r}")
                continue
            old = held.get(code)
            keep = old or Entry()
            new = Entry(
                entry.value,
                keep.numerator if keep.value == entry.value else None,
                keep.denominator if keep.value == entry.value else None,
                keep.comment,
            )
            if (old or Entry()).value != new.value:
                merged[code] = new
                row_changes.append(
                    {
                        "practice": practice_code,
                        "name": practices[practice_code],
                        "indicator": spec.name,
                        "code": code,
                        "old": _show(spec, old),
                        "new": _show(spec, new),
                    }
                )
        for spec in specs:
            warning = calc.warning_for(
                spec, (merged.get(spec.code) or Entry()).value, previous.get(practice_code, {}).get(spec.code)
            )
            if warning and any(c["code"] == spec.code for c in row_changes):
                out.warnings.append(f"{practice_code}: {warning}")
                if submit and not (merged.get(spec.code) or Entry()).comment:
                    # As on the form: a big change is submitted only with a reason beside it.
                    out.errors.append(
                        f"Row {number}: {practice_code}: {warning}: it needs a comment, so save the workbook as "
                        "drafts and add the comment on the practice's return before submitting"
                    )
        if not row_changes:
            # A row identical to what is held is left alone whatever the mode: uploading must
            # never submit an untouched draft, undo a review decision or reopen an approved return.
            continue
        state = states.get(practice_code)
        if submit:
            missing = [s.name for s in specs if (merged.get(s.code) or Entry()).value is None]
            if missing:
                out.errors.append(
                    f"Row {number}: {practice_code} cannot be submitted because these are empty: {', '.join(missing)}"
                )
        new_state = upload_state(state, submit)
        if state != new_state:
            row_changes.append(
                {
                    "practice": practice_code,
                    "name": practices[practice_code],
                    "indicator": "Status",
                    "code": "",
                    "old": calc.STATE_LABELS[state],
                    "new": calc.STATE_LABELS[new_state],
                }
            )
        if row_changes:
            out.changes.extend(row_changes)
            out.merged[practice_code] = merged
    return out

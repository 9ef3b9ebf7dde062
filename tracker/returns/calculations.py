"""The rules of a return, without a database: parsing and checking values, plausibility
warnings, and the lifecycle (what may change, by whom, when)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from tracker.figures import rules
from tracker.indicators.catalogue import IndicatorSpec
from tracker.returns import numbers
from tracker.web import wording

STATES = ("draft", "submitted", "approved", "returned")
STATE_LABELS = {
    None: "Not started",
    "draft": "Draft",
    "submitted": "Submitted",
    "approved": "Approved",
    "returned": "Returned to practice",
}
MISSED_LABEL = "Missed"
EDITABLE_BY_PRACTICE = (None, "draft", "returned")
OUTSTANDING = (None, "draft", "returned")  # still to come from the practice: not started, draft or returned
FALL_WARNING_POINTS = 20.0
COMMENT_MAX = 1000
URL_CODE = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")


# --- Period codes in URLs ------------------------------------------------------------------


def url_code(period_code: str) -> str:
    """'2017/18-Q4' -> '2017-18-Q4' (a slash cannot sit in a path segment)."""
    return period_code.replace("/", "-", 1)


def period_code_from_url(text: str) -> str | None:
    match = URL_CODE.match(text.strip())
    if not match:
        return None
    return f"{match[1]}/{match[2]}-Q{match[3]}"


# --- Values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One indicator's value as it will be stored (yes/no as 1/0)."""

    value: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    comment: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "comment": self.comment,
        }


@dataclass
class Checked:
    """The result of checking a return's input: entries, errors (field id -> message), warnings."""

    entries: dict[str, Entry] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)  # indicator code -> message

    def error(self, field_id: str, message: str) -> None:
        self.errors.setdefault(field_id, message)


MAX_WHOLE = 1_000_000_000_000  # more than any practice counts: a longer number is a typing slip


def _whole(raw: Any) -> int | None:
    """A whole number from a form field, a cell or JSON; None when it is not one (or too big)."""
    try:
        value = numbers.parse(raw, whole=True)
    except numbers.NumberError:
        return None
    if value is None or not 0 <= value <= MAX_WHOLE:
        return None
    return int(value)


def _label(spec: IndicatorSpec) -> str:
    """The indicator's name inside a sentence ('NHS Wi-Fi ...' keeps its capitals)."""
    return wording.lower_first(spec.name) if spec.name else spec.code


def check_indicator(spec: IndicatorSpec, raw: dict[str, Any], out: Checked) -> Entry:
    """Check one indicator's fields.

    `raw` has value, numerator, denominator and comment as typed (strings), or as found in a
    spreadsheet cell or JSON (numbers, booleans); `percent_format` true when the value is a
    spreadsheet number shown as a percentage.
    """
    code = spec.code
    comment = str(raw.get("comment") or "").strip()
    if len(comment) > COMMENT_MAX:
        out.error(f"{code}-comment", f"Comment must be {COMMENT_MAX:,} characters or fewer")
        comment = comment[:COMMENT_MAX]
    given = raw.get("value")
    text = given.strip() if isinstance(given, str) else ("" if given is None else given)
    if spec.unit == "yesno":
        if isinstance(text, bool):
            return Entry(1.0 if text else 0.0, comment=comment)
        lowered = str(text).lower() if not isinstance(text, float) else f"{text:g}"
        if lowered == "":
            return Entry(None, comment=comment)
        if lowered in ("yes", "y", "1", "true"):
            return Entry(1.0, comment=comment)
        if lowered in ("no", "n", "0", "false"):
            return Entry(0.0, comment=comment)
        out.error(code, f"Select yes or no for {_label(spec)}")
        return Entry(None, comment=comment)
    if spec.unit == "count":
        try:
            count = numbers.parse(text, whole=True)
        except numbers.NumberError as exc:
            out.error(code, f"{wording.upper_first(_label(spec))}: {exc}")
            return Entry(None, comment=comment)
        if count is not None and not 0 <= count <= MAX_WHOLE:
            out.error(code, f"Enter {_label(spec)} as a whole number from 0 to {MAX_WHOLE:,}")
            count = None
        return Entry(count, comment=comment)
    # percent
    num_text = raw.get("numerator")
    den_text = raw.get("denominator")
    num_text = num_text.strip() if isinstance(num_text, str) else ("" if num_text is None else num_text)
    den_text = den_text.strip() if isinstance(den_text, str) else ("" if den_text is None else den_text)
    value: float | None = None
    try:
        value = numbers.parse(text, percent=True, percent_format=bool(raw.get("percent_format")))
    except numbers.NumberError as exc:
        message = str(exc)
        if message == "Enter a number, like 45 or 45.5":
            message = f"Enter {_label(spec)} as a number, like 45 or 45.5"
        out.error(code, message)
    if value is not None and not 0 <= value <= 100:
        out.error(code, f"Percentage for {_label(spec)} must be between 0 and 100")
        value = None
    numerator = denominator = None
    if num_text != "" or den_text != "":
        if num_text == "":
            out.error(f"{code}-numerator", "Enter the numerator as well as the denominator, or neither")
        elif den_text == "":
            out.error(f"{code}-denominator", "Enter the denominator as well as the numerator, or neither")
        else:
            numerator, denominator = _whole(num_text), _whole(den_text)
            if numerator is None:
                out.error(f"{code}-numerator", "Numerator must be a whole number, like 1520")
            if denominator is None:
                out.error(f"{code}-denominator", "Denominator must be a whole number, like 6400")
            elif denominator == 0:
                out.error(f"{code}-denominator", "Denominator must be more than 0")
                denominator = None
            if numerator is not None and denominator is not None:
                if numerator > denominator:
                    out.error(f"{code}-numerator", "Numerator must not be more than the denominator")
                else:
                    computed = round(100.0 * numerator / denominator, 1)
                    if value is not None and abs(value - computed) > 0.5:
                        out.error(
                            code,
                            f"Percentage ({value:g}) does not match the numerator and denominator "
                            f"({computed:g}%): correct one or leave the percentage empty",
                        )
                    value = computed
    return Entry(value, numerator, denominator, comment)


def warning_for(spec: IndicatorSpec, new: float | None, previous: float | None) -> str | None:
    """A plausibility warning when a value moved backwards sharply since last period."""
    if new is None or previous is None:
        return None
    if spec.unit == "yesno":
        if previous >= 0.5 and new < 0.5:
            return f"{spec.name} changed from yes last period to no"
        return None
    if previous - new > FALL_WARNING_POINTS:
        return f"{spec.name} fell from {previous:g}% last period to {new:g}% (more than {FALL_WARNING_POINTS:g} points)"
    return None


def check_return(
    specs: list[IndicatorSpec],
    raw_by_code: dict[str, dict[str, str]],
    previous: dict[str, float | None],
    *,
    submitting: bool,
) -> Checked:
    """Check every indicator. Submitting also needs every value, and a comment for each warning."""
    out = Checked()
    for spec in specs:
        entry = check_indicator(spec, raw_by_code.get(spec.code, {}), out)
        out.entries[spec.code] = entry
        has_own_error = any(k == spec.code or k.startswith(spec.code + "-") for k in out.errors)
        if submitting and entry.value is None and not has_own_error:
            if spec.unit == "yesno":
                out.error(spec.code, f"Select yes or no for {_label(spec)}")
            else:
                out.error(spec.code, f"Enter {_label(spec)}")
        warning = warning_for(spec, entry.value, previous.get(spec.code))
        if warning:
            out.warnings[spec.code] = warning
            if submitting and not entry.comment:
                out.error(f"{spec.code}-comment", f"{warning}: explain why in the comment to submit")
    return out


def raw_from_form(specs: list[IndicatorSpec], form: dict[str, str]) -> dict[str, dict[str, str]]:
    """The form's flat fields (CODE, CODE-numerator, ...) grouped per indicator."""
    return {
        s.code: {
            "value": form.get(s.code, ""),
            "numerator": form.get(f"{s.code}-numerator", ""),
            "denominator": form.get(f"{s.code}-denominator", ""),
            "comment": form.get(f"{s.code}-comment", ""),
        }
        for s in specs
    }


def raw_from_api(values: list[Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The API's values (objects with indicator, value, numerator, denominator, comment) grouped
    per indicator as the checks take them. Numbers stay numbers: text of them could lose digits.
    Also the indicators sent more than once."""
    raw: dict[str, dict[str, Any]] = {}
    repeated = []
    for v in values:
        if v.indicator in raw:
            repeated.append(v.indicator)
        raw[v.indicator] = {
            "value": v.value,
            "numerator": v.numerator,
            "denominator": v.denominator,
            "comment": v.comment or "",
        }
    return raw, repeated


def raw_from_entries(specs: list[IndicatorSpec], entries: dict[str, Entry]) -> dict[str, dict[str, str]]:
    """Stored entries back to the strings a form shows."""
    out: dict[str, dict[str, str]] = {}
    for s in specs:
        e = entries.get(s.code) or Entry()
        if e.value is None:
            value = ""
        elif s.unit == "yesno":
            value = "yes" if e.value >= 0.5 else "no"
        else:
            value = f"{e.value:g}"
        out[s.code] = {
            "value": value,
            "numerator": "" if e.numerator is None else str(e.numerator),
            "denominator": "" if e.denominator is None else str(e.denominator),
            "comment": e.comment or "",
        }
    return out


def changed_codes(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    return [code for code, entry in after.items() if (before.get(code) or Entry()) != entry]


# --- Lifecycle ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A period's dates as the lifecycle needs them."""

    opens_on: dt.date
    due_on: dt.date
    locks_on: dt.date


def is_open(window: Window, today: dt.date) -> bool:
    return today >= window.opens_on


def is_locked(window: Window, today: dt.date, exception_until: dt.date | None = None) -> bool:
    """Locked after the lock date, unless a lock exception for the practice runs until today or later."""
    if today <= window.locks_on:
        return False
    return exception_until is None or exception_until < today


def practice_may_edit(state: str | None, window: Window, today: dt.date, exception_until: dt.date | None) -> str | None:
    """None when the practice may change its return; otherwise the reason it may not (the lifecycle's rule)."""
    from tracker.returns import lifecycle

    refused = lifecycle.check(state, lifecycle.Event.SAVE, lifecycle.Party.PRACTICE, window, today, exception_until)
    return refused[1] if refused else None


def may_return(state: str | None, window: Window, today: dt.date, exception_until: dt.date | None) -> str | None:
    """None when a CCG may send a return back to the practice (the lifecycle's rule)."""
    from tracker.returns import lifecycle

    refused = lifecycle.check(state, lifecycle.Event.RETURN, lifecycle.Party.CCG, window, today, exception_until)
    return refused[1] if refused else None


def may_reopen(state: str | None, window: Window, today: dt.date, exception_until: dt.date | None) -> str | None:
    """None when a CCG may send an approved return back for correction (the lifecycle's rule)."""
    from tracker.returns import lifecycle

    refused = lifecycle.check(state, lifecycle.Event.REOPEN, lifecycle.Party.CCG, window, today, exception_until)
    return refused[1] if refused else None


def may_approve(state: str | None) -> str | None:
    """Approval does not change any value, so it is allowed after the lock date too."""
    from tracker.returns import lifecycle

    never = Window(dt.date.min, dt.date.max, dt.date.max)
    refused = lifecycle.check(state, lifecycle.Event.APPROVE, lifecycle.Party.CCG, never, dt.date.min, None)
    return refused[1] if refused else None


def on_time(first_submitted_at: dt.datetime | None, due_on: dt.date) -> bool:
    return rules.on_time(first_submitted_at, due_on)


def deadline_status(window: Window, today: dt.date) -> str:
    if today < window.opens_on:
        return f"Opens {window.opens_on:%-d %B %Y}"
    if today <= window.due_on:
        return f"Due by {window.due_on:%-d %B %Y}"
    if today <= window.locks_on:
        return f"Overdue: was due {window.due_on:%-d %B %Y}; locks {window.locks_on:%-d %B %Y}"
    return f"Locked since {window.locks_on:%-d %B %Y}"


def grid_state(state: str | None, *, expected: bool, received: bool, locks_on: dt.date | None, today: dt.date) -> str:
    """A practice's cell in the CCG's grid for one period: its return's state, "none" when it has
    not started one, or "missed" when the period has locked (figures.rules: no longer provisional)
    and the practice was expected but sent no return (figures.rules' "received")."""
    if expected and not received and not rules.provisional(locks_on, today):
        return "missed"
    return state or "none"


def outstanding(state: str | None) -> bool:
    """A return still to come from the practice for an open period: not started, draft or returned."""
    return state in OUTSTANDING

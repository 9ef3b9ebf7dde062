"""The indicator catalogue as the administrator's pages word it: indicators by name (never by
code), what a reviewed file would change, and what changed between an indicator's versions. Pure."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tracker.indicators.calculations import FIELDS, CataloguePlan, Change
from tracker.indicators.catalogue import IndicatorSpec
from tracker.indicators.service import CatalogueEntry, StoredVersion
from tracker.web.formatting import date_time, long_date
from tracker.web.wording import lower_first, plural

UNITS = {"percent": "Percentage", "yesno": "Yes or no", "count": "Count"}
LABELS = {
    "name": "Name",
    "theme": "Theme",
    "unit": "Unit",
    "higher_is_better": "Direction",
    "target_value": "Target",
    "target_date": "Target date",
    "target_annual": "Target falls due every 31 March",
    "provenance_kind": "National or local",
    "provenance": "Where the target comes from",
    "weight": "Weight in the maturity index",
    "definition": "Definition",
    "sort_order": "Place in the catalogue",
}
LONG_TEXT = 100
DONE = re.compile(r"^(\d{1,4})\.(\d{1,4})\.(\d{1,4})\.(\d{1,4})\.(\d{4}-\d{2}-\d{2})$")


def number(value: float) -> str:
    return f"{value:,g}" if abs(value) < 1e15 else f"{value:,.0f}"


def target_text(unit: str, value: float) -> str:
    if unit == "percent":
        return f"{number(value)}%"
    if unit == "yesno":
        return "Yes" if value else "No"
    return number(value)


def target_date_text(spec: IndicatorSpec) -> str:
    when = long_date(spec.target_date)
    return f"{when}, then every 31 March" if spec.target_annual else when


def value_text(field: str, value: Any, unit: str = "") -> str:
    """One field's value as a person reads it."""
    if value is None or value == "":
        return "none"
    if field == "unit":
        return lower_first(UNITS.get(str(value), str(value)))
    if field == "higher_is_better":
        return "higher is better" if value else "lower is better"
    if field == "target_value":
        return target_text(unit, float(value))
    if field == "target_date":
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return long_date(day)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "provenance_kind":
        return str(value)
    if isinstance(value, int | float):
        return number(float(value))
    text = str(value)
    return f"“{text[:LONG_TEXT]}…”" if len(text) > LONG_TEXT else f"“{text}”"


def change_text(change: Change, unit: str = "") -> str:
    """'Target: 10% → 30%' (targets written in the indicator's new unit)."""
    label = LABELS.get(change.field, change.field)
    return f"{label}: {value_text(change.field, change.old, unit)} → {value_text(change.field, change.new, unit)}"


def entry_row(entry: CatalogueEntry) -> dict[str, str]:
    spec = entry.spec
    return {
        "code": spec.code,  # for the link only
        "name": spec.name,
        "theme": spec.theme,
        "unit": UNITS.get(spec.unit, spec.unit),
        "target": target_text(spec.unit, spec.target_value),
        "target_date": target_date_text(spec),
        "weight": number(spec.weight),
        "version": f"Version {entry.version}" if entry.version else "No version recorded",
        "since": f"from {long_date(entry.valid_from)}" if entry.valid_from else "",
    }


def catalogue_rows(entries: Iterable[CatalogueEntry]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(active, retired) indicators, each in the catalogue's order."""
    active: list[dict[str, str]] = []
    retired: list[dict[str, str]] = []
    for entry in entries:
        (active if entry.active else retired).append(entry_row(entry))
    return active, retired


def refusal_text(change: Change, name: str, recorded: int) -> str:
    label = LABELS.get(change.field, change.field).lower()
    return (
        f"{name}: its {label} cannot change from {value_text(change.field, change.old)} to "
        f"{value_text(change.field, change.new)}, because that would change the meaning of its "
        f"{plural(recorded, 'recorded value')}. Give the new definition a new code in the file, "
        "and leave this indicator out of it to retire it."
    )


def refusals(plan: CataloguePlan, names: Mapping[str, str]) -> list[str]:
    return [
        refusal_text(c, names.get(c.code, "An indicator"), plan.values_by_code.get(c.code, 0))
        for c in plan.refused_changes
    ]


def refused_summary(count: int) -> str:
    return (
        f"The file makes {plural(count, 'change')} that cannot be applied: nothing was written. "
        "Correct the file and upload it again."
    )


def plan_view(plan: CataloguePlan, names: Mapping[str, str]) -> dict[str, Any]:
    """What applying a file would do, by indicator name. `names`: the catalogue's names now."""
    return {
        "added": [
            {
                "name": s.name,
                "detail": f"{s.theme}. {UNITS.get(s.unit, s.unit)}, target {target_text(s.unit, s.target_value)} "
                f"by {target_date_text(s)}, weight {number(s.weight)}.",
            }
            for s in plan.added
        ],
        "changed": [
            {
                "name": names.get(spec.code, spec.name),
                "changes": [change_text(c, spec.unit) for c in changes],
            }
            for spec, changes in plan.changed
        ],
        "reactivated": [names.get(code, "An indicator") for code in plan.reactivated],
        "retired": [
            {
                "name": names.get(code, "An indicator"),
                "kept": f"Kept, with its {plural(plan.values_by_code.get(code, 0), 'recorded value')}.",
            }
            for code in plan.retired
        ],
        "unchanged": len(plan.unchanged),
    }


def done_query(plan: CataloguePlan, valid_from: dt.date) -> str:
    """What was applied, for the page the administrator lands on after applying."""
    return f"{len(plan.added)}.{len(plan.changed)}.{len(plan.reactivated)}.{len(plan.retired)}.{valid_from}"


def done_message(done: str) -> str:
    """The success banner's sentence for `done_query`'s text, or "" for anything else."""
    match = DONE.match(done)
    if not match:
        return ""
    added, changed, back, retired = (int(g) for g in match.groups()[:4])
    try:
        valid_from = dt.date.fromisoformat(match.group(5))
    except ValueError:
        return ""
    parts = [
        f"{plural(added, 'indicator')} added" if added else "",
        f"{plural(changed, 'indicator')} changed" if changed else "",
        f"{plural(back, 'indicator')} back in use" if back else "",
        f"{plural(retired, 'indicator')} retired" if retired else "",
    ]
    said = [p for p in parts if p]
    if not said:
        return "Nothing was applied: the catalogue already matched the file."
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    return (
        f"The catalogue file was applied: {listed}. The new definitions apply from {long_date(valid_from)}. "
        "Maturity scores are being worked out again for the periods from that date; dashboards show them within a minute."
    )


def _source(text: str) -> tuple[str, str]:
    """('indicators.toml', 'sha256 …') from the stored 'indicators.toml sha256:0123…'."""
    name, _, digest = text.rpartition(" sha256:")
    return (name, digest) if name else (text, "")


def version_rows(versions: list[StoredVersion]) -> list[dict[str, Any]]:
    """Each version of one indicator, oldest first, with what changed since the one before."""
    rows: list[dict[str, Any]] = []
    before: dict[str, Any] | None = None
    for version in versions:
        now = json.loads(version.definition)
        unit = str(now.get("unit", ""))
        if before is None:
            changes = ["First version"]
        else:
            changes = [
                change_text(Change("", k, before.get(k), now.get(k)), unit)
                for k in FIELDS
                if before.get(k) != now.get(k)
            ] or ["No change to the definition"]
        name, digest = _source(version.source)
        rows.append(
            {
                "version": version.version,
                "valid_from": long_date(version.valid_from),
                "file": name or "–",
                "digest": digest,
                "loaded_at": date_time(version.loaded_at),
                "changes": changes,
            }
        )
        before = now
    return rows

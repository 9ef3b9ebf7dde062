"""What loading a catalogue file would change, worked out before anything is written. No database.

The catalogue is versioned, not overwritten: an indicator is never deleted (one missing from the
file is retired, so past returns keep it), and a change to what its values *mean* (unit or
direction) is refused once values have been recorded against it: that is a new indicator with a
new code.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from tracker.indicators.catalogue import KEYS, IndicatorSpec

# Columns of the indicator row that the catalogue sets: the file's keys (but the code, which names
# the row), and what the tracker derives (direction; the order of the file).
FIELDS = (*(key for key in KEYS if key != "code"), "higher_is_better", "sort_order")
MEANING = ("unit", "higher_is_better")


@dataclass(frozen=True)
class Change:
    code: str
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class CataloguePlan:
    added: tuple[IndicatorSpec, ...] = ()
    changed: tuple[tuple[IndicatorSpec, tuple[Change, ...]], ...] = ()
    reactivated: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    # The same refusals as the changes they refuse, for pages that word them by name.
    refused_changes: tuple[Change, ...] = ()
    values_by_code: dict[str, int] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.reactivated or self.retired)

    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.added),
            "updated": len(self.changed),
            "reactivated": len(self.reactivated),
            "retired": len(self.retired),
            "unchanged": len(self.unchanged),
        }

    def lines(self) -> list[str]:
        out = [f"+ {s.code}: new indicator '{s.name}' ({s.unit})" for s in self.added]
        for spec, changes in self.changed:
            out.append(f"~ {spec.code}: {len(changes)} change(s)")
            out.extend(f"    {c.field}: {_show(c.old)} -> {_show(c.new)}" for c in changes)
        out += [f"^ {code}: back in the catalogue (was retired)" for code in self.reactivated]
        out += [
            f"- {code}: retired (kept, with its {self.values_by_code.get(code, 0):,} recorded values)"
            for code in self.retired
        ]
        out += [f"! {reason}" for reason in self.refused]
        counts = ", ".join(f"{n} {k}" for k, n in self.summary().items())
        out.append(f"{counts}.")
        return out


def _show(value: Any) -> str:
    text = str(value)
    return repr(text[:60] + "...") if len(text) > 60 else repr(value)


def spec_values(spec: IndicatorSpec) -> dict[str, Any]:
    # In the spec's own order; `asdict` would deep-copy every (plain) value first.
    return {name: getattr(spec, name) for name in _SPEC_FIELDS}


_SPEC_FIELDS = tuple(f.name for f in fields(IndicatorSpec) if f.name in FIELDS)


def plan(existing: list[dict[str, Any]], specs: list[IndicatorSpec], values_by_code: dict[str, int]) -> CataloguePlan:
    """Compare the indicator rows in the database with the file's specs."""
    rows = {row["code"]: row for row in existing}
    added, changed, reactivated, unchanged, refused = [], [], [], [], []
    refused_changes: list[Change] = []
    for spec in specs:
        row = rows.get(spec.code)
        if row is None:
            added.append(spec)
            continue
        changes = tuple(Change(spec.code, k, row[k], v) for k, v in spec_values(spec).items() if not _same(row[k], v))
        recorded = values_by_code.get(spec.code, 0)
        for change in changes:
            if change.field in MEANING and recorded:
                refused_changes.append(change)
                refused.append(
                    f"{spec.code}: changing its {change.field} from {change.old!r} to {change.new!r} would change "
                    f"the meaning of its {recorded:,} recorded values; give the new definition a new code "
                    f"and leave {spec.code} out of the file to retire it"
                )
        if changes:
            changed.append((spec, changes))
        if not row["active"]:
            reactivated.append(spec.code)
        elif not changes:
            unchanged.append(spec.code)
    in_file = {s.code for s in specs}
    retired = sorted(code for code, row in rows.items() if row["active"] and code not in in_file)
    return CataloguePlan(
        added=tuple(added),
        changed=tuple(changed),
        reactivated=tuple(reactivated),
        retired=tuple(retired),
        unchanged=tuple(unchanged),
        refused=tuple(refused),
        refused_changes=tuple(refused_changes),
        values_by_code=dict(values_by_code),
    )


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        try:
            return float(old) == float(new)
        except (TypeError, ValueError):
            return False
    return bool(old == new)


@dataclass(frozen=True)
class Version:
    """One stored definition of an indicator, in force from `valid_from` until a later version."""

    version: int
    valid_from: dt.date
    spec: IndicatorSpec


def in_force(versions: Sequence[Version], day: dt.date) -> Version | None:
    """The version in force on `day`: the latest loaded of those valid from then or before (a later
    file may correct an earlier date), or None before the first."""
    valid = [v for v in versions if v.valid_from <= day]
    return max(valid, key=lambda v: v.version) if valid else None


def definitions_by_period(
    current: Sequence[IndicatorSpec],
    versions: dict[str, list[Version]],
    periods: Sequence[tuple[int, dt.date]],
) -> dict[int, list[IndicatorSpec]]:
    """The indicators in use now, each as defined when each period began: a period is scored
    against the targets, deadlines and weights it was collected under, so a catalogue change
    applies from its date on and never rewrites an earlier period. An indicator without a version
    in force by then keeps its current definition; the catalogue's order is today's."""
    out: dict[int, list[IndicatorSpec]] = {}
    for period_id, start in periods:
        specs = []
        for spec in current:
            found = in_force(versions.get(spec.code, []), start)
            specs.append(spec if found is None else _in_order(found.spec, spec.sort_order))
        out[period_id] = specs
    return out


@functools.lru_cache(maxsize=4096)
def _in_order(spec: IndicatorSpec, sort_order: int) -> IndicatorSpec:
    # The same few definitions, for every period of every practice page: made once each.
    return replace(spec, sort_order=sort_order)

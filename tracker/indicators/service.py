"""The catalogue in the database: loading the fixtures file, and reading active indicators."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from tracker.db import write_transaction
from tracker.indicators.catalogue import DEFAULT_PATH, IndicatorSpec, load_catalogue
from tracker.tables import Indicator

FIELDS = (
    "name",
    "theme",
    "unit",
    "higher_is_better",
    "target_value",
    "target_date",
    "target_annual",
    "provenance_kind",
    "provenance",
    "weight",
    "definition",
    "sort_order",
)


async def load(path: Path = DEFAULT_PATH) -> dict[str, int]:
    """Create or update every indicator in the file; mark those no longer in it inactive."""
    specs = load_catalogue(path)
    summary = {"created": 0, "updated": 0, "unchanged": 0, "retired": 0}
    async with write_transaction():
        existing = {row["code"]: row for row in await Indicator.select()}
        for spec in specs:
            values = {k: v for k, v in asdict(spec).items() if k in FIELDS}
            row = existing.get(spec.code)
            if row is None:
                await Indicator.insert(Indicator(code=spec.code, active=True, **values))
                summary["created"] += 1
            elif any(row[k] != v for k, v in values.items()) or not row["active"]:
                await Indicator.update({**values, "active": True}).where(  # type: ignore[dict-item]
                    Indicator.code == spec.code
                )
                summary["updated"] += 1
            else:
                summary["unchanged"] += 1
        retired = [code for code, row in existing.items() if row["active"] and code not in {s.code for s in specs}]
        if retired:
            await Indicator.update({Indicator.active: False}).where(Indicator.code.is_in(retired))
        summary["retired"] = len(retired)
    return summary


def _spec(row: dict) -> IndicatorSpec:
    return IndicatorSpec(**{k: row[k] for k in ("code", *FIELDS)})


async def active_indicators() -> list[IndicatorSpec]:
    rows = await Indicator.select().where(Indicator.active.eq(True)).order_by(Indicator.sort_order)
    return [_spec(r) for r in rows]


async def indicator_ids() -> dict[str, int]:
    return {r["code"]: r["id"] for r in await Indicator.select(Indicator.id, Indicator.code)}

"""Shaping the services' rows into the histories the detectors read. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from tracker.alerts.detect import History
from tracker.organisations.presenters import practice_title


class Named(Protocol):
    @property
    def ods_code(self) -> str: ...

    @property
    def name(self) -> str: ...


class Area(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


def decile_series(length: int, found: Sequence[tuple[int, Sequence[float] | None]]) -> list[list[float] | None]:
    """One entry per period: the nine cut points where they exist (a period with too few values
    has none, and nothing is said about it)."""
    out: list[list[float] | None] = [None] * length
    for i, cuts in found:
        if cuts and len(cuts) == 9:
            out[i] = [float(c) for c in cuts]
    return out


def practice_histories(
    code: str,
    period_ids: Sequence[int],
    values: Mapping[int, Mapping[int, Mapping[str, float | None]]],
    names: Mapping[int, Named],
) -> list[History]:
    """Each practice's values of one indicator, one per period, named as the dashboards name it."""
    out = []
    for practice_id, by_period in values.items():
        series = tuple(by_period.get(p, {}).get(code) for p in period_ids)
        if all(v is None for v in series):
            continue
        named = names.get(practice_id)
        if named is None:
            continue
        out.append(History(named.ods_code, practice_title(named.name), series))
    return sorted(out, key=lambda h: h.code)


def ccg_histories(
    means: Mapping[int, Sequence[float | None]],
    ccgs: Mapping[int, Area],
    only: set[int] | None = None,
) -> list[History]:
    """Each CCG's mean of one indicator, one per period (all CCGs, or those in `only`)."""
    out = []
    for ccg_id, series in means.items():
        row = ccgs.get(ccg_id)
        if row is None or (only is not None and ccg_id not in only):
            continue
        out.append(History(row.code, row.name or row.code, tuple(series)))
    return sorted(out, key=lambda h: h.code)

"""What other features need to know of the funding records, read here by their owner: the streams,
approved fair shares, transition applications, capital bids, applied reallocations and awards to
practices, each for the financial years (or days) up to one, for every CCG or for some.

CCGs and practices come as ids: their codes and names are the organisations feature's to give.
Financial year codes sort as text ("2014/15" < "2017/18")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tracker import db


@dataclass(frozen=True)
class Stream:
    id: int
    code: str
    name: str
    kind: str  # revenue | capital
    method: str  # fair_share | bid | application | fixed
    financial_years: str  # "2014/15,2015/16"
    pot_pence: int


async def every_stream() -> list[Stream]:
    """Every funding stream."""
    rows = await db.fetch("SELECT id, code, name, kind, method, financial_years, pot_pence FROM funding_stream")
    return [Stream(**r) for r in rows]


async def _of_ccgs(sql: str, column: str, upto: str | dt.date, ccg_ids: Collection[int] | None) -> list[dict[str, Any]]:
    """The rows of `sql` up to `upto` (its first placeholder) with `column` kept to the CCGs given
    (None: every CCG) where `sql` says {ccgs}."""
    if ccg_ids is None:
        return await db.fetch(sql.replace("{ccgs}", ""), upto)
    if not ccg_ids:
        return []
    ids = sorted(ccg_ids)
    return await db.fetch(sql.replace("{ccgs}", f" AND {column} IN ({', '.join('{}' for _ in ids)})"), upto, *ids)


@dataclass(frozen=True)
class FairShareLine:
    """One CCG's line of an approved fair-share run."""

    run_id: int
    stream_id: int
    financial_year: str
    snapshot_date: dt.date
    approved_at: dt.datetime | None
    ccg_id: int | None  # None: a CCG code the register does not have
    ccg_code: str
    patients: int
    amount_pence: int


async def approved_fair_shares(upto_year: str, ccg_ids: Collection[int] | None = None) -> list[FairShareLine]:
    """The lines of approved fair-share runs for financial years up to `upto_year`, by year, run and CCG code."""
    rows = await _of_ccgs(
        """SELECT a.id AS run_id, a.stream AS stream_id, a.financial_year, a.snapshot_date, a.approved_at,
                  l.ccg AS ccg_id, l.ccg_code, l.patients, l.amount_pence
           FROM allocation_line l JOIN allocation_run a ON a.id = l.run
           WHERE a.state = 'approved' AND a.financial_year <= {}{ccgs}
           ORDER BY a.financial_year, a.id, l.ccg_code""",
        "l.ccg",
        upto_year,
        ccg_ids,
    )
    return [FairShareLine(**r) for r in rows]


@dataclass(frozen=True)
class Transition:
    """A CCG's application to the transition fund, decided or not."""

    id: int
    stream_id: int
    financial_year: str
    ccg_id: int
    requested_pence: int
    awarded_pence: int | None  # None until decided
    state: str  # applied | awarded | refused
    decided_at: dt.datetime | None
    decision_note: str


async def transitions(upto_year: str, ccg_ids: Collection[int] | None = None) -> list[Transition]:
    """Transition fund applications for financial years up to `upto_year`, by year then id."""
    rows = await _of_ccgs(
        """SELECT id, stream AS stream_id, financial_year, ccg AS ccg_id, requested_pence, awarded_pence, state,
                  decided_at, COALESCE(decision_note, '') AS decision_note
           FROM transition_application
           WHERE financial_year <= {}{ccgs} ORDER BY financial_year, id""",
        "ccg",
        upto_year,
        ccg_ids,
    )
    return [Transition(**r) for r in rows]


@dataclass(frozen=True)
class Bid:
    """A CCG's capital bid, decided or not."""

    id: int
    stream_id: int
    financial_year: str
    ccg_id: int
    title: str
    amount_pence: int
    approved_pence: int | None  # None until decided
    state: str  # submitted | approved | part | refused
    decided_at: dt.datetime | None
    decision_note: str


async def capital_bids(upto_year: str, ccg_ids: Collection[int] | None = None) -> list[Bid]:
    """Capital bids for financial years up to `upto_year`, by year then id."""
    rows = await _of_ccgs(
        """SELECT id, stream AS stream_id, financial_year, ccg AS ccg_id, title, amount_pence, approved_pence, state,
                  decided_at, COALESCE(decision_note, '') AS decision_note
           FROM capital_bid
           WHERE financial_year <= {}{ccgs} ORDER BY financial_year, id""",
        "ccg",
        upto_year,
        ccg_ids,
    )
    return [Bid(**r) for r in rows]


@dataclass(frozen=True)
class Reallocation:
    """One CCG's adjustment in an applied reallocation."""

    id: int
    stream_id: int
    financial_year: str
    quarter: int
    ccg_id: int
    amount_pence: int
    applied_at: dt.datetime | None
    reason: str


async def applied_reallocations(upto_year: str, ccg_ids: Collection[int] | None = None) -> list[Reallocation]:
    """The adjustments of applied reallocations for financial years up to `upto_year`, by year,
    quarter then adjustment."""
    rows = await _of_ccgs(
        """SELECT a.id, s.stream AS stream_id, s.financial_year, s.quarter, a.ccg AS ccg_id, a.amount_pence,
                  s.applied_at, COALESCE(a.reason, '') AS reason
           FROM reallocation_adjustment a JOIN reallocation_scenario s ON s.id = a.scenario
           WHERE s.state = 'applied' AND s.financial_year <= {}{ccgs}
           ORDER BY s.financial_year, s.quarter, a.id""",
        "a.ccg",
        upto_year,
        ccg_ids,
    )
    return [Reallocation(**r) for r in rows]


@dataclass(frozen=True)
class Award:
    """Money awarded to a practice."""

    id: int
    practice_id: int
    ccg_id: int
    stream_id: int
    award_date: dt.date
    amount_pence: int
    purpose: str


async def awards_up_to(day: dt.date, ccg_ids: Collection[int] | None = None) -> list[Award]:
    """Awards to practices dated up to `day`, by date then id."""
    rows = await _of_ccgs(
        """SELECT id, practice AS practice_id, ccg AS ccg_id, stream AS stream_id, award_date, amount_pence,
                  COALESCE(purpose, '') AS purpose
           FROM practice_award
           WHERE award_date <= {}{ccgs} ORDER BY award_date, id""",
        "ccg",
        day,
        ccg_ids,
    )
    return [Award(**r) for r in rows]


# The moments funding records change: a run approved, an application or a bid decided, a
# reallocation applied, an award recorded.
CHANGES = (
    ("allocation_run", "approved_at"),
    ("transition_application", "decided_at"),
    ("capital_bid", "decided_at"),
    ("reallocation_scenario", "applied_at"),
    ("practice_award", "created_at"),
)


async def last_changed_at() -> dt.datetime | None:
    """When the funding records last changed; None before the first change."""
    found: list[Any] = []
    for table, column in CHANGES:
        # A plain column, not MAX(): SQLite gives its declared type only to plain columns.
        rows = await db.fetch(
            f"SELECT {column} AS changed FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} DESC LIMIT 1"  # noqa: S608 (names from the constant above)
        )
        found.extend(r["changed"] for r in rows)
    return max(found, default=None)

"""The funding figures of an export, read through the funding feature's service.

Totals run over the financial years up to and including the period's (financial year codes sort
as text: "2014/15" < "2017/18"); awards to practices up to the end of the period.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tracker.exports.calculations import FUNDING_KEYS, LedgerRow, PracticeRow
from tracker.funding import facts_service as funding
from tracker.maturity import service as maturity
from tracker.organisations import service as organisations
from tracker.periods.service import PeriodRow


@dataclass
class Funding:
    available: bool
    by_ccg: dict[str, dict[str, int]] = field(default_factory=dict)
    ledger: list[LedgerRow] = field(default_factory=list)


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


async def _ccg_ids(scope: str, scope_id: int | None, period: PeriodRow) -> list[int] | None:
    """The CCGs whose funding the scope shows (None: every CCG)."""
    if scope == "region":
        # The CCGs the region had in the period, not those it has now.
        return [c for c, r in (await maturity.ccg_regions_in(period["id"])).items() if r == scope_id]
    if scope == "ccg":
        return [scope_id] if scope_id is not None else []
    return None


async def funding_for(scope: str, scope_id: int | None, period: PeriodRow, practices: list[PracticeRow]) -> Funding:
    streams = await funding.every_stream()
    if not streams:
        return Funding(available=False)
    fy = period["financial_year"]
    end = _date(period["end_date"])
    ccg_ids = await _ccg_ids(scope, scope_id, period)
    stream_name = {s.id: s.name for s in streams}
    ledger = [
        LedgerRow("Funding stream", s.name, s.financial_years, "", "", s.code, s.pot_pence, s.kind, None, s.method)
        for s in sorted(streams, key=lambda s: s.code)
    ]
    by_ccg: dict[str, dict[str, int]] = {}

    def add(code: str, key: str, pence: int | None) -> None:
        by_ccg.setdefault(code, dict.fromkeys(FUNDING_KEYS, 0))[key] += int(pence or 0)

    lines, transitions, bids, adjustments = await asyncio.gather(
        funding.approved_fair_shares(fy, ccg_ids),
        funding.transitions(fy, ccg_ids),
        funding.capital_bids(fy, ccg_ids),
        funding.applied_reallocations(fy, ccg_ids),
    )
    awards = await funding.awards_up_to(end, ccg_ids) if end is not None else []
    _, ccgs = await organisations.org_names()

    def ccg(ccg_id: int | None) -> tuple[str, str]:
        found = ccgs.get(ccg_id) if ccg_id is not None else None
        return (found.code, found.name) if found else ("", "")

    for line in lines:
        add(line.ccg_code, "fair_share", line.amount_pence)
        ledger.append(
            LedgerRow(
                "Fair-share allocation",
                stream_name.get(line.stream_id, ""),
                line.financial_year,
                line.ccg_code,
                ccg(line.ccg_id)[1],
                f"Run {line.run_id}: {line.patients} patients on {line.snapshot_date}",
                line.amount_pence,
                "approved",
                _date(line.approved_at),
                "",
            )
        )
    for t in sorted(transitions, key=lambda t: (t.financial_year, ccg(t.ccg_id)[0], t.id)):
        code, name = ccg(t.ccg_id)
        if t.state == "awarded":
            add(code, "transition", t.awarded_pence)
        ledger.append(
            LedgerRow(
                "Transition fund",
                stream_name.get(t.stream_id, ""),
                t.financial_year,
                code,
                name,
                f"Requested {t.requested_pence / 100:,.2f}",
                t.awarded_pence,
                t.state,
                _date(t.decided_at),
                t.decision_note,
            )
        )
    for b in sorted(bids, key=lambda b: (b.financial_year, ccg(b.ccg_id)[0], b.id)):
        code, name = ccg(b.ccg_id)
        if b.state in ("approved", "part"):
            add(code, "capital", b.approved_pence)
        ledger.append(
            LedgerRow(
                "Capital bid",
                stream_name.get(b.stream_id, ""),
                b.financial_year,
                code,
                name,
                b.title,
                b.approved_pence,
                b.state,
                _date(b.decided_at),
                b.decision_note,
            )
        )
    for a in sorted(adjustments, key=lambda a: (a.financial_year, a.quarter, ccg(a.ccg_id)[0], a.id)):
        code, name = ccg(a.ccg_id)
        add(code, "reallocation", a.amount_pence)
        ledger.append(
            LedgerRow(
                "Reallocation",
                stream_name.get(a.stream_id, ""),
                a.financial_year,
                code,
                name,
                f"Q{a.quarter} reallocation",
                a.amount_pence,
                "applied",
                _date(a.applied_at),
                a.reason,
            )
        )
    names = await organisations.practice_names({w.practice_id for w in awards})
    by_practice = {p.id: p for p in practices}
    for w in sorted(awards, key=lambda w: (w.award_date, ccg(w.ccg_id)[0], names[w.practice_id].ods_code, w.id)):
        code, name = ccg(w.ccg_id)
        add(code, "to_practices", w.amount_pence)
        if w.practice_id in by_practice:
            by_practice[w.practice_id].funding_pence += int(w.amount_pence or 0)
        practice = names[w.practice_id]
        ledger.append(
            LedgerRow(
                "Award to practice",
                stream_name.get(w.stream_id, ""),
                "",
                code,
                name,
                f"{practice.ods_code} {practice.name}",
                w.amount_pence,
                "paid",
                _date(w.award_date),
                w.purpose,
            )
        )
    return Funding(available=True, by_ccg=by_ccg, ledger=ledger)

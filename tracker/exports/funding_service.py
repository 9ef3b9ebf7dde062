"""The funding figures of an export, read from the funding feature's tables.

Totals run over the financial years up to and including the period's (financial year codes sort
as text: "2014/15" < "2017/18"); awards to practices up to the end of the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tracker import db
from tracker.exports.calculations import FUNDING_KEYS, LedgerRow, PracticeRow
from tracker.maturity import service as maturity


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


async def _ccg_filter(
    scope: str, scope_id: int | None, alias: str, period: dict[str, Any]
) -> tuple[str, tuple[Any, ...]]:
    if scope == "region":
        # The CCGs the region had in the period, not those it has now.
        ids = [c for c, r in (await maturity.ccg_regions_in(period["id"])).items() if r == scope_id]
        if not ids:
            return " AND 1 = 0", ()
        return f" AND {alias}.id IN ({', '.join('{}' for _ in ids)})", tuple(ids)
    if scope == "ccg":
        return f" AND {alias}.id = {{}}", (scope_id,)
    return "", ()


async def funding_for(
    scope: str, scope_id: int | None, period: dict[str, Any], practices: list[PracticeRow]
) -> Funding:
    streams = await db.fetch("SELECT id, code, name, kind, method, financial_years, pot_pence FROM funding_stream")
    if not streams:
        return Funding(available=False)
    fy = period["financial_year"]
    end = _date(period["end_date"])
    where, args = await _ccg_filter(scope, scope_id, "c", period)
    stream_name = {s["id"]: s["name"] for s in streams}
    ledger = [
        LedgerRow(
            "Funding stream",
            s["name"],
            s["financial_years"],
            "",
            "",
            s["code"],
            s["pot_pence"],
            s["kind"],
            None,
            s["method"],
        )
        for s in sorted(streams, key=lambda s: s["code"])
    ]
    by_ccg: dict[str, dict[str, int]] = {}

    def add(code: str, key: str, pence: int | None) -> None:
        by_ccg.setdefault(code, dict.fromkeys(FUNDING_KEYS, 0))[key] += int(pence or 0)

    lines = await db.fetch(
        f"""SELECT a.id AS run, a.stream, a.financial_year, a.snapshot_date, a.approved_at, l.ccg_code,
                   c.name AS ccg_name, l.patients, l.amount_pence
            FROM allocation_line l JOIN allocation_run a ON a.id = l.run LEFT JOIN ccg c ON c.id = l.ccg
            WHERE a.state = 'approved' AND a.financial_year <= {{}}{where}
            ORDER BY a.financial_year, a.id, l.ccg_code""",  # noqa: S608
        fy,
        *args,
    )
    for r in lines:
        add(r["ccg_code"], "fair_share", r["amount_pence"])
        ledger.append(
            LedgerRow(
                "Fair-share allocation",
                stream_name.get(r["stream"], ""),
                r["financial_year"],
                r["ccg_code"],
                r["ccg_name"] or "",
                f"Run {r['run']}: {r['patients']} patients on {r['snapshot_date']}",
                r["amount_pence"],
                "approved",
                _date(r["approved_at"]),
                "",
            )
        )
    transitions = await db.fetch(
        f"""SELECT t.stream, t.financial_year, c.code, c.name, t.requested_pence, t.awarded_pence, t.state,
                   t.decided_at, t.decision_note
            FROM transition_application t JOIN ccg c ON c.id = t.ccg
            WHERE t.financial_year <= {{}}{where} ORDER BY t.financial_year, c.code, t.id""",  # noqa: S608
        fy,
        *args,
    )
    for r in transitions:
        if r["state"] == "awarded":
            add(r["code"], "transition", r["awarded_pence"])
        ledger.append(
            LedgerRow(
                "Transition fund",
                stream_name.get(r["stream"], ""),
                r["financial_year"],
                r["code"],
                r["name"],
                f"Requested {r['requested_pence'] / 100:,.2f}",
                r["awarded_pence"],
                r["state"],
                _date(r["decided_at"]),
                r["decision_note"] or "",
            )
        )
    bids = await db.fetch(
        f"""SELECT b.stream, b.financial_year, c.code, c.name, b.title, b.amount_pence, b.approved_pence, b.state,
                   b.decided_at, b.decision_note
            FROM capital_bid b JOIN ccg c ON c.id = b.ccg
            WHERE b.financial_year <= {{}}{where} ORDER BY b.financial_year, c.code, b.id""",  # noqa: S608
        fy,
        *args,
    )
    for r in bids:
        if r["state"] in ("approved", "part"):
            add(r["code"], "capital", r["approved_pence"])
        ledger.append(
            LedgerRow(
                "Capital bid",
                stream_name.get(r["stream"], ""),
                r["financial_year"],
                r["code"],
                r["name"],
                r["title"],
                r["approved_pence"],
                r["state"],
                _date(r["decided_at"]),
                r["decision_note"] or "",
            )
        )
    adjustments = await db.fetch(
        f"""SELECT s.stream, s.financial_year, s.quarter, c.code, c.name, a.amount_pence, s.applied_at, a.reason
            FROM reallocation_adjustment a JOIN reallocation_scenario s ON s.id = a.scenario JOIN ccg c ON c.id = a.ccg
            WHERE s.state = 'applied' AND s.financial_year <= {{}}{where}
            ORDER BY s.financial_year, s.quarter, c.code, a.id""",  # noqa: S608
        fy,
        *args,
    )
    for r in adjustments:
        add(r["code"], "reallocation", r["amount_pence"])
        ledger.append(
            LedgerRow(
                "Reallocation",
                stream_name.get(r["stream"], ""),
                r["financial_year"],
                r["code"],
                r["name"],
                f"Q{r['quarter']} reallocation",
                r["amount_pence"],
                "applied",
                _date(r["applied_at"]),
                r["reason"] or "",
            )
        )
    awards = await db.fetch(
        f"""SELECT w.practice, w.stream, w.award_date, w.amount_pence, w.purpose, c.code, c.name,
                   p.ods_code, p.name AS practice_name
            FROM practice_award w JOIN ccg c ON c.id = w.ccg JOIN practice p ON p.id = w.practice
            WHERE w.award_date <= {{}}{where} ORDER BY w.award_date, c.code, p.ods_code, w.id""",  # noqa: S608
        end,
        *args,
    )
    by_practice = {p.id: p for p in practices}
    for r in awards:
        add(r["code"], "to_practices", r["amount_pence"])
        if r["practice"] in by_practice:
            by_practice[r["practice"]].funding_pence += int(r["amount_pence"] or 0)
        ledger.append(
            LedgerRow(
                "Award to practice",
                stream_name.get(r["stream"], ""),
                "",
                r["code"],
                r["name"],
                f"{r['ods_code']} {r['practice_name']}",
                r["amount_pence"],
                "paid",
                _date(r["award_date"]),
                r["purpose"] or "",
            )
        )
    return Funding(available=True, by_ccg=by_ccg, ledger=ledger)

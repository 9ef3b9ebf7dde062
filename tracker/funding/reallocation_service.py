"""Quarterly forecasts of outturn, and reallocation scenarios: previewed, then applied."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.exceptions import NotFoundException

from tracker import db
from tracker.funding.calculations import CcgPosition, FundingError, ReallocationPolicy, reallocate
from tracker.funding.service import Actor, audit_change, budgets, stream_by_code, utcnow, valid_year
from tracker.organisations import service as organisations
from tracker.tables import FundingForecast, ReallocationScenario

# --- Forecasts ----------------------------------------------------------------------------------


async def enter_forecast(
    *, ccg_id: int, stream_code: str, financial_year: str, quarter: int, outturn_pence: int, note: str, actor: Actor
) -> int:
    """Record a forecast; earlier ones are kept (the latest for a quarter is the one used)."""
    stream = await stream_by_code(stream_code)
    if not valid_year(financial_year):
        raise FundingError("Financial year must look like 2014/15")
    if quarter not in (1, 2, 3, 4):
        raise FundingError("Quarter must be 1, 2, 3 or 4")
    if outturn_pence < 0:
        raise FundingError("The forecast must not be negative")
    async with db.write_transaction():
        previous = await _latest_forecast(ccg_id, stream.id, financial_year, quarter)
        created = await FundingForecast.insert(
            FundingForecast(
                ccg=ccg_id,
                stream=stream.id,
                financial_year=financial_year,
                quarter=quarter,
                outturn_pence=outturn_pence,
                note=note.strip(),
                entered_at=utcnow(),
                entered_by=actor.account_id,
            )
        ).returning(FundingForecast.id)
        await audit_change(
            actor,
            "funding.forecast.entered",
            "funding_forecast",
            created[0]["id"],
            {
                "stream": stream.code,
                "financial_year": financial_year,
                "quarter": quarter,
                "old": previous,
                "new": outturn_pence,
            },
        )
    return int(created[0]["id"])


async def _latest_forecast(ccg_id: int, stream_id: int, financial_year: str, quarter: int) -> int | None:
    rows = await (
        FundingForecast.select(FundingForecast.outturn_pence)
        .where(
            (FundingForecast.ccg == ccg_id)
            & (FundingForecast.stream == stream_id)
            & (FundingForecast.financial_year == financial_year)
            & (FundingForecast.quarter == quarter)
        )
        .order_by(FundingForecast.id, ascending=False)
        .limit(1)
    )
    return int(rows[0]["outturn_pence"]) if rows else None


@dataclass(frozen=True)
class LatestForecast:
    """The latest forecast of outturn a CCG made for a stream, year and quarter."""

    ccg_id: int
    stream_id: int
    financial_year: str
    quarter: int
    outturn_pence: int


@dataclass(frozen=True)
class SavedForecast:
    """A forecast just saved, with its stream's name."""

    id: int
    financial_year: str
    quarter: int
    outturn_pence: int
    stream_name: str


async def latest_forecasts(ccg_id: int | None = None) -> list[LatestForecast]:
    """The latest forecast per CCG, stream, year and quarter."""
    rows = await db.fetch(
        """
        SELECT f.ccg, f.stream, f.financial_year, f.quarter, f.outturn_pence, f.note, f.entered_at
        FROM funding_forecast f
        WHERE f.id = (SELECT MAX(g.id) FROM funding_forecast g WHERE g.ccg = f.ccg AND g.stream = f.stream
                      AND g.financial_year = f.financial_year AND g.quarter = f.quarter)
        ORDER BY f.financial_year, f.quarter
        """
    )
    return [
        LatestForecast(
            ccg_id=int(r["ccg"]),
            stream_id=int(r["stream"]),
            financial_year=r["financial_year"],
            quarter=int(r["quarter"]),
            outturn_pence=int(r["outturn_pence"]),
        )
        for r in rows
        if ccg_id is None or r["ccg"] == ccg_id
    ]


async def saved_forecast(forecast_id: int, ccg_id: int) -> SavedForecast | None:
    """One forecast of the CCG with its stream's name (for the confirmation after saving it);
    None when it is not this CCG's."""
    rows = await db.fetch(
        "SELECT f.id, f.financial_year, f.quarter, f.outturn_pence, s.name AS stream_name "
        "FROM funding_forecast f JOIN funding_stream s ON s.id = f.stream WHERE f.id = {} AND f.ccg = {}",
        forecast_id,
        ccg_id,
    )
    if not rows:
        return None
    r = rows[0]
    return SavedForecast(
        id=int(r["id"]),
        financial_year=r["financial_year"],
        quarter=int(r["quarter"]),
        outturn_pence=int(r["outturn_pence"]),
        stream_name=r["stream_name"],
    )


# --- Reallocation --------------------------------------------------------------------------------


async def positions(stream_id: int, financial_year: str, quarter: int) -> tuple[list[CcgPosition], dict[str, int]]:
    """Each CCG's budget, latest forecast at or before the quarter, patients and approved bids."""
    budget_rows = [b for b in await budgets() if b.stream_id == stream_id and b.financial_year == financial_year]
    forecasts: dict[int, tuple[int, int]] = {}
    for f in await latest_forecasts():
        if f.stream_id == stream_id and f.financial_year == financial_year and f.quarter <= quarter:
            seen = forecasts.get(f.ccg_id)
            if seen is None or f.quarter >= seen[0]:
                forecasts[f.ccg_id] = (f.quarter, f.outturn_pence)
    patients = {
        r["ccg"]: int(r["patients"])
        for r in await db.fetch(
            """
            SELECT l.ccg, l.patients FROM allocation_line l JOIN allocation_run r ON r.id = l.run
            WHERE r.state = 'approved' AND r.stream = {} AND r.financial_year = {} AND l.ccg IS NOT NULL
            """,
            stream_id,
            financial_year,
        )
    }
    bidders = {
        r["ccg"]
        for r in await db.fetch(
            "SELECT DISTINCT ccg FROM capital_bid WHERE state IN ('approved', 'part') AND financial_year = {}",
            financial_year,
        )
    }
    _, ccgs = await organisations.org_names()
    codes = {ccg_id: r.code for ccg_id, r in ccgs.items()}
    out = [
        CcgPosition(
            ccg_code=codes[b.ccg_id],
            budget_pence=b.budget_pence,
            forecast_pence=forecasts[b.ccg_id][1] if b.ccg_id in forecasts else None,
            patients=patients.get(b.ccg_id, 0),
            approved_bid=b.ccg_id in bidders,
        )
        for b in budget_rows
    ]
    return out, {code: ccg_id for ccg_id, code in codes.items()}


async def preview_scenario(
    *, stream_code: str, financial_year: str, quarter: int, policy: ReallocationPolicy, reason: str, actor: Actor
) -> int:
    """Compute and record a scenario as a preview (budgets are unchanged until it is applied)."""
    policy.check()
    if not reason.strip():
        raise FundingError("Give a reason for the reallocation (it is recorded with every adjustment)")
    stream = await stream_by_code(stream_code)
    if quarter not in (1, 2, 3, 4):
        raise FundingError("Quarter must be 1, 2, 3 or 4")
    found, ids = await positions(stream.id, financial_year, quarter)
    if not found:
        raise FundingError(f"No CCG has a budget from {stream.name} for {financial_year}")
    adjustments = reallocate(found, policy)
    moved = sum(v for v in adjustments.values() if v > 0)
    async with db.write_transaction():
        created = await ReallocationScenario.insert(
            ReallocationScenario(
                stream=stream.id,
                financial_year=financial_year,
                quarter=quarter,
                threshold_pct=policy.threshold_pct,
                recover_pct=policy.recover_pct,
                recipients=policy.recipients,
                total_pence=moved,
                state="preview",
                reason=reason.strip(),
                created_at=utcnow(),
                created_by=actor.account_id,
            )
        ).returning(ReallocationScenario.id)
        scenario_id = int(created[0]["id"])
        rows = []
        for code, amount in sorted(adjustments.items()):
            if amount == 0:
                continue
            why = "forecast underspend recovered" if amount < 0 else "share of recovered underspend"
            rows.append((scenario_id, ids[code], amount, f"{why}: {reason.strip()}"[:500]))
        await db.bulk_insert("reallocation_adjustment", ("scenario", "ccg", "amount_pence", "reason"), rows)
        await audit_change(
            actor,
            "funding.reallocation.previewed",
            "reallocation_scenario",
            scenario_id,
            {"policy": policy.__dict__, "moved_pence": moved, "ccgs": len(rows)},
        )
    return scenario_id


async def apply_scenario(scenario_id: int, actor: Actor) -> None:
    async with db.write_transaction():
        row = await ReallocationScenario.select().where(ReallocationScenario.id == scenario_id).first()
        if row is None:
            raise NotFoundException()
        if row["state"] != "preview":
            raise FundingError("Only a previewed scenario can be applied")
        total = await db.fetch(
            "SELECT COALESCE(SUM(amount_pence), 0) AS s FROM reallocation_adjustment WHERE scenario = {}", scenario_id
        )
        if int(total[0]["s"]) != 0:  # pragma: no cover - reallocate() guarantees it; refuse rather than trust
            raise FundingError("The adjustments do not sum to zero: refused")
        await ReallocationScenario.update(
            {
                ReallocationScenario.state: "applied",
                ReallocationScenario.applied_at: utcnow(),
                ReallocationScenario.applied_by: actor.account_id,
            }
        ).where(ReallocationScenario.id == scenario_id)
        await audit_change(
            actor,
            "funding.reallocation.applied",
            "reallocation_scenario",
            scenario_id,
            {"old": "preview", "new": "applied"},
        )


async def discard_scenario(scenario_id: int, actor: Actor) -> None:
    async with db.write_transaction():
        row = await ReallocationScenario.select().where(ReallocationScenario.id == scenario_id).first()
        if row is None:
            raise NotFoundException()
        if row["state"] != "preview":
            raise FundingError("Only a previewed scenario can be discarded")
        await ReallocationScenario.update({ReallocationScenario.state: "discarded"}).where(
            ReallocationScenario.id == scenario_id
        )
        await audit_change(
            actor,
            "funding.reallocation.discarded",
            "reallocation_scenario",
            scenario_id,
            {"old": "preview", "new": "discarded"},
        )


@dataclass(frozen=True)
class ScenarioSummary:
    """A reallocation scenario as the funding overview lists it."""

    id: int
    stream_name: str
    financial_year: str
    quarter: int
    threshold_pct: float
    recover_pct: float
    recipients: str
    total_pence: int  # moved between CCGs
    state: str  # preview | applied | discarded
    reason: str
    ccgs: int  # CCGs with an adjustment


@dataclass(frozen=True)
class Adjustment:
    """What a scenario moves to (positive) or from (negative) one CCG."""

    ccg_code: str
    ccg_name: str
    amount_pence: int
    reason: str


@dataclass(frozen=True)
class ScenarioDetail:
    """A reallocation scenario with its adjustments, smallest amount first."""

    id: int
    stream_name: str
    stream_code: str
    financial_year: str
    quarter: int
    threshold_pct: float
    recover_pct: float
    recipients: str
    total_pence: int
    state: str
    reason: str
    adjustments: tuple[Adjustment, ...]

    @property
    def ccgs(self) -> int:
        return len(self.adjustments)


async def scenarios() -> list[ScenarioSummary]:
    rows = await db.fetch(
        """
        SELECT r.id, r.financial_year, r.quarter, r.threshold_pct, r.recover_pct, r.recipients, r.total_pence,
               r.state, r.reason, s.name AS stream_name,
               (SELECT COUNT(*) FROM reallocation_adjustment a WHERE a.scenario = r.id) AS ccgs
        FROM reallocation_scenario r JOIN funding_stream s ON s.id = r.stream
        ORDER BY r.id DESC
        """
    )
    return [
        ScenarioSummary(
            id=int(r["id"]),
            stream_name=r["stream_name"],
            financial_year=r["financial_year"],
            quarter=int(r["quarter"]),
            threshold_pct=r["threshold_pct"],
            recover_pct=r["recover_pct"],
            recipients=r["recipients"],
            total_pence=int(r["total_pence"]),
            state=r["state"],
            reason=r["reason"],
            ccgs=int(r["ccgs"]),
        )
        for r in rows
    ]


async def scenario_detail(scenario_id: int) -> ScenarioDetail:
    rows = await db.fetch(
        """
        SELECT r.*, s.name AS stream_name, s.code AS stream_code
        FROM reallocation_scenario r JOIN funding_stream s ON s.id = r.stream WHERE r.id = {}
        """,
        scenario_id,
    )
    if not rows:
        raise NotFoundException()
    row = rows[0]
    _, ccgs = await organisations.org_names()
    adjustments = [
        Adjustment(
            ccg_code=ccgs[r["ccg"]].code,
            ccg_name=ccgs[r["ccg"]].name,
            amount_pence=int(r["amount_pence"]),
            reason=r["reason"],
        )
        for r in await db.fetch(
            "SELECT ccg, amount_pence, reason FROM reallocation_adjustment WHERE scenario = {}", scenario_id
        )
    ]
    return ScenarioDetail(
        id=int(row["id"]),
        stream_name=row["stream_name"],
        stream_code=row["stream_code"],
        financial_year=row["financial_year"],
        quarter=int(row["quarter"]),
        threshold_pct=row["threshold_pct"],
        recover_pct=row["recover_pct"],
        recipients=row["recipients"],
        total_pence=int(row["total_pence"]),
        state=row["state"],
        reason=row["reason"],
        adjustments=tuple(sorted(adjustments, key=lambda a: (a.amount_pence, a.ccg_code))),
    )

"""Funding streams and fair-share allocation runs: preview, approve, supersede; CCG budgets.

Population basis (a decision, documented in the README): a run divides the pot by the patients
registered on one list-size snapshot (default: the latest). With basis "snapshot" each practice's
patients count for the CCG code the publication placed it in (ListSize.ccg_code; a blank code
falls back to the practice's CCG in the register). The 2021 publication uses post-merger codes
(e.g. 16C) that the 2014-16 register does not have: such lines are kept under the published code
and flagged "not in the register" (they cannot be spent through the tracker until the CCG
exists). With basis "register" patients count for the practice's CCG in the organisation register
(the CCGs of the time), which is what the demo's 2014-16 runs use.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar.exceptions import NotFoundException

from tracker import clock, db
from tracker.accounts.policy import Action, Scope, require
from tracker.accounts.principal import Principal
from tracker.audit import service as audit
from tracker.funding.calculations import FundingError, age_band_weights, choose_snapshot, fair_share, snapshot_note
from tracker.funding.facts_service import Stream
from tracker.organisations import listsize_import_service
from tracker.organisations import service as organisations
from tracker.periods import service as periods_service
from tracker.tables import AllocationLine, AllocationRun, FundingStream

BASES = ("snapshot", "register")
AGE_WEIGHTS_PATH = Path(__file__).resolve().parent.parent.parent / "fixtures" / "age_band_weights.toml"
METHODS = ("fair_share", "bid", "application", "fixed")


@dataclass(frozen=True)
class Actor:
    """Who is making a change: an account, or the CLI / demo (account None)."""

    account_id: int | None = None
    label: str = "system"
    ip: str = ""

    @classmethod
    def of(cls, user: Principal, ip: str = "") -> Actor:
        return cls(account_id=user.id, label=user.email, ip=ip)


async def audit_change(actor: Actor, action: str, entity_type: str, entity_id: Any, detail: dict[str, Any]) -> None:
    await audit.record(
        action,
        account_id=actor.account_id,
        actor=actor.label,
        entity_type=entity_type,
        entity_id=entity_id,
        detail=detail,
        ip=actor.ip,
    )


def utcnow() -> dt.datetime:
    return clock.now()


# --- Streams ------------------------------------------------------------------------------------


async def ensure_stream(
    code: str,
    name: str,
    *,
    kind: str,
    method: str,
    financial_years: str,
    pot_pence: int,
    description: str = "",
    actor: Actor | None = None,
) -> int:
    """Create a stream if its code is new; returns its id (existing streams are left as they are)."""
    if kind not in ("revenue", "capital"):
        raise FundingError("A stream is revenue or capital")
    if method not in METHODS:
        raise FundingError("Allocation method must be one of " + ", ".join(METHODS))
    if pot_pence < 0:
        raise FundingError("The pot must not be negative")
    row = await FundingStream.select(FundingStream.id).where(FundingStream.code == code).first()
    if row:
        return int(row["id"])
    created = await FundingStream.insert(
        FundingStream(
            code=code,
            name=name,
            kind=kind,
            method=method,
            financial_years=financial_years,
            pot_pence=pot_pence,
            description=description,
            created_at=utcnow(),
        )
    ).returning(FundingStream.id)
    await audit_change(actor or Actor(), "funding.stream.created", "funding_stream", created[0]["id"], {"code": code})
    return int(created[0]["id"])


@dataclass(frozen=True)
class StreamSummary:
    """A stream as the funding pages list it: what it is, and how much of it is approved and awarded."""

    id: int
    code: str
    name: str
    kind: str  # revenue | capital
    method: str  # fair_share | bid | application | fixed
    financial_years: str  # "2014/15,2015/16"
    pot_pence: int
    description: str
    approved_runs: int
    awarded_pence: int


@dataclass(frozen=True)
class StreamName:
    code: str
    name: str


async def streams() -> list[StreamSummary]:
    rows = await db.fetch(
        """
        SELECT s.id, s.code, s.name, s.kind, s.method, s.financial_years, s.pot_pence, s.description,
               (SELECT COUNT(*) FROM allocation_run r WHERE r.stream = s.id AND r.state = 'approved') AS approved_runs,
               (SELECT COALESCE(SUM(a.amount_pence), 0) FROM practice_award a WHERE a.stream = s.id) AS awarded_pence
        FROM funding_stream s ORDER BY s.financial_years, s.name
        """
    )
    return [
        StreamSummary(
            id=int(r["id"]),
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            method=r["method"],
            financial_years=r["financial_years"],
            pot_pence=int(r["pot_pence"]),
            description=r["description"],
            approved_runs=int(r["approved_runs"] or 0),
            awarded_pence=int(r["awarded_pence"] or 0),
        )
        for r in rows
    ]


_STREAM_COLUMNS = (
    FundingStream.id,
    FundingStream.code,
    FundingStream.name,
    FundingStream.kind,
    FundingStream.method,
    FundingStream.financial_years,
    FundingStream.pot_pence,
)


async def stream_by_code(code: str) -> Stream:
    """The stream with this code (or, failing that, this name)."""
    row = await FundingStream.select(*_STREAM_COLUMNS).where(FundingStream.code == code.strip()).first()
    if row is None:
        row = await FundingStream.select(*_STREAM_COLUMNS).where(FundingStream.name == code.strip()).first()
    if row is None:
        raise FundingError(f"There is no funding stream called {code!r}")
    return Stream(**row)


async def stream_codes() -> dict[str, int]:
    return {r["code"]: r["id"] for r in await FundingStream.select(FundingStream.id, FundingStream.code)}


# --- Snapshots and populations --------------------------------------------------------------


async def snapshot_dates() -> list[dt.date]:
    return await listsize_import_service.snapshot_dates()


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


async def patients_by_ccg(snapshot: dt.date, basis: str = "snapshot") -> dict[str, int]:
    """Registered patients per CCG code on one snapshot (see the module note on the basis)."""
    if basis not in BASES:
        raise FundingError("The population basis is 'snapshot' or 'register'")
    return await listsize_import_service.patients_by_ccg(snapshot, published_first=basis == "snapshot")


# --- Allocation runs ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    """One CCG's share, planned or stored in a run; ccg_id None (and ccg_name "") for a code the
    register does not have."""

    ccg_code: str
    ccg_id: int | None
    ccg_name: str
    patients: int
    weight: float
    amount_pence: int
    previous_pence: int | None


@dataclass
class AllocationPlan:
    stream_id: int
    stream_code: str
    stream_name: str
    financial_year: str
    pot_pence: int
    snapshot_date: dt.date
    basis: str
    weighting: str
    lines: list[PlanLine] = field(default_factory=list)
    previous_run_id: int | None = None
    snapshot_note: str = ""  # which list sizes, and why (the April snapshot, or the nearest)

    @property
    def total_patients(self) -> int:
        return sum(line.patients for line in self.lines)

    @property
    def unknown_codes(self) -> list[str]:
        return [line.ccg_code for line in self.lines if line.ccg_id is None]


async def plan_allocation(
    *,
    pot_pence: int,
    stream_code: str,
    financial_year: str,
    snapshot: dt.date | None = None,
    basis: str = "snapshot",
    weights: dict[str, float] | None = None,
    age_bands: bool = False,
) -> AllocationPlan:
    """Compute a fair-share run without writing anything. Refusals raise FundingError.

    Without a snapshot the run uses the list sizes of the time (funding.calculations.choose_snapshot).
    `age_bands` weights each CCG by its patients' NHSBSA age bands (fixtures/age_band_weights.toml)."""
    if pot_pence < 0:
        raise FundingError("The pot must not be negative")
    stream = await stream_by_code(stream_code)
    if stream.method != "fair_share":
        raise FundingError(f"{stream.name} is not allocated by fair share")
    if not valid_year(financial_year):
        raise FundingError("Financial year must look like 2014/15")
    dates = await snapshot_dates()
    if snapshot is None:
        choice = choose_snapshot(financial_year, dates)
        if choice is None:
            raise FundingError("There are no list sizes: import a list-size file first")
        snapshot = choice.date
    patients = await patients_by_ccg(snapshot, basis)
    if age_bands:
        if weights:
            raise FundingError("Give either CCG weights or age-band weighting, not both")
        weights = await _age_weights(snapshot, set(patients))
    if not patients:
        known = ", ".join(d.isoformat() for d in dates[:5]) or "none"
        raise FundingError(f"There are no list sizes for the snapshot {snapshot.isoformat()} (snapshots held: {known})")
    if weights:
        known_ccgs = set((await _ccg_ids()).keys()) | set(patients)
        unknown = sorted(set(weights) - known_ccgs)
        if unknown:
            raise FundingError("Unknown CCG in the weights: " + ", ".join(unknown))
    shares = fair_share(pot_pence, patients, weights)
    ccgs = await _ccgs()
    previous = await _current_approved_run(stream.id)
    previous_lines: dict[str, int] = {}
    if previous is not None:
        previous_lines = {
            r["ccg_code"]: int(r["amount_pence"])
            for r in await AllocationLine.select(AllocationLine.ccg_code, AllocationLine.amount_pence).where(
                AllocationLine.run == previous
            )
        }
    plan = AllocationPlan(
        stream_id=stream.id,
        stream_code=stream.code,
        stream_name=stream.name,
        financial_year=financial_year,
        pot_pence=pot_pence,
        snapshot_date=snapshot,
        basis=basis,
        weighting="age bands" if age_bands else ("custom" if weights else "none"),
        previous_run_id=previous,
        snapshot_note=snapshot_note(financial_year, snapshot),
    )
    for code in sorted(shares):
        ccg = ccgs.get(code)
        plan.lines.append(
            PlanLine(
                ccg_code=code,
                ccg_id=ccg.id if ccg else None,
                ccg_name=ccg.name if ccg else "",
                patients=patients[code],
                weight=(weights or {}).get(code, 1.0),
                amount_pence=shares[code],
                previous_pence=previous_lines.get(code) if previous is not None else None,
            )
        )
    return plan


async def _age_weights(snapshot: dt.date, ccgs: set[str]) -> dict[str, float]:
    bands = await listsize_import_service.bands_by_ccg(snapshot)
    if not bands:
        raise FundingError(
            f"There are no age bands for the snapshot {snapshot.isoformat()}: import an NHSBSA quarter for it"
        )
    band_weights = tomllib.loads(AGE_WEIGHTS_PATH.read_text(encoding="utf-8"))["weights"]
    weights = age_band_weights(bands, [float(w) for w in band_weights])
    return {code: w for code, w in weights.items() if code in ccgs}


def valid_year(text: str) -> bool:
    if len(text) != 7 or text[4] != "/" or not (text[:4].isdigit() and text[5:].isdigit()):
        return False
    return (int(text[:4]) + 1) % 100 == int(text[5:])


async def _ccgs() -> dict[str, organisations.CcgName]:
    _, ccgs = await organisations.org_names()
    return {r.code: r for r in ccgs.values()}


async def _ccg_ids() -> dict[str, int]:
    return {code: r.id for code, r in (await _ccgs()).items()}


async def _current_approved_run(stream_id: int) -> int | None:
    """The id of the stream's latest approved run (None: it has none)."""
    rows = await (
        AllocationRun.select(AllocationRun.id)
        .where((AllocationRun.stream == stream_id) & (AllocationRun.state == "approved"))
        .order_by(AllocationRun.financial_year, ascending=False)
        .order_by(AllocationRun.approved_at, ascending=False)
        .limit(1)
    )
    return int(rows[0]["id"]) if rows else None


async def save_plan(plan: AllocationPlan, actor: Actor, note: str = "") -> int:
    """Record a plan as a preview run (nothing is allocated until it is approved)."""
    async with db.write_transaction():
        created = await AllocationRun.insert(
            AllocationRun(
                stream=plan.stream_id,
                financial_year=plan.financial_year,
                pot_pence=plan.pot_pence,
                snapshot_date=plan.snapshot_date,
                basis=plan.basis,
                weighting=plan.weighting,
                total_patients=plan.total_patients,
                state="preview",
                created_at=utcnow(),
                created_by=actor.account_id,
                note=note,
            )
        ).returning(AllocationRun.id)
        run_id = int(created[0]["id"])
        await db.bulk_insert(
            "allocation_line",
            ("run", "ccg_code", "ccg", "patients", "weight", "amount_pence", "previous_pence"),
            [
                (run_id, ln.ccg_code, ln.ccg_id, ln.patients, ln.weight, ln.amount_pence, ln.previous_pence)
                for ln in plan.lines
            ],
        )
        await audit_change(
            actor,
            "funding.run.previewed",
            "allocation_run",
            run_id,
            {
                "stream": plan.stream_code,
                "financial_year": plan.financial_year,
                "pot_pence": plan.pot_pence,
                "snapshot": plan.snapshot_date.isoformat(),
                "basis": plan.basis,
                "ccgs": len(plan.lines),
            },
        )
    return run_id


async def approve_run(run_id: int, actor: Actor) -> None:
    """Approve a preview run; the stream's approved run for the same year is superseded."""
    async with db.write_transaction():
        run = await AllocationRun.select().where(AllocationRun.id == run_id).first()
        if run is None:
            raise NotFoundException()
        if run["state"] != "preview":
            raise FundingError("Only a preview can be approved: approved runs are never changed, make a new run")
        older = await AllocationRun.select(AllocationRun.id).where(
            (AllocationRun.stream == run["stream"])
            & (AllocationRun.financial_year == run["financial_year"])
            & (AllocationRun.state == "approved")
        )
        for r in older:
            await AllocationRun.update({AllocationRun.state: "superseded", AllocationRun.superseded_by: run_id}).where(
                AllocationRun.id == r["id"]
            )
        await AllocationRun.update(
            {
                AllocationRun.state: "approved",
                AllocationRun.approved_at: utcnow(),
                AllocationRun.approved_by: actor.account_id,
            }
        ).where(AllocationRun.id == run_id)
        await audit_change(
            actor,
            "funding.run.approved",
            "allocation_run",
            run_id,
            {"old": "preview", "new": "approved", "superseded": [r["id"] for r in older]},
        )


async def discard_run(run_id: int, actor: Actor) -> None:
    async with db.write_transaction():
        run = await AllocationRun.select().where(AllocationRun.id == run_id).first()
        if run is None:
            raise NotFoundException()
        if run["state"] != "preview":
            raise FundingError("Only a preview can be discarded: approved runs are kept")
        await AllocationRun.delete().where(AllocationRun.id == run_id)
        await audit_change(actor, "funding.run.discarded", "allocation_run", run_id, {"pot_pence": run["pot_pence"]})


@dataclass(frozen=True)
class RunSummary:
    """An allocation run as the funding pages list it."""

    id: int
    stream_name: str
    stream_code: str
    financial_year: str
    pot_pence: int
    snapshot_date: dt.date
    state: str  # preview | approved | superseded
    total_patients: int
    ccgs: int  # lines in the run


@dataclass(frozen=True)
class RunDetail:
    """An allocation run with its lines, by CCG code."""

    id: int
    stream_name: str
    stream_code: str
    financial_year: str
    pot_pence: int
    snapshot_date: dt.date
    snapshot_note: str
    basis: str
    weighting: str
    state: str
    total_patients: int
    note: str
    lines: tuple[PlanLine, ...]

    @property
    def ccgs(self) -> int:
        return len(self.lines)


async def runs(limit: int = 50) -> list[RunSummary]:
    rows = await db.fetch(
        """
        SELECT r.id, r.financial_year, r.pot_pence, r.snapshot_date, r.state, r.total_patients,
               s.name AS stream_name, s.code AS stream_code,
               (SELECT COUNT(*) FROM allocation_line l WHERE l.run = r.id) AS ccgs
        FROM allocation_run r JOIN funding_stream s ON s.id = r.stream
        ORDER BY r.financial_year DESC, r.id DESC
        LIMIT {}
        """,
        limit,
    )
    return [
        RunSummary(
            id=int(r["id"]),
            stream_name=r["stream_name"],
            stream_code=r["stream_code"],
            financial_year=r["financial_year"],
            pot_pence=int(r["pot_pence"]),
            snapshot_date=_as_date(r["snapshot_date"]),
            state=r["state"],
            total_patients=int(r["total_patients"] or 0),
            ccgs=int(r["ccgs"]),
        )
        for r in rows
    ]


async def run_detail(run_id: int) -> RunDetail:
    rows = await db.fetch(
        """
        SELECT r.*, s.name AS stream_name, s.code AS stream_code
        FROM allocation_run r JOIN funding_stream s ON s.id = r.stream WHERE r.id = {}
        """,
        run_id,
    )
    if not rows:
        raise NotFoundException()
    run = rows[0]
    lines = await db.fetch(
        """
        SELECT l.ccg_code, l.ccg AS ccg_id, l.patients, l.weight, l.amount_pence, l.previous_pence
        FROM allocation_line l WHERE l.run = {} ORDER BY l.ccg_code
        """,
        run_id,
    )
    _, ccgs = await organisations.org_names()
    snapshot = _as_date(run["snapshot_date"])
    return RunDetail(
        id=int(run["id"]),
        stream_name=run["stream_name"],
        stream_code=run["stream_code"],
        financial_year=run["financial_year"],
        pot_pence=int(run["pot_pence"]),
        snapshot_date=snapshot,
        snapshot_note=snapshot_note(run["financial_year"], snapshot),
        basis=run["basis"],
        weighting=run["weighting"] or "none",
        state=run["state"],
        total_patients=int(run["total_patients"] or 0),
        note=run["note"],
        lines=tuple(
            PlanLine(
                ccg_code=ln["ccg_code"],
                ccg_id=ln["ccg_id"],
                ccg_name=_ccg_name(ccgs, ln["ccg_id"]),
                patients=int(ln["patients"]),
                weight=float(ln["weight"]),
                amount_pence=int(ln["amount_pence"]),
                previous_pence=None if ln["previous_pence"] is None else int(ln["previous_pence"]),
            )
            for ln in lines
        ),
    )


def _ccg_name(ccgs: dict[int, organisations.CcgName], ccg_id: int | None) -> str:
    found = ccgs.get(ccg_id) if ccg_id is not None else None
    return (found.name if found else None) or ""


# --- CCG budgets ------------------------------------------------------------------------------


async def ccg_by_code(code: str, user: Principal | None = None) -> organisations.CcgName:
    row = (await _ccgs()).get(code.strip().upper())
    if row is None:
        raise NotFoundException()
    if user is not None:
        require(user, Action.VIEW, Scope(ccg_id=row.id, region_id=row.region_id))
    return row


@dataclass(frozen=True)
class Budget:
    """A CCG's budget from one stream for one financial year, and what it is made of."""

    ccg_id: int
    stream_id: int
    financial_year: str
    fair_share_pence: int  # approved fair-share runs
    transition_pence: int  # transition fund awarded
    capital_pence: int  # capital bids approved
    adjustment_pence: int  # applied reallocations, in or out

    @property
    def budget_pence(self) -> int:
        return self.fair_share_pence + self.transition_pence + self.capital_pence + self.adjustment_pence


async def budgets(ccg_id: int | None = None) -> list[Budget]:
    """Per CCG, stream and year: fair share (approved runs), transition and capital awarded,
    reallocation adjustments applied, the resulting budget, and the latest forecast."""
    where = "" if ccg_id is None else "WHERE x.ccg = {}"
    args = () if ccg_id is None else (ccg_id,)
    rows = await db.fetch(
        f"""
        SELECT x.ccg, x.stream, x.financial_year,
               SUM(x.fair_share) AS fair_share_pence, SUM(x.transition) AS transition_pence,
               SUM(x.capital) AS capital_pence, SUM(x.adjustment) AS adjustment_pence
        FROM (
          SELECT l.ccg AS ccg, r.stream AS stream, r.financial_year AS financial_year,
                 l.amount_pence AS fair_share, 0 AS transition, 0 AS capital, 0 AS adjustment
          FROM allocation_line l JOIN allocation_run r ON r.id = l.run
          WHERE r.state = 'approved' AND l.ccg IS NOT NULL
          UNION ALL
          SELECT t.ccg, t.stream, t.financial_year, 0, t.awarded_pence, 0, 0
          FROM transition_application t WHERE t.state = 'awarded'
          UNION ALL
          SELECT b.ccg, b.stream, b.financial_year, 0, 0, b.approved_pence, 0
          FROM capital_bid b WHERE b.state IN ('approved', 'part')
          UNION ALL
          SELECT a.ccg, s.stream, s.financial_year, 0, 0, 0, a.amount_pence
          FROM reallocation_adjustment a JOIN reallocation_scenario s ON s.id = a.scenario
          WHERE s.state = 'applied'
        ) x
        {where}
        GROUP BY x.ccg, x.stream, x.financial_year
        """,  # noqa: S608 (the filter is a constant with a bound value)
        *args,
    )
    return [
        Budget(
            ccg_id=int(r["ccg"]),
            stream_id=int(r["stream"]),
            financial_year=r["financial_year"],
            fair_share_pence=int(r["fair_share_pence"] or 0),
            transition_pence=int(r["transition_pence"] or 0),
            capital_pence=int(r["capital_pence"] or 0),
            adjustment_pence=int(r["adjustment_pence"] or 0),
        )
        for r in rows
    ]


async def financial_years() -> list[str]:
    """The financial years the tracker holds: those of its reporting periods, oldest first."""
    return sorted({str(p["financial_year"]) for p in await periods_service.all_periods()})


async def ccg_regions() -> dict[str, int | None]:
    return {code: r.region_id for code, r in (await _ccgs()).items()}


async def ccg_ids_in(region_id: int) -> list[int]:
    """The CCGs in a region today."""
    _, ccgs = await organisations.org_names()
    return sorted(ccg_id for ccg_id, r in ccgs.items() if r.region_id == region_id)


async def region_name(region_id: int | None) -> str:
    if region_id is None:
        return ""
    regions, _ = await organisations.org_names()
    row = regions.get(region_id)
    return (row.name or row.code) if row else ""


async def stream_names_by_id() -> dict[int, str]:
    return {r["id"]: r["name"] for r in await FundingStream.select(FundingStream.id, FundingStream.name)}


async def fair_share_streams() -> list[StreamName]:
    rows = await FundingStream.select(FundingStream.code, FundingStream.name).where(
        FundingStream.method == "fair_share"
    )
    return [StreamName(code=r["code"], name=r["name"]) for r in rows]


async def practice_for_funding(code: str, user: Principal) -> organisations.PracticeDetail:
    return await organisations.practice(code, user)

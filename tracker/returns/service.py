"""A practice's return: reading it with its context, and saving it with optimistic locking and
a full audit trail. Reviews, uploads and administration live in their own service modules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException

from tracker import db
from tracker.accounts.policy import Action, Scope, can, require
from tracker.accounts.principal import Principal
from tracker.audit import service as audit
from tracker.indicators.catalogue import IndicatorSpec
from tracker.indicators.service import active_indicators_and_ids
from tracker.organisations import service as organisations
from tracker.periods import service as periods
from tracker.periods.service import PeriodRow
from tracker.returns import calculations as calc
from tracker.returns import lifecycle
from tracker.returns.calculations import Entry, Window


@dataclass
class Actor:
    """Who is making a change, for the audit trail: a person or an API token."""

    account_id: int | None
    label: str
    ip: str = ""


@dataclass(frozen=True)
class StoredReturn:
    """The stored return of one practice for one period (its values are read apart)."""

    id: int
    state: str
    version: int
    returned_reason: str


@dataclass
class ReturnContext:
    """Everything the form (or the API) needs about one practice's return for one period."""

    practice: PracticeRow
    period: PeriodRow
    specs: list[IndicatorSpec]
    row: StoredReturn | None  # None: not started
    entries: dict[str, Entry]
    previous_period: PeriodRow | None
    previous: dict[str, Entry]
    exception_until: dt.date | None
    last_change: audit.EntityEvent | None = None

    @property
    def state(self) -> str | None:
        return self.row.state if self.row else None

    @property
    def version(self) -> int:
        return self.row.version if self.row else 0

    @property
    def window(self) -> Window:
        return window_of(self.period)

    @property
    def previous_values(self) -> dict[str, float | None]:
        return {code: e.value for code, e in self.previous.items()}


@dataclass
class SaveResult:
    ok: bool
    refused: str = ""  # the lifecycle refused the change
    conflict: bool = False  # someone else saved first
    locked: bool = False  # the period is locked (or not open yet)
    context: ReturnContext | None = None
    changed: list[str] = field(default_factory=list)


def window_of(period: PeriodRow) -> Window:
    return Window(period["opens_on"], period["due_on"], period["locks_on"])


@dataclass(frozen=True)
class PracticeRow:
    """A practice as the return pages, the API and the to-do list take it."""

    id: int
    ods_code: str
    name: str
    ccg: int | None
    region: int | None
    ccg_region: int | None

    @property
    def scope(self) -> Scope:
        """Where the practice sits today: its CCG and that CCG's region (the practice's own region
        column only when it has no CCG region: the ODS file can set them differently)."""
        return Scope(practice_id=self.id, ccg_id=self.ccg, region_id=self.ccg_region or self.region)

    def as_change_practice(self) -> dict[str, Any]:
        # The lifecycle's changes name a practice by id and code.
        return {"id": self.id, "ods_code": self.ods_code}


def scope_of(practice: PracticeRow) -> Scope:
    return practice.scope


def _practice_row(place: organisations.PracticePlace) -> PracticeRow:
    return PracticeRow(place.id, place.ods_code, place.name, place.ccg, place.region, place.ccg_region)


async def practice_by_code(ods_code: str) -> PracticeRow:
    found = await organisations.practice_places(codes=[ods_code.upper()])
    if not found:
        raise NotFoundException()
    return _practice_row(found[0])


async def practice_for(ods_code: str, user: Principal, action: Action = Action.VIEW) -> PracticeRow:
    """The practice, after the policy allowed `action` on it (403 otherwise, 404 when unknown)."""
    row = await practice_by_code(ods_code)
    require(user, action, scope_of(row))
    return row


async def period_by_code(code: str) -> PeriodRow:
    row = await periods.by_code(code)
    if row is None:
        raise NotFoundException()
    return row


async def period_from_url(url_code: str) -> PeriodRow:
    code = calc.period_code_from_url(url_code)
    if code is None:
        raise NotFoundException()
    return await period_by_code(code)


async def periods_up_to(today: dt.date, limit: int = 8) -> list[PeriodRow]:
    """The most recent `limit` periods that have opened, newest first."""
    opened = [p for p in await periods.all_periods() if p.opens_on <= today]
    return list(reversed(opened))[:limit]


async def previous_period(period: PeriodRow) -> PeriodRow | None:
    """The period just before this one (None for the programme's first)."""
    earlier = [p for p in await periods.all_periods() if p.start_date < period.start_date]
    return earlier[-1] if earlier else None


async def _return_rows(practice_id: int, period_ids: list[int]) -> dict[int, StoredReturn]:
    """The practice's returns for these periods, by period id."""
    rows = await db.fetch(
        f"""SELECT id, period, state, version, returned_reason FROM practice_return
            WHERE practice = {{}} AND period IN ({", ".join("{}" for _ in period_ids)})""",  # noqa: S608 (placeholders only)
        practice_id,
        *period_ids,
    )
    return {r["period"]: StoredReturn(r["id"], r["state"], r["version"], r["returned_reason"]) for r in rows}


async def exception_until(practice_id: int, period_id: int) -> dt.date | None:
    rows = await db.fetch(
        'SELECT "until" FROM lock_exception WHERE practice = {} AND period = {}', practice_id, period_id
    )
    return rows[0]["until"] if rows else None


async def last_change(return_id: int) -> audit.EntityEvent | None:
    events = await audit.latest_events("practice_return", return_id, limit=1)
    return events[0] if events else None


async def history(return_id: int, limit: int = 50) -> list[audit.EntityEvent]:
    return await audit.latest_events("practice_return", return_id, limit=limit)


async def load_context(practice: PracticeRow, period: PeriodRow, *, with_last_change: bool = True) -> ReturnContext:
    # Values of a retired indicator are found too: entries_of_returns then reads every indicator's id.
    specs, ids = await active_indicators_and_ids()
    before = await previous_period(period)
    # This period's return and the previous one's, and then both returns' values, each in one query.
    rows = await _return_rows(practice.id, [period["id"]] + ([before["id"]] if before else []))
    row = rows.get(period["id"])
    prev_row = rows.get(before["id"]) if before else None
    values = await lifecycle.entries_of_returns([r.id for r in rows.values()], ids)
    return ReturnContext(
        practice=practice,
        period=period,
        specs=specs,
        row=row,
        entries=values.get(row.id, {}) if row else {},
        previous_period=before,
        previous=values.get(prev_row.id, {}) if prev_row else {},
        exception_until=await exception_until(practice.id, period["id"]),
        last_change=await last_change(row.id) if row and with_last_change else None,
    )


async def save(
    ctx: ReturnContext,
    entries: dict[str, Entry],
    *,
    version: int,
    submit: bool,
    actor: Actor,
    now: dt.datetime,
    today: dt.date,
    source: str = "form",
) -> SaveResult:
    """Save a practice's values as a draft, or submit them, through the lifecycle.

    `version` is the version the person read (0 for a return not started). If the return changed
    since, nothing is written and the result says so: no update is ever lost.
    """
    change = lifecycle.Change(
        ctx.practice.as_change_practice(),
        ctx.period,
        lifecycle.Event.SUBMIT if submit else lifecycle.Event.SAVE,
        version,
        entries,
    )
    return _result(
        await lifecycle.apply(
            [change], party=lifecycle.Party.PRACTICE, actor=actor, now=now, today=today, source=source
        )
    )


async def withdraw(ctx: ReturnContext, *, version: int, actor: Actor, now: dt.datetime, today: dt.date) -> SaveResult:
    """The practice takes back a submitted return the CCG has not reviewed yet (it becomes a draft)."""
    change = lifecycle.Change(ctx.practice.as_change_practice(), ctx.period, lifecycle.Event.WITHDRAW, version)
    return _result(await lifecycle.apply([change], party=lifecycle.Party.PRACTICE, actor=actor, now=now, today=today))


def may_withdraw(ctx: ReturnContext, today: dt.date) -> bool:
    """Whether the practice could take its return back now (the CCG has not reviewed it yet)."""
    refused = lifecycle.check(
        ctx.state, lifecycle.Event.WITHDRAW, lifecycle.Party.PRACTICE, ctx.window, today, ctx.exception_until
    )
    return refused is None


def _result(outcomes: list[lifecycle.Outcome]) -> SaveResult:
    outcome = outcomes[0]
    if outcome.ok:
        return SaveResult(ok=True, changed=outcome.changed)
    if outcome.conflict:
        return SaveResult(ok=False, conflict=True)
    return SaveResult(ok=False, refused=outcome.message, locked=outcome.refusal == lifecycle.Refusal.LOCKED)


# --- Lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodReturn:
    """A period that has opened, with the state of one practice's return for it (None: not started)."""

    period_id: int
    code: str
    opens_on: dt.date
    due_on: dt.date
    locks_on: dt.date
    return_id: int | None = None
    state: str | None = None
    version: int | None = None
    submitted_at: dt.datetime | None = None
    first_submitted_at: dt.datetime | None = None
    returned_reason: str | None = None


async def practice_returns(practice_id: int, today: dt.date, limit: int = 12) -> list[PeriodReturn]:
    """A practice's periods that have opened (newest first) with its return's state for each."""
    opened = await periods_up_to(today, limit)
    returns = {
        r["period"]: r
        for r in await db.fetch(
            """SELECT id, period, state, version, submitted_at, first_submitted_at, returned_reason
               FROM practice_return WHERE practice = {}""",
            practice_id,
        )
    }
    rows = []
    for pe in opened:
        r = returns.get(pe.id, {})
        rows.append(
            PeriodReturn(
                period_id=pe.id,
                code=pe.code,
                opens_on=pe.opens_on,
                due_on=pe.due_on,
                locks_on=pe.locks_on,
                return_id=r.get("id"),
                state=r.get("state"),
                version=r.get("version"),
                submitted_at=r.get("submitted_at"),
                first_submitted_at=r.get("first_submitted_at"),
                returned_reason=r.get("returned_reason"),
            )
        )
    return rows


async def my_practices(user: Principal) -> list[PracticeRow]:
    if not user.practice_ids:
        return []
    return [_practice_row(p) for p in await organisations.practice_places(ids=set(user.practice_ids))]


def may_view(user: Principal, practice: PracticeRow) -> bool:
    return can(user, Action.VIEW, scope_of(practice))


async def status(today: dt.date | None = None) -> dict[str, Any]:
    codes = await periods.codes_by_id()
    rows = await db.fetch("SELECT period, state, COUNT(*) AS n FROM practice_return GROUP BY period, state")
    by_period: dict[str, dict[str, int]] = {}
    for r in sorted(rows, key=lambda r: (codes[r["period"]], r["state"])):
        by_period.setdefault(codes[r["period"]], {})[r["state"]] = r["n"]
    return {"returns_by_period": by_period}

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
from tracker.indicators.catalogue import IndicatorSpec
from tracker.indicators.service import active_indicators
from tracker.organisations import service as organisations
from tracker.returns import calculations as calc
from tracker.returns import lifecycle
from tracker.returns.calculations import Entry, Window
from tracker.tables import LockException, Period, Practice, PracticeReturn


@dataclass
class Actor:
    """Who is making a change, for the audit trail: a person or an API token."""

    account_id: int | None
    label: str
    ip: str = ""


@dataclass
class ReturnContext:
    """Everything the form (or the API) needs about one practice's return for one period."""

    practice: dict[str, Any]
    period: dict[str, Any]
    specs: list[IndicatorSpec]
    row: dict[str, Any] | None  # None: not started
    entries: dict[str, Entry]
    previous_period: dict[str, Any] | None
    previous: dict[str, Entry]
    exception_until: dt.date | None
    last_change: dict[str, Any] | None = None

    @property
    def state(self) -> str | None:
        return self.row["state"] if self.row else None

    @property
    def version(self) -> int:
        return self.row["version"] if self.row else 0

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


def window_of(period: dict[str, Any]) -> Window:
    return Window(period["opens_on"], period["due_on"], period["locks_on"])


def scope_of(practice: dict[str, Any]) -> Scope:
    """Where a practice sits today: its CCG and that CCG's region (never the practice's own region
    column, which the ODS file can set differently from its CCG's)."""
    return organisations.practice_scope(practice)


async def practice_by_code(ods_code: str) -> dict[str, Any]:
    row = (
        await Practice.select(
            Practice.id,
            Practice.ods_code,
            Practice.name,
            Practice.ccg,
            Practice.region,
            Practice.status,
            Practice.ccg.region,
            Practice.ccg.code,
            Practice.ccg.name,
        )
        .where(Practice.ods_code == ods_code.upper())
        .first()
    )
    if row is None:
        raise NotFoundException()
    return row


async def practice_for(ods_code: str, user: Principal, action: Action = Action.VIEW) -> dict[str, Any]:
    """The practice, after the policy allowed `action` on it (403 otherwise, 404 when unknown)."""
    row = await practice_by_code(ods_code)
    require(user, action, scope_of(row))
    return row


async def period_by_code(code: str) -> dict[str, Any]:
    row = await Period.select().where(Period.code == code).first()
    if row is None:
        raise NotFoundException()
    return row


async def period_from_url(url_code: str) -> dict[str, Any]:
    code = calc.period_code_from_url(url_code)
    if code is None:
        raise NotFoundException()
    return await period_by_code(code)


async def periods_up_to(today: dt.date, limit: int = 8) -> list[dict[str, Any]]:
    """The most recent `limit` periods that have opened, newest first."""
    return (
        await Period.select().where(Period.opens_on <= today).order_by(Period.start_date, ascending=False).limit(limit)
    )


async def open_periods(today: dt.date) -> list[dict[str, Any]]:
    """Periods that have opened and not locked (newest first)."""
    return (
        await Period.select()
        .where((Period.opens_on <= today) & (Period.locks_on >= today))
        .order_by(Period.start_date, ascending=False)
    )


async def entries_of(return_id: int) -> dict[str, Entry]:
    rows = await db.fetch(
        """SELECT i.code, v.value, v.numerator, v.denominator, v.comment
           FROM return_value v JOIN indicator i ON i.id = v.indicator
           WHERE v.practice_return = {}""",
        return_id,
    )
    return {r["code"]: Entry(r["value"], r["numerator"], r["denominator"], r["comment"] or "") for r in rows}


async def return_row(practice_id: int, period_id: int) -> dict[str, Any] | None:
    return (
        await PracticeReturn.select()
        .where((PracticeReturn.practice == practice_id) & (PracticeReturn.period == period_id))
        .first()
    )


async def exception_until(practice_id: int, period_id: int) -> dt.date | None:
    row = (
        await LockException.select(LockException.until)
        .where((LockException.practice == practice_id) & (LockException.period == period_id))
        .first()
    )
    return row["until"] if row else None


async def last_change(return_id: int) -> dict[str, Any] | None:
    rows = await db.fetch(
        """SELECT at, actor, action FROM audit_event
           WHERE entity_type = 'practice_return' AND entity_id = {}
           ORDER BY at DESC, id DESC LIMIT 1""",
        str(return_id),
    )
    return rows[0] if rows else None


async def history(return_id: int, limit: int = 50) -> list[dict[str, Any]]:
    return await db.fetch(
        """SELECT at, actor, action, detail FROM audit_event
           WHERE entity_type = 'practice_return' AND entity_id = {}
           ORDER BY at DESC, id DESC LIMIT {}""",
        str(return_id),
        limit,
    )


async def load_context(
    practice: dict[str, Any], period: dict[str, Any], *, with_last_change: bool = True
) -> ReturnContext:
    specs = await active_indicators()
    row = await return_row(practice["id"], period["id"])
    entries = await entries_of(row["id"]) if row else {}
    previous_period = (
        await Period.select()
        .where(Period.start_date < period["start_date"])
        .order_by(Period.start_date, ascending=False)
        .first()
    )
    previous: dict[str, Entry] = {}
    if previous_period:
        prev_row = await return_row(practice["id"], previous_period["id"])
        if prev_row:
            previous = await entries_of(prev_row["id"])
    return ReturnContext(
        practice=practice,
        period=period,
        specs=specs,
        row=row,
        entries=entries,
        previous_period=previous_period,
        previous=previous,
        exception_until=await exception_until(practice["id"], period["id"]),
        last_change=await last_change(row["id"]) if row and with_last_change else None,
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
        ctx.practice,
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
    change = lifecycle.Change(ctx.practice, ctx.period, lifecycle.Event.WITHDRAW, version)
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


async def practice_returns(practice_id: int, today: dt.date, limit: int = 12) -> list[dict[str, Any]]:
    """A practice's periods that have opened (newest first) with its return's state for each."""
    return await db.fetch(
        """SELECT pe.id AS period_id, pe.code, pe.opens_on, pe.due_on, pe.locks_on,
                  r.id AS return_id, r.state, r.version, r.submitted_at, r.first_submitted_at,
                  r.reviewed_at, r.returned_reason, r.updated_at
           FROM period pe LEFT JOIN practice_return r ON r.period = pe.id AND r.practice = {}
           WHERE pe.opens_on <= {}
           ORDER BY pe.start_date DESC LIMIT {}""",
        practice_id,
        today,
        limit,
    )


async def my_practices(user: Principal) -> list[dict[str, Any]]:
    if not user.practice_ids:
        return []
    return (
        await Practice.select(
            Practice.id, Practice.ods_code, Practice.name, Practice.ccg, Practice.region, Practice.ccg.region
        )
        .where(Practice.id.is_in(list(user.practice_ids)))
        .order_by(Practice.name)
    )


def may_view(user: Principal, practice: dict[str, Any]) -> bool:
    return can(user, Action.VIEW, scope_of(practice))


async def status(today: dt.date | None = None) -> dict[str, Any]:
    rows = await db.fetch(
        """SELECT pe.code, r.state, COUNT(*) AS n
           FROM practice_return r JOIN period pe ON pe.id = r.period
           GROUP BY pe.code, r.state ORDER BY pe.code, r.state"""
    )
    by_period: dict[str, dict[str, int]] = {}
    for r in rows:
        by_period.setdefault(r["code"], {})[r["state"]] = r["n"]
    return {"returns_by_period": by_period}

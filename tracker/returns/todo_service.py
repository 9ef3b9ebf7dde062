"""Reading what a practice's to-do list needs: its returns, how much of each is answered, its
lock exceptions and what its CCG last said (from the audit trail, through its service)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker import db
from tracker.accounts.principal import Principal
from tracker.audit import service as audit
from tracker.indicators.service import active_indicators, indicator_ids
from tracker.returns import calculations as calc
from tracker.returns import review_service, service, todo
from tracker.tables import LockException

CCG_WORDS = ("return.returned", "return.reopened", "return.comment")


@dataclass(frozen=True)
class PracticeTodo:
    practice: service.PracticeRow
    items: list[todo.TodoItem]
    ccg_word: todo.CcgWord | None
    funding_href: str
    returns_href: str


async def answered_counts(return_ids: list[int], codes: list[str]) -> dict[int, int]:
    """Return id -> how many of these indicators have a value."""
    if not return_ids or not codes:
        return {}
    ids = await indicator_ids()
    wanted = [ids[c] for c in codes if c in ids]
    rows = await db.fetch(
        f"""SELECT practice_return, COUNT(*) AS n FROM return_value
            WHERE practice_return IN ({", ".join("{}" for _ in return_ids)})
              AND indicator IN ({", ".join("{}" for _ in wanted)})
              AND value IS NOT NULL
            GROUP BY practice_return""",  # noqa: S608 (placeholders only)
        *return_ids,
        *wanted,
    )
    return {r["practice_return"]: int(r["n"]) for r in rows}


async def exceptions_of(practice_id: int) -> dict[int, dt.date]:
    rows = await LockException.select(LockException.period, LockException.until).where(
        LockException.practice == practice_id
    )
    return {r["period"]: r["until"] for r in rows}


async def practice_todo(practice: service.PracticeRow, *, now: dt.datetime, today: dt.date) -> PracticeTodo:
    rows = await service.practice_returns(practice.id, today)
    codes = [s.code for s in await active_indicators()]
    return_ids = [r.return_id for r in rows if r.return_id]
    items = todo.todo_items(
        practice.ods_code,
        rows,
        answered=await answered_counts(return_ids, codes),
        total=len(codes),
        exceptions=await exceptions_of(practice.id),
        now=now,
        today=today,
    )
    links = {
        str(r.return_id): (
            todo.period_label(r.code),
            f"/practices/{practice.ods_code}/returns/{calc.url_code(r.code)}",
        )
        for r in rows
        if r.return_id
    }
    events = await audit.events_of("practice_return", return_ids, CCG_WORDS, limit=1000)
    return PracticeTodo(
        practice=practice,
        items=items,
        ccg_word=todo.last_ccg_word(events, links),
        funding_href=f"/funding/practices/{practice.ods_code}",
        returns_href=f"/practices/{practice.ods_code}/returns",
    )


async def todos_for(user: Principal, *, now: dt.datetime, today: dt.date) -> list[PracticeTodo]:
    """The to-do list of each practice the user works for (their own practices only)."""
    return [await practice_todo(p, now=now, today=today) for p in await service.my_practices(user)]


async def ccg_todo_for(user: Principal, *, now: dt.datetime, today: dt.date) -> todo.CcgTodo | None:
    """A CCG lead's week: their review queue and the open period's outstanding practices (the
    review grid's own figures)."""
    if user.ccg_id is None:
        return None
    queue = await review_service.queue(user.ccg_id)
    grid = await review_service.grid(user.ccg_id, today, periods=1)
    period = grid.open_period
    expected = grid.counts[-1].expected if period is not None and grid.counts else 0
    return todo.ccg_todo(
        waiting=len(queue),
        oldest_sent=min((r.submitted_at for r in queue if r.submitted_at), default=None),
        period_code=period.code if period is not None else None,
        due_on=period.due_on if period is not None else None,
        expected=expected,
        outstanding=len(grid.outstanding),
        now=now,
    )

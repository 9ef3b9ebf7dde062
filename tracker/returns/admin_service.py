"""Lock exceptions: an administrator lets named practices change a locked period's return."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker import db
from tracker.accounts import service as accounts
from tracker.audit import service as audit
from tracker.organisations import service as organisations
from tracker.periods import service as period_service
from tracker.returns.service import Actor
from tracker.tables import LockException


@dataclass(frozen=True)
class ExceptionRow:
    """One lock exception as the administrators' page lists it."""

    id: int
    until: dt.date
    reason: str
    granted_at: dt.datetime
    ods_code: str
    name: str
    period_code: str
    granted_by: str | None


@dataclass(frozen=True)
class PeriodChoice:
    id: int
    code: str
    locks_on: dt.date


async def all_exceptions() -> list[ExceptionRow]:
    rows = await LockException.select(
        LockException.id,
        LockException.until,
        LockException.reason,
        LockException.granted_at,
        LockException.practice,
        LockException.period,
        LockException.granted_by,
    )
    names = await organisations.practice_names({r["practice"] for r in rows})
    period_codes = await period_service.codes_by_id()
    emails = await accounts.account_emails({r["granted_by"] for r in rows if r["granted_by"] is not None})
    out = [
        ExceptionRow(
            id=r["id"],
            until=r["until"],
            reason=r["reason"],
            granted_at=r["granted_at"],
            ods_code=names[r["practice"]].ods_code,
            name=names[r["practice"]].name,
            period_code=period_codes[r["period"]],
            granted_by=emails.get(r["granted_by"]) if r["granted_by"] is not None else None,
        )
        for r in rows
    ]
    out.sort(key=lambda r: r.ods_code)
    out.sort(key=lambda r: r.granted_at, reverse=True)  # stable: practices in code order within a time
    return out


async def periods() -> list[PeriodChoice]:
    return [
        PeriodChoice(id=p["id"], code=p["code"], locks_on=p["locks_on"])
        for p in reversed(await period_service.all_periods())
    ]


async def practice_ids(codes: list[str]) -> dict[str, int]:
    return {p.ods_code: p.id for p in await organisations.practice_places(codes=codes)}


async def grant(
    practices: dict[str, int], period_code: str, until: dt.date, reason: str, *, actor: Actor, now: dt.datetime
) -> int:
    """Grant (or extend) an exception for each practice; returns how many were written."""
    period = await period_service.by_code(period_code)
    if period is None:
        return 0
    async with db.write_transaction():
        events = []
        for code, practice_id in practices.items():
            existing = (
                await LockException.select(LockException.id, LockException.until)
                .where((LockException.practice == practice_id) & (LockException.period == period["id"]))
                .first()
            )
            if existing:
                await LockException.update(
                    {
                        LockException.until: until,
                        LockException.reason: reason,
                        LockException.granted_by: actor.account_id,
                        LockException.granted_at: now,
                    }
                ).where(LockException.id == existing["id"])
                old = existing["until"]
            else:
                await LockException.insert(
                    LockException(
                        practice=practice_id,
                        period=period["id"],
                        until=until,
                        reason=reason,
                        granted_by=actor.account_id,
                        granted_at=now,
                    )
                )
                old = None
            events.append(
                {
                    "action": "lock_exception.granted",
                    "account_id": actor.account_id,
                    "actor": actor.label,
                    "entity_type": "lock_exception",
                    "entity_id": f"{code}/{period_code}",
                    "ip": actor.ip,
                    "at": now,
                    "detail": {
                        "practice": code,
                        "period": period_code,
                        "old_until": old,
                        "new_until": until,
                        "reason": reason,
                    },
                }
            )
        await audit.record_many(events)
    return len(practices)


async def withdraw(exception_id: int, *, actor: Actor, now: dt.datetime) -> bool:
    found = (
        await LockException.select(LockException.until, LockException.practice, LockException.period)
        .where(LockException.id == exception_id)
        .first()
    )
    if found is None:
        return False
    names = await organisations.practice_names({found["practice"]})
    period_codes = await period_service.codes_by_id()
    row = {
        "until": found["until"],
        "ods_code": names[found["practice"]].ods_code,
        "period_code": period_codes[found["period"]],
    }
    async with db.write_transaction():
        await LockException.delete().where(LockException.id == exception_id)
        await audit.record(
            "lock_exception.withdrawn",
            account_id=actor.account_id,
            actor=actor.label,
            entity_type="lock_exception",
            entity_id=f"{row['ods_code']}/{row['period_code']}",
            detail={"practice": row["ods_code"], "period": row["period_code"], "old_until": row["until"]},
            ip=actor.ip,
            at=now,
        )
    return True

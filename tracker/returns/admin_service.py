"""Lock exceptions: an administrator lets named practices change a locked period's return."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker import db
from tracker.audit import service as audit
from tracker.returns.service import Actor
from tracker.tables import LockException, Period, Practice


async def all_exceptions() -> list[dict[str, Any]]:
    return await db.fetch(
        """SELECT e.id, e.until, e.reason, e.granted_at, p.ods_code, p.name, pe.code AS period_code, a.email AS granted_by
           FROM lock_exception e JOIN practice p ON p.id = e.practice JOIN period pe ON pe.id = e.period
           LEFT JOIN account a ON a.id = e.granted_by
           ORDER BY e.granted_at DESC, p.ods_code"""
    )


async def periods() -> list[dict[str, Any]]:
    return await Period.select(Period.id, Period.code, Period.locks_on).order_by(Period.start_date, ascending=False)


async def practice_ids(codes: list[str]) -> dict[str, int]:
    rows = await Practice.select(Practice.id, Practice.ods_code).where(Practice.ods_code.is_in(codes or ["-"]))
    return {r["ods_code"]: r["id"] for r in rows}


async def grant(
    practices: dict[str, int], period_code: str, until: dt.date, reason: str, *, actor: Actor, now: dt.datetime
) -> int:
    """Grant (or extend) an exception for each practice; returns how many were written."""
    period = await Period.select(Period.id).where(Period.code == period_code).first()
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
    rows = await db.fetch(
        """SELECT e.id, e.until, p.ods_code, pe.code AS period_code FROM lock_exception e
           JOIN practice p ON p.id = e.practice JOIN period pe ON pe.id = e.period WHERE e.id = {}""",
        exception_id,
    )
    if not rows:
        return False
    row = rows[0]
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

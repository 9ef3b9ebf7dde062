"""Writing and reading audit events. Events are only ever inserted: nothing here edits one."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tracker.tables import AuditEvent


async def record(
    action: str,
    *,
    account_id: int | None = None,
    actor: str = "system",
    entity_type: str = "",
    entity_id: str | int = "",
    detail: dict[str, Any] | None = None,
    ip: str = "",
    at: dt.datetime | None = None,
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            at=at or dt.datetime.now(dt.UTC),
            account=account_id,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            detail=json.dumps(detail or {}, default=str, sort_keys=True),
            ip=ip,
        )
    )


async def record_many(rows: list[dict[str, Any]]) -> None:
    """Bulk form of `record` for imports and bulk reviews (same keys as its arguments)."""
    if not rows:
        return
    now = dt.datetime.now(dt.UTC)
    await AuditEvent.insert(
        *[
            AuditEvent(
                at=r.get("at") or now,
                account=r.get("account_id"),
                actor=r.get("actor", "system"),
                action=r["action"],
                entity_type=r.get("entity_type", ""),
                entity_id=str(r.get("entity_id", "")),
                detail=json.dumps(r.get("detail") or {}, default=str, sort_keys=True),
                ip=r.get("ip", ""),
            )
            for r in rows
        ]
    )


async def count(action: str | None = None) -> int:
    query = AuditEvent.count()
    if action:
        query = query.where(AuditEvent.action == action)
    return await query

"""Writing and reading audit events. Events are only ever inserted: nothing here edits one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from tracker import clock, db
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
            at=at or clock.now(),
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
    now = clock.now()
    # Plain rows to the driver: an ORM object and its insert query cost more than the write (a
    # draft save records one to a few dozen events; an import or a bulk review, thousands).
    await db.bulk_insert(
        "audit_event",
        _WRITTEN_COLUMNS,
        [
            (
                r.get("at") or now,
                r.get("account_id"),
                r.get("actor", "system"),
                r["action"],
                r.get("entity_type", ""),
                str(r.get("entity_id", "")),
                json.dumps(r.get("detail") or {}, default=str, sort_keys=True),
                r.get("ip", ""),
            )
            for r in rows
        ],
    )


_WRITTEN_COLUMNS = ("at", "account", "actor", "action", "entity_type", "entity_id", "detail", "ip")


@dataclass(frozen=True)
class AuditEventRow:
    """One event as other features and the audit trail read it (detail decoded, read-only)."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    detail: Mapping[str, Any]
    ip: str


def decode_detail(raw: object) -> Mapping[str, Any]:
    """The stored JSON detail as a read-only mapping. The tracker only ever writes JSON objects;
    text that is not one is kept whole under "detail" so nothing recorded is hidden."""
    if not raw:
        return MappingProxyType({})
    if isinstance(raw, Mapping):
        return MappingProxyType(dict(raw))
    try:
        data = json.loads(str(raw))
    except ValueError:
        return MappingProxyType({"detail": str(raw)})
    return MappingProxyType(data if isinstance(data, dict) else {"detail": data})


def _event_row(r: dict[str, Any]) -> AuditEventRow:
    return AuditEventRow(
        id=int(r["id"]),
        at=r["at"],
        actor=r["actor"] or "",
        action=r["action"],
        entity_type=r["entity_type"] or "",
        entity_id=r["entity_id"] or "",
        detail=decode_detail(r["detail"]),
        ip=r["ip"] or "",
    )


_EVENT_COLUMNS = (
    AuditEvent.id,
    AuditEvent.at,
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.entity_type,
    AuditEvent.entity_id,
    AuditEvent.detail,
    AuditEvent.ip,
)


async def events_of(
    entity_type: str, entity_ids: list[int], actions: tuple[str, ...], limit: int = 200
) -> list[AuditEventRow]:
    """The events of these entities with these actions, oldest first."""
    if not entity_ids or not actions:
        return []
    # Plain SQL: every return page asks, and Piccolo's query object costs more than the query.
    rows = await db.fetch(
        f"""SELECT id, at, actor, action, entity_type, entity_id, detail, ip FROM audit_event
            WHERE entity_type = {{}} AND entity_id IN ({", ".join("{}" for _ in entity_ids)})
              AND action IN ({", ".join("{}" for _ in actions)})
            ORDER BY at, id LIMIT {{}}""",  # noqa: S608 (placeholders only)
        entity_type,
        *[str(i) for i in entity_ids],
        *actions,
        limit,
    )
    return [_event_row(r) for r in rows]


async def count(action: str | None = None) -> int:
    query = AuditEvent.count()
    if action:
        query = query.where(AuditEvent.action == action)
    return await query


AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit trail, newest first: its events, how many match, which page of how many."""

    rows: list[AuditEventRow]
    total: int
    page: int
    pages: int


async def search(
    *,
    action: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    entity_type: str = "",
    entity_id: str = "",
    page: int = 1,
) -> AuditPage:
    """Events matching the filters, newest first. Read-only."""
    conditions: list[Any] = []
    if action:
        conditions.append(AuditEvent.action == action)
    if actor:
        cleaned = actor.replace("%", "").replace("_", "").replace("\\", "").lower()
        pattern = f"%{cleaned}%"
        conditions.append(AuditEvent.actor.like(pattern) if db.is_sqlite() else AuditEvent.actor.ilike(pattern))
    if since:
        conditions.append(AuditEvent.at >= dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC))
    if until:
        conditions.append(AuditEvent.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC))
    if entity_type:
        conditions.append(AuditEvent.entity_type == entity_type)
    if entity_id:
        conditions.append(AuditEvent.entity_id == entity_id)
    count_query = AuditEvent.count()
    select = AuditEvent.select(*_EVENT_COLUMNS)
    for condition in conditions:
        count_query = count_query.where(condition)
        select = select.where(condition)
    total = await count_query
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = (
        await select.order_by(AuditEvent.at, ascending=False)
        .order_by(AuditEvent.id, ascending=False)
        .limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
    )
    return AuditPage([_event_row(r) for r in rows], total, page, pages)


async def actions() -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    rows = await AuditEvent.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    return [r["action"] for r in rows]


async def entity_types() -> list[str]:
    rows = await AuditEvent.select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
    return [r["entity_type"] for r in rows if r["entity_type"]]


# --- One entity's history, for other features --------------------------------------------


@dataclass(frozen=True)
class EntityEvent:
    """One event in an entity's history (detail as stored: JSON text)."""

    at: dt.datetime
    actor: str
    action: str
    detail: str


async def latest_events(entity_type: str, entity_id: str | int, *, limit: int) -> list[EntityEvent]:
    """The latest `limit` events of one entity, newest first."""
    rows = await db.fetch(
        """SELECT at, actor, action, detail FROM audit_event WHERE entity_type = {} AND entity_id = {}
           ORDER BY at DESC, id DESC LIMIT {}""",
        entity_type,
        str(entity_id),
        limit,
    )
    return [EntityEvent(r["at"], r["actor"], r["action"], r["detail"]) for r in rows]

"""Key/value rows with an expiry: the one store every web worker and the scheduler share."""

from __future__ import annotations

import datetime as dt

from tracker import clock, db
from tracker.tables import KeyValue


def _now() -> dt.datetime:
    return clock.now()


async def put(key: str, value: str, expires_at: dt.datetime | None) -> None:
    await KeyValue.insert(KeyValue(key=key, value=value, expires_at=expires_at)).on_conflict(
        target=KeyValue.key,
        action="DO UPDATE",
        values=[KeyValue.value, KeyValue.expires_at],
    )


async def get(key: str) -> tuple[str, dt.datetime | None] | None:
    # Plain SQL: every signed-in request reads its session here.
    rows = await db.fetch('SELECT value, expires_at FROM key_value WHERE "key" = {}', key)
    if not rows:
        return None
    row = rows[0]
    expires_at = row["expires_at"]
    if expires_at is not None and expires_at <= _now():
        await delete(key)
        return None
    return row["value"], expires_at


async def touch(key: str, expires_at: dt.datetime) -> None:
    await KeyValue.update({KeyValue.expires_at: expires_at}).where(KeyValue.key == key)


async def delete(key: str) -> None:
    await KeyValue.delete().where(KeyValue.key == key)


async def delete_prefix(prefix: str) -> None:
    await KeyValue.delete().where(KeyValue.key.like(prefix.replace("%", r"\%") + "%"))


async def purge_expired(now: dt.datetime | None = None) -> int:
    cutoff = now or _now()
    expired = await KeyValue.count().where(KeyValue.expires_at < cutoff)
    await KeyValue.delete().where(KeyValue.expires_at < cutoff)
    return expired


async def trim_prefix(prefix: str, keep: int) -> int:
    """Keep at most `keep` rows whose key starts with `prefix`: those nearest their expiry go; how
    many went."""
    pattern = prefix.replace("%", r"\%") + "%"
    cutoff = (
        await KeyValue.select(KeyValue.expires_at)
        .where(KeyValue.key.like(pattern))
        .order_by(KeyValue.expires_at, ascending=False)
        .offset(keep)
        .limit(1)
        .first()
    )
    if cutoff is None or cutoff["expires_at"] is None:
        return 0
    doomed = KeyValue.key.like(pattern) & (KeyValue.expires_at <= cutoff["expires_at"])
    count = await KeyValue.count().where(doomed)
    await KeyValue.delete().where(doomed)
    return count


async def reserve(
    key: str, *, limit: int, window: dt.timedelta, lock: dt.timedelta | None = None
) -> tuple[int, dt.datetime]:
    """Add one to a counter that lives for `window` from its first count, in one atomic statement;
    the new count and when the counter ends. The count that reaches `limit` makes it last `lock`
    from now, so whatever is counted stays refused that long.

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL): concurrent
    callers each get their own count, never the same one, with no read-then-write to race."""
    now = _now()
    lock_until = now + (lock or window)
    rows = await KeyValue.raw(
        """
        INSERT INTO key_value (key, value, expires_at) VALUES ({}, '1', {})
        ON CONFLICT (key) DO UPDATE SET
            value = CASE WHEN key_value.expires_at > {}
                THEN CAST(CAST(key_value.value AS INTEGER) + 1 AS TEXT) ELSE '1' END,
            expires_at = CASE
                WHEN key_value.expires_at <= {} THEN {}
                WHEN CAST(key_value.value AS INTEGER) + 1 = {} THEN {}
                ELSE key_value.expires_at END
        RETURNING value, expires_at
        """,
        key,
        now + window if limit > 1 else lock_until,
        now,
        now,
        now + window,
        limit,
        lock_until,
    )
    row = rows[0]
    expires_at = row["expires_at"]
    if isinstance(expires_at, str):  # SQLite's RETURNING gives the stored text back as it is
        expires_at = dt.datetime.fromisoformat(expires_at)
    return int(row["value"]), expires_at


async def release(key: str) -> None:
    """Take one back from a counter (an attempt that turned out to be good)."""
    await KeyValue.raw(
        "UPDATE key_value SET value = CAST(CAST(value AS INTEGER) - 1 AS TEXT) "
        "WHERE key = {} AND CAST(value AS INTEGER) > 0",
        key,
    )


async def increment(key: str, window: dt.timedelta) -> int:
    """Add one to a counter that lives for `window` from its first count; the new count (atomic)."""
    count, _ = await reserve(key, limit=0, window=window)
    return count

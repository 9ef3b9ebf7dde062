"""Key/value rows with an expiry: the one store every web worker and the scheduler share."""

from __future__ import annotations

import datetime as dt

from tracker.tables import KeyValue


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def put(key: str, value: str, expires_at: dt.datetime | None) -> None:
    await KeyValue.insert(KeyValue(key=key, value=value, expires_at=expires_at)).on_conflict(
        target=KeyValue.key,
        action="DO UPDATE",
        values=[KeyValue.value, KeyValue.expires_at],
    )


async def get(key: str) -> tuple[str, dt.datetime | None] | None:
    row = await KeyValue.select(KeyValue.value, KeyValue.expires_at).where(KeyValue.key == key).first()
    if row is None:
        return None
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


async def purge_expired() -> int:
    expired = await KeyValue.count().where(KeyValue.expires_at < _now())
    await KeyValue.delete().where(KeyValue.expires_at < _now())
    return expired


async def increment(key: str, window: dt.timedelta) -> int:
    """Add one to a counter that lives for `window` from its first count; the new count.

    Read-then-write in one IMMEDIATE transaction, so concurrent workers never lose a count."""
    from tracker import db

    async with db.write_transaction():
        row = await KeyValue.select(KeyValue.value, KeyValue.expires_at).where(KeyValue.key == key).first()
        now = _now()
        if row is None or (row["expires_at"] is not None and row["expires_at"] <= now):
            await put(key, "1", now + window)
            return 1
        try:
            count = int(row["value"]) + 1
        except ValueError:
            count = 1
        await KeyValue.update({KeyValue.value: str(count)}).where(KeyValue.key == key)
        return count

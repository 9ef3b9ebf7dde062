"""A Litestar Store kept in the database, so that sessions survive restarts and several web
workers share them (the default memory store is per process)."""

from __future__ import annotations

import datetime as dt

from litestar.stores.base import Store

from tracker import clock
from tracker.kv import service as kv

# The most sessions kept: past it, the ones nearest their expiry go first. Only signed-in people
# have sessions, so this is far above real use and only stops a flood (scripted sign-ins).
MAX_ROWS = 100_000


class DatabaseStore(Store):
    def __init__(self, namespace: str, max_rows: int = MAX_ROWS) -> None:
        self.namespace = namespace
        self.max_rows = max_rows

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    @staticmethod
    def _expiry(expires_in: int | dt.timedelta | None) -> dt.datetime | None:
        if expires_in is None:
            return None
        if isinstance(expires_in, int):
            expires_in = dt.timedelta(seconds=expires_in)
        return clock.now() + expires_in

    async def set(self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None) -> None:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        await kv.put(self._key(key), text, self._expiry(expires_in))

    async def sweep(self) -> int:
        """Drop every expired row (sessions and old sign-in counters), then this store's rows past
        `max_rows`; how many went."""
        return await kv.purge_expired() + await kv.trim_prefix(f"{self.namespace}:", self.max_rows)

    async def get_with_expiry(self, key: str) -> tuple[bytes, dt.datetime | None] | None:
        found = await kv.get(self._key(key))
        if found is None:
            return None
        return found[0].encode("latin-1"), found[1]

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        found = await kv.get(self._key(key))
        if found is None:
            return None
        value, expires_at = found
        if renew_for is not None and expires_at is not None:
            new_expiry = self._expiry(renew_for)
            if new_expiry is not None:
                await kv.touch(self._key(key), new_expiry)
        return value.encode("latin-1")

    async def delete(self, key: str) -> None:
        await kv.delete(self._key(key))

    async def delete_all(self) -> None:
        await kv.delete_prefix(f"{self.namespace}:")

    async def exists(self, key: str) -> bool:
        return await kv.get(self._key(key)) is not None

    async def expires_in(self, key: str) -> int | None:
        found = await kv.get(self._key(key))
        if found is None or found[1] is None:
            return None
        return int((found[1] - clock.now()).total_seconds())

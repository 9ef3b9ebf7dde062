"""Sign-in throttling, per account (by email, whether or not it exists) and per client address.

Counts and locks live in the shared key/value store, so every web worker sees the same ones.
A lock is temporary and the person is told how long it lasts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from tracker.kv import service as kv

ACCOUNT_LIMIT = 5  # failed sign-ins for one email within the window lock that email
ADDRESS_LIMIT = 20  # failed sign-ins from one address within the window lock that address
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
RESET_EMAIL_LIMIT = 3  # password-reset emails per email address per hour
PREFIX = "signin:"


@dataclass(frozen=True)
class Lock:
    kind: str  # "account" | "address"
    until: dt.datetime

    def minutes_left(self, now: dt.datetime | None = None) -> int:
        now = now or dt.datetime.now(dt.UTC)
        return max(1, -(-int((self.until - now).total_seconds()) // 60))


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]


def _keys(kind: str, value: str) -> tuple[str, str]:
    d = _digest(value)
    return f"{PREFIX}fail:{kind}:{d}", f"{PREFIX}lock:{kind}:{d}"


async def current_lock(email: str, ip: str) -> Lock | None:
    for kind, value in (("account", email), ("address", ip)):
        if not value:
            continue
        found = await kv.get(_keys(kind, value)[1])
        if found is not None:
            return Lock(kind, dt.datetime.fromisoformat(found[0]))
    return None


async def record_failure(email: str, ip: str) -> list[Lock]:
    """Count a failed sign-in; the locks this failure set (empty if none)."""
    new: list[Lock] = []
    for kind, value, limit in (("account", email, ACCOUNT_LIMIT), ("address", ip, ADDRESS_LIMIT)):
        if not value:
            continue
        fail_key, lock_key = _keys(kind, value)
        if await kv.increment(fail_key, WINDOW) >= limit:
            until = dt.datetime.now(dt.UTC) + LOCK
            await kv.put(lock_key, until.isoformat(), until)
            await kv.delete(fail_key)
            new.append(Lock(kind, until))
    return new


async def clear_account(email: str) -> None:
    """Forget an email's failures and lock (after a good sign-in or a password reset)."""
    for key in _keys("account", email):
        await kv.delete(key)


async def allow_reset_email(email: str) -> bool:
    """At most RESET_EMAIL_LIMIT reset emails an hour for one address, so the form cannot flood a mailbox."""
    count = await kv.increment(f"{PREFIX}reset:{_digest(email)}", dt.timedelta(hours=1))
    return count <= RESET_EMAIL_LIMIT

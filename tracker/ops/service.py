"""What the operator's probes ask the database: is it there, is it migrated, is a scheduler alive.

Owns the scheduler_lease table (the one scheduler's claim and heartbeat).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
from dataclasses import dataclass

from piccolo.apps.migrations.tables import Migration

from tracker import db
from tracker.piccolo_app import MIGRATIONS
from tracker.tables import SchedulerLease

SCHEDULER = "scheduler"
_ID = re.compile(r'^ID = "([^"]+)"', re.M)


@dataclass(frozen=True)
class MigrationState:
    applied: int
    pending: tuple[str, ...]
    migrated: bool  # the migration table exists at all

    @property
    def current(self) -> bool:
        return self.migrated and not self.pending


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    acquired_at: dt.datetime | None
    beat_at: dt.datetime | None
    expires_at: dt.datetime | None

    def age_seconds(self, now: dt.datetime) -> float | None:
        return None if self.beat_at is None else max(0.0, (now - self.beat_at).total_seconds())


def known_migrations() -> list[str]:
    """The IDs of the migration files shipped with this code (read, not imported)."""
    ids = []
    for path in sorted(MIGRATIONS.glob("tracker_*.py")):
        match = _ID.search(path.read_text(encoding="utf-8"))
        if match:
            ids.append(match[1])
    return sorted(ids)


async def migration_state() -> MigrationState:
    known = known_migrations()
    if not await Migration.table_exists():
        return MigrationState(applied=0, pending=tuple(known), migrated=False)
    ran = set(await Migration.get_migrations_which_ran(app_name="tracker"))
    return MigrationState(applied=len(ran), pending=tuple(m for m in known if m not in ran), migrated=True)


async def ping() -> None:
    """One round trip to the database; raises whatever the driver raises when it cannot."""
    await db.fetch("SELECT 1 AS one")


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _lease(row: dict | None) -> Lease | None:
    if row is None:
        return None
    return Lease(row["name"], row["holder"], row["acquired_at"], row["beat_at"], row["expires_at"])


async def lease(name: str = SCHEDULER) -> Lease | None:
    return _lease(await SchedulerLease.select().where(SchedulerLease.name == name).first())


async def claim(holder: str, now: dt.datetime, ttl: dt.timedelta, name: str = SCHEDULER) -> bool:
    """Take or renew the lease; True when `holder` holds it afterwards.

    The holder renews its own lease (that is the heartbeat); another process takes it only once it
    has expired, so two processes configured to schedule never both run the jobs.
    """
    async with db.write_transaction():
        await SchedulerLease.insert(SchedulerLease(name=name, holder="", expires_at=now)).on_conflict(
            target=SchedulerLease.name, action="DO NOTHING"
        )
        row = await SchedulerLease.select().where(SchedulerLease.name == name).first()
        assert row is not None  # inserted just above when missing
        mine = row["holder"] == holder
        if not mine and row["holder"] and row["expires_at"] is not None and row["expires_at"] > now:
            return False
        await SchedulerLease.update(
            {
                SchedulerLease.holder: holder,
                SchedulerLease.beat_at: now,
                SchedulerLease.expires_at: now + ttl,
                SchedulerLease.acquired_at: row["acquired_at"] if mine else now,
            }
        ).where(SchedulerLease.name == name)
    return True


async def release(holder: str, name: str = SCHEDULER) -> None:
    """Give the lease up at shutdown so another process can take over at once."""
    await SchedulerLease.update({SchedulerLease.expires_at: None, SchedulerLease.holder: ""}).where(
        (SchedulerLease.name == name) & (SchedulerLease.holder == holder)
    )

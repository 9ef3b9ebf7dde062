"""The readiness verdict, from what the probes found. No database: pure, so tested on its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tracker.ops.service import Lease, MigrationState


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "unavailable", "reason": self.reason, **self.details}


def heartbeat_json(lease: Lease | None, now: dt.datetime) -> dict[str, Any]:
    if lease is None or lease.beat_at is None:
        return {"holder": None, "heartbeat_at": None, "age_seconds": None}
    age = lease.age_seconds(now)
    return {
        "holder": lease.holder or None,
        "heartbeat_at": lease.beat_at.isoformat(),
        "age_seconds": None if age is None else round(age, 1),
    }


def judge(
    migrations: MigrationState,
    lease: Lease | None,
    now: dt.datetime,
    *,
    scheduler_expected: bool,
    stale_after: dt.timedelta,
) -> Readiness:
    details: dict[str, Any] = {
        "database": "reachable",
        "migrations": {"applied": migrations.applied, "pending": list(migrations.pending)},
        "scheduler": {"expected": scheduler_expected, **heartbeat_json(lease, now)},
    }
    if not migrations.migrated:
        return Readiness(False, "the database has no schema: run `tracker migrate`", details)
    if migrations.pending:
        return Readiness(False, f"{len(migrations.pending)} migration(s) not applied: run `tracker migrate`", details)
    if scheduler_expected:
        if lease is None or lease.beat_at is None or not lease.holder:
            return Readiness(False, "no scheduler is running (TRACKER_SCHEDULER is on)", details)
        if now - lease.beat_at > stale_after:
            return Readiness(
                False, f"the scheduler's heartbeat is {int((now - lease.beat_at).total_seconds())} s old", details
            )
    return Readiness(True, "", details)

"""What the tracker keeps, and for how long: expired sessions and sign-in counters go at once;
sent emails keep their record (the key that makes them exactly once) but lose their bodies and
workbooks after TRACKER_OUTBOX_RETAIN_DAYS."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from tracker import clock
from tracker.changes import service as changes
from tracker.kv import service as kv
from tracker.notifications import outbox_service
from tracker.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionResult:
    expired_keys: int
    emails_redacted: int
    files_removed: int
    change_rows_folded: int = 0

    def summary(self) -> str:
        return (
            f"{self.expired_keys} expired sessions and counters removed; "
            f"{self.emails_redacted} sent emails emptied; {self.files_removed} attachment files removed; "
            f"{self.change_rows_folded} data-change rows of ended database processes folded"
        )


async def apply(settings: Settings, now: dt.datetime | None = None) -> RetentionResult:
    now = now or clock.now()
    expired = await kv.purge_expired(now)
    redacted, paths = 0, list[str]()
    if settings.outbox_retain_days:
        redacted, paths = await outbox_service.redact_sent(now - dt.timedelta(days=settings.outbox_retain_days))
    removed = await asyncio.to_thread(_remove, settings.data_dir, paths)
    # PostgreSQL: one data-change row per server process that ever wrote; ended ones are folded.
    folded = await changes.fold_finished()
    return RetentionResult(expired, redacted, removed, folded)


def _remove(data_dir: Path, paths: list[str]) -> int:
    removed = 0
    home = data_dir.resolve()
    for name in paths:
        path = Path(name).resolve()
        # Only the tracker's own files: a path in the table is never trusted to point elsewhere.
        if home in path.parents and path.is_file():
            path.unlink()
            removed += 1
    return removed

"""The scheduler's state in words, for the administrators' schedules page."""

from __future__ import annotations

import datetime as dt

from tracker.ops.service import Lease


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} seconds ago"
    if seconds < 90 * 60:
        return f"{int(seconds // 60)} minutes ago"
    return f"{seconds / 3600:.1f} hours ago"


def scheduler_status(lease: Lease | None, now: dt.datetime, stale_after: dt.timedelta) -> tuple[str, bool]:
    """(sentence, healthy): who runs the scheduler and when it last said so."""
    if lease is None or lease.beat_at is None:
        return (
            "No scheduler has run yet. Start one: the tracker scheduler command, or TRACKER_SCHEDULER "
            "on one web process.",
            False,
        )
    age = (now - lease.beat_at).total_seconds()
    if not lease.holder:
        return f"The scheduler was stopped {_ago(age)}. No scheduler is running now.", False
    if now - lease.beat_at > stale_after:
        return (
            f"The scheduler in {lease.holder} last reported {_ago(age)}: it may have stopped. "
            "Another process configured to schedule takes over within a minute.",
            False,
        )
    since = f", running since {lease.acquired_at:%d %b %Y %H:%M} UTC" if lease.acquired_at else ""
    return f"The scheduler is running in {lease.holder} (last heartbeat {_ago(age)}{since}).", True

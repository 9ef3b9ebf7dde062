"""The process's clock: the settings' clock (`Settings.now()`, `Settings.current_date()`), for the
code that has no settings at hand (services, stores, the audit trail, the outbox).

`create_app()` and `db.configure()` point it at their settings, so with TRACKER_TODAY set the
whole tracker (sessions, audit, runs, workbooks, the outbox and its sender) lives on that date.
Ruff bans `datetime.now`, `date.today` and `datetime.utcnow` everywhere but here and settings.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

# The tracker's days are England's: a due date ends at midnight in London, and "today" is the date
# there, whatever the server's own zone.
ENGLAND = ZoneInfo("Europe/London")


class _Clock(Protocol):
    def now(self) -> dt.datetime: ...

    def current_date(self) -> dt.date: ...


_source: _Clock | None = None


def use(settings: _Clock) -> None:
    """Make `settings` the clock of this process (the last one configured wins)."""
    global _source
    _source = settings


def now() -> dt.datetime:
    """Now, in UTC, on the tracker's clock."""
    return _source.now() if _source is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today on the tracker's clock: a date in England."""
    return _source.current_date() if _source is not None else dt.datetime.now(ENGLAND).date()


def on_day(day: dt.date, real: dt.datetime) -> dt.datetime:
    """`real`'s time of day in England, on `day` in England, in UTC: a clock set to another date
    keeps its hours, and what it stamps is on that date for everyone who reads it in England."""
    local = real.astimezone(ENGLAND)
    return dt.datetime.combine(day, local.time(), tzinfo=ENGLAND).astimezone(dt.UTC)

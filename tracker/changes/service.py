"""A token of the data exports show: it changes whenever a change to that data commits.

Database triggers (migration 2026-12-01T02:00) stamp `data_change` in the same transaction as
every INSERT, UPDATE, DELETE (and TRUNCATE) on the watched tables, whoever writes: web workers,
commands, the scheduler, another server. The token is the set of stamps, read in one query.

Why a token read before gathering can never keep stale data: a change's stamp commits with the
change itself, and every stamp only grows (a row's new stamp is larger than any it had; slot 0 is
never removed, so folding other rows into it also gives a set never seen before). So once a change
has committed, every later read of the token differs from any token read before the commit. Data
gathered after reading a token is therefore at least as new as that token: a change committing
during the gathering may already be in it, which is harmless, since that change also moved the
token on and the result is never found again under a later token.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from litestar.types import ASGIApp, Receive, Scope, Send

from tracker import db

T = TypeVar("T")

# Slot -1 is stamped by its own triggers (migration 2026-12-01T03:00) on the reference tables
# only: it moves when organisations, periods or the catalogue change, not when a return does.
REFERENCE_SLOT = -1
REFERENCE = ("region", "ccg", "period", "indicator")

# Tables no export shows or works from: their writes (sign-ins, sessions, the outbox, the audit
# trail, the scheduler) must not make a national workbook be built again.
UNWATCHED = frozenset(
    {
        "account",
        "account_practice",
        "account_token",
        "api_token",
        "key_value",
        "audit_event",
        "job_claim",
        "outbox_email",
        "outbox_attachment",
        "report_opt_out",
        "schedule",
        "job_run",
        "scheduler_lease",
        "data_change",
    }
)


def token_of(stamps: list[tuple[int, int]]) -> str:
    """A short, stable text for a set of (slot, stamp) rows."""
    text = ";".join(f"{slot}:{stamp}" for slot, stamp in sorted(stamps))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


async def token() -> str:
    """The token of the data as committed now (one small read)."""
    rows = await db.fetch("SELECT slot, changed FROM data_change")
    return token_of([(int(r["slot"]), int(r["changed"])) for r in rows])


async def watched_tables() -> set[str]:
    """The tables whose writes stamp `data_change`, from the database's own catalogue."""
    if db.is_sqlite():
        rows = await db.fetch(
            "SELECT DISTINCT tbl_name AS name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'data\\_change\\_%' ESCAPE '\\'"
        )
    else:
        rows = await db.fetch(
            "SELECT DISTINCT c.relname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'data\\_change\\_%' AND NOT t.tgisinternal"
        )
    return {r["name"] for r in rows}


async def fold_finished() -> int:
    """PostgreSQL keeps a row per server process that ever wrote; those of processes that have
    ended are folded into slot 0 (which is stamped, so the token moves on and no earlier token can
    come back). How many rows went. SQLite has slot 0 only."""
    if db.is_sqlite():
        return 0

    async def fold() -> int:
        async with db.write_transaction():
            gone = await db.fetch(
                "DELETE FROM data_change WHERE slot > 0 "
                "AND slot NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL) RETURNING slot"
            )
            if gone:
                await db.fetch(
                    "INSERT INTO data_change (slot, changed) "
                    "VALUES (0, (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint) "
                    "ON CONFLICT (slot) DO UPDATE SET changed = GREATEST(data_change.changed + 1, EXCLUDED.changed) "
                    "RETURNING slot"
                )
            return len(gone)

    return await db.in_writer(fold)


async def reference_stamp() -> int | None:
    """The stamp of the reference tables (None before any change to them was stamped). Read once
    per request (`one_stamp_per_request`): a page asks for several kinds of reference data."""
    seen = _this_request.get()
    if seen:
        return seen[0]
    rows = await db.fetch("SELECT changed FROM data_change WHERE slot = {}", REFERENCE_SLOT)
    stamp = int(rows[0]["changed"]) if rows else None
    if seen is not None:
        seen.append(stamp)
    return stamp


# The stamp read by the request being served, if any (a list: empty until first read).
_this_request: contextvars.ContextVar[list[int | None] | None] = contextvars.ContextVar(
    "tracker_reference_stamp", default=None
)


class OneStampPerRequest:
    """ASGI middleware: within one HTTP request, the reference stamp is read once, so every kind
    of reference data a page uses is of the same moment."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _this_request.set([])
        try:
            await self.app(scope, receive, send)
        finally:
            _this_request.reset(token)


_MISSING = object()


class KeptReference(Generic[T]):
    """A value worked out from the reference tables only (`REFERENCE`), kept by this process until
    their stamp moves: every page reads the periods, the catalogue or the organisations' names, and
    on deadline day they never change.

    The stamp is read before the value is worked out, so a value is never older than its stamp: a
    change committed meanwhile moved the stamp on, and the next read works the value out again.
    The value is shared by every caller: `work` should give something callers do not change (or
    each caller copies it)."""

    def __init__(self, work: Callable[[], Awaitable[T]]) -> None:
        self._work = work
        self._stamp: int | None = None
        self._value: object = _MISSING

    async def get(self) -> T:
        stamp = await reference_stamp()
        if self._value is _MISSING or stamp != self._stamp:
            value = await self._work()
            self._stamp, self._value = stamp, value
            return value
        return self._value  # type: ignore[return-value]

    def forget(self) -> None:
        self._value = _MISSING

"""The outbox: every email the tracker sends is queued here first, exactly once per key.

Features queue emails with `enqueue()`; the sender (see the notifications feature) delivers them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from tracker import clock, db
from tracker.db import fetch, write_transaction
from tracker.tables import OutboxAttachment, OutboxEmail


async def enqueue(
    *,
    idempotency_key: str,
    kind: str,
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    practice_id: int | None = None,
    ccg_id: int | None = None,
    period_id: int | None = None,
    attachment_name: str = "",
    attachment_sha256: str = "",
) -> bool:
    """Queue an email; False (and nothing queued) if one with this key was queued before."""
    rows = (
        await OutboxEmail.insert(
            OutboxEmail(
                idempotency_key=idempotency_key,
                kind=kind,
                to_address=to_address,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                practice=practice_id,
                ccg=ccg_id,
                period=period_id,
                attachment_name=attachment_name,
                attachment_sha256=attachment_sha256,
                created_at=clock.now(),
                next_attempt_at=clock.now(),
            )
        )
        .on_conflict(target=OutboxEmail.idempotency_key, action="DO NOTHING")
        .returning(OutboxEmail.id)
    )
    return bool(rows)


# --- Attachments ------------------------------------------------------------------------------


async def store_attachment(name: str, content: bytes) -> str:
    """Keep a file for emails to attach (once, however many attach it); its SHA-256."""
    sha = hashlib.sha256(content).hexdigest()
    await OutboxAttachment.insert(
        OutboxAttachment(sha256=sha, name=name, content=content, created_at=clock.now())
    ).on_conflict(target=OutboxAttachment.sha256, action="DO NOTHING")
    return sha


async def attachments(shas: set[str]) -> dict[str, bytes]:
    """The content of each stored attachment named, by SHA-256 (those no longer kept are absent)."""
    wanted = sorted(s for s in shas if s)
    if not wanted:
        return {}
    rows = await OutboxAttachment.select(OutboxAttachment.sha256, OutboxAttachment.content).where(
        OutboxAttachment.sha256.is_in(wanted)
    )
    return {r["sha256"]: bytes(r["content"]) for r in rows}


# --- Queueing many at once ------------------------------------------------------------------

BATCH = 1000

# What a feature gives for each email it queues, and what it may leave out (with its value then);
# the rest (state, attempts, last error, sent at) start as the table's defaults.
REQUIRED = ("idempotency_key", "kind", "to_address", "subject", "body_text")
OPTIONAL: dict[str, Any] = {
    "body_html": "",
    "practice": None,
    "ccg": None,
    "period": None,
    "attachment_name": "",
    "attachment_path": "",
    "attachment_sha256": "",
}
QUEUED_COLUMNS = (*REQUIRED, *OPTIONAL, "created_at", "next_attempt_at")


_REQUIRED = frozenset(REQUIRED)
_COLUMNS = _REQUIRED | OPTIONAL.keys()


def queued_values(row: dict[str, Any], now: dt.datetime | str) -> tuple[Any, ...]:
    """One email's values in the order of QUEUED_COLUMNS (`now`, the time it is queued, may be
    given as the database stores it: `db.as_stored`). Pure."""
    keys = row.keys()
    # Two subset tests a row (a run queues thousands); the differences only to say what is wrong.
    if not keys <= _COLUMNS:
        raise ValueError(f"not outbox columns: {sorted(keys - _COLUMNS)}")
    if not _REQUIRED <= keys:
        raise ValueError(f"an email needs {sorted(_REQUIRED - keys)}")
    return (*[row[c] for c in REQUIRED], *[row.get(c, v) for c, v in OPTIONAL.items()], now, now)


async def enqueue_many(rows: list[dict[str, Any]], now: dt.datetime | None = None) -> int:
    """Queue many emails (dicts of OutboxEmail columns); returns how many were new.

    One INSERT ... ON CONFLICT DO NOTHING per batch: the unique idempotency key turns every repeat
    into a no-op, decided by the database, so two runs at once queue each email once. Each batch is
    its own transaction, so a run killed half-way keeps what it queued and a rerun queues the rest.
    """
    # Every row is stamped with the same time: turned into what the database stores once, not twice a row.
    stamp = db.as_stored(now or clock.now())
    values = [queued_values(r, stamp) for r in rows]
    queued = 0
    for start in range(0, len(values), BATCH):
        batch = values[start : start + BATCH]

        async def insert(batch: list[tuple[Any, ...]] = batch) -> int:
            async with write_transaction():
                return await db.insert_new("outbox_email", QUEUED_COLUMNS, batch, "idempotency_key")

        queued += await db.in_writer(insert)
    return queued


async def existing_keys(keys: list[str]) -> set[str]:
    """Those of the keys already in the outbox."""
    found: set[str] = set()
    for chunk in db.chunks(keys):
        # Plain SQL: a run asks of thousands of keys, and Piccolo's IN clause handled each one.
        marks = ", ".join("{}" for _ in chunk)
        sql = f"SELECT idempotency_key FROM outbox_email WHERE idempotency_key IN ({marks})"  # noqa: S608 (bound)
        rows = await db.fetch_tuples(sql, *chunk)
        found.update(r[0] for r in rows)
    return found


# --- Reading the outbox ------------------------------------------------------------------------

STATES = ("queued", "sending", "sent", "failed")


@dataclass(frozen=True, slots=True)
class OutboxListRow:
    """An outbox email as the lists of emails and of failures show it (no bodies)."""

    id: int
    kind: str
    to_address: str
    subject: str
    state: str
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    last_error: str
    attachment_name: str


def _list_row(r: dict[str, Any]) -> OutboxListRow:
    return OutboxListRow(
        id=r["id"],
        kind=r["kind"],
        to_address=r["to_address"],
        subject=r["subject"],
        state=r["state"],
        attempts=r["attempts"],
        created_at=r["created_at"],
        sent_at=r["sent_at"],
        next_attempt_at=r["next_attempt_at"],
        last_error=r["last_error"],
        attachment_name=r["attachment_name"],
    )


LIST_COLUMNS = (
    OutboxEmail.id,
    OutboxEmail.kind,
    OutboxEmail.to_address,
    OutboxEmail.subject,
    OutboxEmail.state,
    OutboxEmail.attempts,
    OutboxEmail.created_at,
    OutboxEmail.sent_at,
    OutboxEmail.next_attempt_at,
    OutboxEmail.last_error,
    OutboxEmail.attachment_name,
)


async def counts_by_state() -> dict[str, int]:
    rows = await fetch("SELECT state, count(*) AS n FROM outbox_email GROUP BY state")
    out = dict.fromkeys(STATES, 0)
    out.update({r["state"]: int(r["n"]) for r in rows})
    return out


async def counts_by_kind() -> dict[str, int]:
    rows = await fetch("SELECT kind, count(*) AS n FROM outbox_email GROUP BY kind ORDER BY kind")
    return {r["kind"]: int(r["n"]) for r in rows}


async def list_emails(
    *, state: str = "", kind: str = "", to_address: str = "", page: int = 1, per_page: int = 50
) -> tuple[list[OutboxListRow], int]:
    """(a page of emails, newest first; the total matching)."""
    where = []
    if state:
        where.append(OutboxEmail.state == state)
    if kind:
        where.append(OutboxEmail.kind == kind)
    if to_address:
        where.append(OutboxEmail.to_address == to_address.lower())
    query = OutboxEmail.select(*LIST_COLUMNS).order_by(OutboxEmail.id, ascending=False)
    count = OutboxEmail.count()
    for w in where:
        query = query.where(w)
        count = count.where(w)
    rows = await query.limit(per_page).offset((max(page, 1) - 1) * per_page)
    return [_list_row(r) for r in rows], await count


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outbox email whole, for its page and for the sender."""

    id: int
    idempotency_key: str
    kind: str
    to_address: str
    subject: str
    body_text: str
    body_html: str
    attachment_name: str
    attachment_path: str
    attachment_sha256: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


def outbox_row(r: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        idempotency_key=r["idempotency_key"],
        kind=r["kind"],
        to_address=r["to_address"],
        subject=r["subject"],
        body_text=r["body_text"],
        body_html=r["body_html"],
        attachment_name=r["attachment_name"],
        attachment_path=r["attachment_path"],
        attachment_sha256=r["attachment_sha256"],
        state=r["state"],
        attempts=r["attempts"],
        next_attempt_at=r["next_attempt_at"],
        last_error=r["last_error"],
        created_at=r["created_at"],
        sent_at=r["sent_at"],
    )


async def get_email(email_id: int) -> OutboxRow | None:
    row = await OutboxEmail.select().where(OutboxEmail.id == email_id).first()
    return None if row is None else outbox_row(row)


async def retry(email_id: int, now: dt.datetime, *, actor: str = "system", account_id: int | None = None) -> bool:
    """Put a failed email back in the queue (an administrator fixed the address or the server)."""
    from tracker.audit import service as audit

    async with write_transaction():
        rows = (
            await OutboxEmail.update(
                {OutboxEmail.state: "queued", OutboxEmail.attempts: 0, OutboxEmail.next_attempt_at: now}
            )
            .where((OutboxEmail.id == email_id) & (OutboxEmail.state == "failed"))
            .returning(OutboxEmail.id)
        )
        if rows:
            await audit.record(
                "email.retry",
                account_id=account_id,
                actor=actor,
                entity_type="outbox_email",
                entity_id=email_id,
                detail={"old": {"state": "failed"}, "new": {"state": "queued"}},
            )
    return bool(rows)


# --- Retention -------------------------------------------------------------------------------

REDACTED = "(Removed by the retention job: this email was sent more than the retention period ago.)"


async def redact_sent(before: dt.datetime) -> tuple[int, list[str]]:
    """Empty the bodies and attachments of emails sent before `before`, and drop the stored
    attachments no kept email carries; (how many emails, the attachment files of emails queued
    before attachments were kept here that no kept email still needs).

    The row itself stays: its idempotency key is what makes every email exactly once, and a
    reminder for an old period must not go again because its record was deleted."""
    sent = (OutboxEmail.state == "sent") & (OutboxEmail.sent_at < before) & (OutboxEmail.body_text != REDACTED)
    async with write_transaction():
        rows = await OutboxEmail.select(
            OutboxEmail.id, OutboxEmail.attachment_path, OutboxEmail.attachment_sha256
        ).where(sent)
        if not rows:
            return 0, []
        ids = [r["id"] for r in rows]
        for start in range(0, len(ids), 500):
            await OutboxEmail.update(
                {
                    OutboxEmail.body_text: REDACTED,
                    OutboxEmail.body_html: "",
                    OutboxEmail.attachment_path: "",
                    OutboxEmail.attachment_sha256: "",
                }
            ).where(OutboxEmail.id.is_in(ids[start : start + 500]))
        # One workbook is attached to every recipient's email: keep it while any of them still needs it.
        shas = sorted({r["attachment_sha256"] for r in rows if r["attachment_sha256"]})
        if shas:
            kept = {
                r["attachment_sha256"]
                for r in await OutboxEmail.select(OutboxEmail.attachment_sha256).where(
                    OutboxEmail.attachment_sha256.is_in(shas)
                )
            }
            unused = [sha for sha in shas if sha not in kept]
            if unused:
                await OutboxAttachment.delete().where(OutboxAttachment.sha256.is_in(unused))
        paths = sorted({r["attachment_path"] for r in rows if r["attachment_path"]})
        still = (
            await OutboxEmail.select(OutboxEmail.attachment_path).where(OutboxEmail.attachment_path.is_in(paths))
            if paths
            else []
        )
    needed = {r["attachment_path"] for r in still}
    return len(ids), [p for p in paths if p not in needed]

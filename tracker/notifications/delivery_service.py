"""The sender: delivers queued outbox emails by SMTP, with retries, backoff and a lease.

A sender claims a batch by moving rows from queued to sending (a conditional UPDATE: of two senders,
each row goes to one), with `next_attempt_at` as the lease. A sender that dies leaves rows in
`sending`; once the lease has passed another sender takes them back. Each message carries a stable
Message-ID made from its idempotency key, so a receiving server can drop the copy in the one case
SMTP cannot rule out (the process dying between the server's acceptance and the row being marked).

With no TRACKER_SMTP_URL the sender does nothing: emails stay in the outbox for the Sent emails page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.policy
import functools
import hashlib
import logging
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from tracker.notifications import calculations as calc
from tracker.notifications import outbox_service
from tracker.notifications.outbox_service import OutboxRow, outbox_row
from tracker.settings import Settings
from tracker.tables import OutboxEmail

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)
# A sender sends nothing more of a batch once this long has passed since it claimed it: what is
# left goes back before the lease runs out, so a second sender can never take a row the first is
# still sending (the margin covers one slow send and the clocks of two machines disagreeing).
SEND_WITHIN = dt.timedelta(minutes=8)
SERVER_DOWN_RETRY = dt.timedelta(minutes=1)
BATCH = 100
TIMEOUT_SECONDS = 30


class SmtpConfigError(ValueError):
    """TRACKER_SMTP_URL cannot be used."""


@dataclass(frozen=True)
class SmtpTarget:
    tls: bool  # smtps:// (TLS from the start); smtp:// upgrades with STARTTLS when the server offers it
    host: str
    port: int
    username: str
    password: str


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise SmtpConfigError("TRACKER_SMTP_URL must start smtp:// or smtps://")
    if not parts.hostname:
        raise SmtpConfigError("TRACKER_SMTP_URL has no host")
    tls = parts.scheme == "smtps"
    return SmtpTarget(
        tls=tls,
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def message_id(idempotency_key: str) -> str:
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@paperless-tracker>"


@functools.lru_cache(maxsize=64)
def _header(name: str, value: str) -> Any:
    """A header parsed once for every message of a batch that carries it (the sender, the date,
    the kind): parsing headers is most of the cost of building a message, and a parsed header
    cannot change, so one serves them all."""
    return email.policy.default.header_factory(name, value)


def build_message(
    row: OutboxRow, mail_from: str, now: dt.datetime, files: dict[str, bytes] | None = None
) -> EmailMessage:
    """The message for an outbox row; `files` holds the stored attachments by SHA-256."""
    msg = EmailMessage()
    msg["From"] = _header("From", mail_from)
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = _header("Date", format_datetime(now))
    msg["Message-ID"] = message_id(row.idempotency_key)
    msg["X-Tracker-Kind"] = _header("X-Tracker-Kind", row.kind)
    msg.set_content(row.body_text)
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    content = (files or {}).get(row.attachment_sha256 or "")
    path = row.attachment_path or ""
    if content is None and path and Path(path).exists():  # queued before attachments were stored
        content = Path(path).read_bytes()
    if content is not None:
        msg.add_attachment(
            content,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=row.attachment_name or Path(path).name,
        )
    return msg


class Connection:
    """One SMTP session (blocking smtplib, driven from a worker thread)."""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        t = self.target
        context = ssl.create_default_context()
        if t.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(t.host, t.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=TIMEOUT_SECONDS)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
        if t.username:
            smtp.login(t.username, t.password)
        self.smtp = smtp

    def send(self, msg: EmailMessage, mail_from: str) -> None:
        assert self.smtp is not None
        self.smtp.send_message(msg, from_addr=parseaddr(mail_from)[1], to_addrs=[msg["To"]])

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    server_down: bool = False
    configured: bool = True
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.configured:
            return "No SMTP server configured (TRACKER_SMTP_URL): emails stay in the outbox."
        text = f"sent {self.sent}, to retry {self.retrying}, failed {self.failed}"
        return text + (" (the SMTP server could not be reached)" if self.server_down else "")


async def claim(now: dt.datetime, limit: int = BATCH) -> list[OutboxRow]:
    """Take up to `limit` emails that are due: queued ones, and sending ones whose lease ran out.

    One conditional UPDATE ... RETURNING: a row is taken only if it is still due when the update
    reaches it, so of two senders each row goes to exactly one (SQLite runs one write at a time;
    PostgreSQL re-checks the condition on a row another transaction changed meanwhile)."""
    due = (
        (OutboxEmail.state == "queued")
        & ((OutboxEmail.next_attempt_at.is_null()) | (OutboxEmail.next_attempt_at <= now))
    ) | ((OutboxEmail.state == "sending") & (OutboxEmail.next_attempt_at <= now))
    candidates = OutboxEmail.select(OutboxEmail.id).where(due).order_by(OutboxEmail.id).limit(limit)
    won = (
        await OutboxEmail.update({OutboxEmail.state: "sending", OutboxEmail.next_attempt_at: now + LEASE})
        .where(OutboxEmail.id.is_in(candidates) & due)
        .returning(*OutboxEmail.all_columns())
    )
    return sorted((outbox_row(r) for r in won), key=lambda r: r.id)


# One statement, built once: a sender runs it after every message it sends.
_MARK_SENT = (
    "UPDATE outbox_email SET state = 'sent', sent_at = {}, attempts = attempts + 1, last_error = '' "
    "WHERE id = {} AND state = 'sending'"
)


async def _mark_sent(row: OutboxRow, now: dt.datetime) -> None:
    await OutboxEmail.raw(_MARK_SENT, now, row.id)


async def _mark_failed_attempt(row: OutboxRow, now: dt.datetime, error: str, permanent: bool) -> str:
    attempts = row.attempts + 1
    state = "failed" if calc.gives_up(attempts, permanent) else "queued"
    await OutboxEmail.update(
        {
            OutboxEmail.state: state,
            OutboxEmail.attempts: attempts,
            OutboxEmail.last_error: error[:1000],
            OutboxEmail.next_attempt_at: now + calc.retry_delay(attempts),
        }
    ).where((OutboxEmail.id == row.id) & (OutboxEmail.state == "sending"))
    return state


async def _release(rows: list[OutboxRow], now: dt.datetime, error: str, retry_at: dt.datetime | None = None) -> None:
    """Claimed emails go back to the queue without using up an attempt: the server could not be
    reached (they wait a minute), or the lease is nearly over (they are due again at once)."""
    await OutboxEmail.update(
        {
            OutboxEmail.state: "queued",
            OutboxEmail.next_attempt_at: retry_at or now + SERVER_DOWN_RETRY,
            OutboxEmail.last_error: error[:1000],
        }
    ).where(OutboxEmail.id.is_in([r.id for r in rows]) & (OutboxEmail.state == "sending"))


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


async def deliver(settings: Settings, *, now: dt.datetime | None = None, limit: int | None = None) -> DeliveryResult:
    """Deliver every due email (or at most `limit`). Safe to run from several processes at once.

    Each email is marked sent before the next one goes, so a sender that dies leaves at most the
    one it was sending unmarked (its Message-ID lets the receiving server drop a second copy). Each
    batch has an SMTP session of its own: servers that end a session after so many messages are
    never met mid-batch."""
    result = DeliveryResult()
    if not settings.smtp_url:
        result.configured = False
        return result
    target = parse_smtp_url(settings.smtp_url)
    clock = now or settings.now()
    remaining = limit
    while remaining is None or remaining > 0:
        rows = await claim(clock, BATCH if remaining is None else min(BATCH, remaining))
        if not rows:
            break
        claimed = time.monotonic()
        if remaining is not None:
            remaining -= len(rows)
        connection = Connection(target)
        try:
            await asyncio.to_thread(connection.open)
        except (OSError, smtplib.SMTPException) as exc:
            await _release(rows, clock, f"SMTP server unreachable: {exc}")
            result.server_down = True
            result.errors.append(str(exc))
            break
        files = await outbox_service.attachments({r.attachment_sha256 or "" for r in rows})
        try:
            if not await _send_batch(connection, rows, files, settings.mail_from, clock, claimed, result):
                break
        finally:
            await asyncio.to_thread(connection.close)
    return result


async def _send_batch(
    connection: Connection,
    rows: list[OutboxRow],
    files: dict[str, bytes],
    mail_from: str,
    clock: dt.datetime,
    claimed: float,
    result: DeliveryResult,
) -> bool:
    """Send one claimed batch, each email marked before the next goes; False if the sender must stop."""

    def build_next(i: int) -> EmailMessage | None:
        return build_message(rows[i], mail_from, clock, files) if i < len(rows) else None

    msg = build_next(0)
    for i, row in enumerate(rows):
        assert msg is not None
        if not calc.within_lease(time.monotonic() - claimed, SEND_WITHIN):
            # The rest could be claimed by another sender soon: they go back, due now, still ours.
            await _release(rows[i:], clock, "", retry_at=clock)
            return False
        try:
            await asyncio.to_thread(connection.send, msg, mail_from)
        except (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError) as exc:
            await _release(rows[i:], clock, f"SMTP connection lost: {exc}")
            result.server_down = True
            result.errors.append(str(exc))
            return False
        except (OSError, smtplib.SMTPException) as exc:
            state = await _mark_failed_attempt(row, clock, f"{type(exc).__name__}: {exc}", _is_permanent(exc))
            result.failed += state == "failed"
            result.retrying += state == "queued"
            result.errors.append(str(exc))
            msg = build_next(i + 1)
            continue
        # The next message is built (in a thread) while the database makes this one's mark durable
        # (a disk flush, most of a message's time); it is sent only once the mark is in.
        # Both are awaited whatever happens to the other: a sent email is never left unmarked
        # because the next one could not be built.
        marking = asyncio.ensure_future(_mark_sent(row, clock))
        building = asyncio.ensure_future(asyncio.to_thread(build_next, i + 1))
        await asyncio.wait((marking, building))
        marking.result()  # raises what the mark raised
        msg = building.result()
        result.sent += 1
    return True

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
import contextlib
import datetime as dt
import email.policy
import functools
import hashlib
import logging
import re
import smtplib
import sqlite3
import ssl
import threading
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from tracker import db
from tracker.notifications import calculations as calc
from tracker.notifications import outbox_service
from tracker.notifications.outbox_service import OutboxRow, outbox_row
from tracker.settings import Settings
from tracker.tables import OutboxEmail

log = logging.getLogger(__name__)
T = TypeVar("T")

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


# Headers that any policy writes as they are given: an address without a name, and printable
# ASCII words that fit on the header's one line (78 characters) with no encoded-word lookalike.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_WORDS = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_FITS = 78
# Bodies as quoted-printable UTF-8: 7-bit safe for any server, readable when looked at raw.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP


@functools.lru_cache(maxsize=16)
def _plain_sender(mail_from: str) -> bool:
    """TRACKER_MAIL_FROM as the header would write it ('Name <address>' included)."""
    return str(_header("From", mail_from)) == mail_from and len(mail_from) + len("From: ") <= _FITS


def _plain_headers(row: OutboxRow, mail_from: str) -> bool:
    return (
        _ADDRESS.fullmatch(row.to_address) is not None
        and _WORDS.fullmatch(row.subject) is not None
        and "=?" not in row.subject
        and len(row.subject) + len("Subject: ") <= _FITS
        and _WORDS.fullmatch(row.kind) is not None
        and len(row.kind) + len("X-Tracker-Kind: ") <= _FITS
        and _plain_sender(mail_from)
    )


def _plain_message(row: OutboxRow, mail_from: str, now: dt.datetime) -> Message:
    """The message for a row whose headers need no encoding or folding, built with the email
    package's MIME classes: a tenth of the time of EmailMessage, which parses every header it is
    given (and each part's own) into objects, most of a sender's time per email."""
    msg: Message = _text_part(row.body_text, "plain")
    if row.body_html:
        parts = [msg, _text_part(row.body_html, "html")]
        for part in parts:
            del part["MIME-Version"]  # the message's own says it
        msg = MIMEMultipart("alternative", _subparts=parts)
    msg["From"] = mail_from
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(row.idempotency_key)
    msg["X-Tracker-Kind"] = row.kind
    return msg


def _text_part(text: str, subtype: str) -> Message:
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part.set_payload(text, _UTF8)
    return part


def _attachment(row: OutboxRow, files: dict[str, bytes] | None) -> bytes | None:
    content = (files or {}).get(row.attachment_sha256 or "")
    path = row.attachment_path or ""
    if content is None and path and Path(path).exists():  # queued before attachments were stored
        content = Path(path).read_bytes()
    return content


def build_message(row: OutboxRow, mail_from: str, now: dt.datetime, files: dict[str, bytes] | None = None) -> Message:
    """The message for an outbox row; `files` holds the stored attachments by SHA-256."""
    content = _attachment(row, files)
    if content is None and _plain_headers(row, mail_from):
        return _plain_message(row, mail_from, now)
    return _rich_message(row, mail_from, now, content)


def _rich_message(row: OutboxRow, mail_from: str, now: dt.datetime, content: bytes | None) -> EmailMessage:
    """Any message: headers encoded and folded as they need, an attachment."""
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
    if content is not None:
        msg.add_attachment(
            content,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=row.attachment_name or Path(row.attachment_path or "").name,
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

    def send(self, msg: Message, mail_from: str) -> None:
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
    marks = _marks_here()
    try:
        await _deliver_batches(settings, target, now or settings.now(), limit, result, marks)
    finally:
        if marks is not None:
            marks.close()
    return result


async def _deliver_batches(
    settings: Settings,
    target: SmtpTarget,
    clock: dt.datetime,
    limit: int | None,
    result: DeliveryResult,
    marks: sqlite3.Connection | None,
) -> None:
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
            if not await _send_batch(connection, rows, files, settings.mail_from, clock, claimed, result, marks):
                break
        finally:
            await asyncio.to_thread(connection.close)


def _marks_here() -> sqlite3.Connection | None:
    """On SQLite, a connection of the sender's own for marking each email sent in the thread that
    sent it, as soon as the server has accepted it, so that a whole batch is sent from one worker
    thread: a hop between the event loop and a thread for every send, mark and build was most of a
    sender's time besides the sending itself. Each mark is one autocommitted UPDATE, so the write
    lock is held for that statement only. On PostgreSQL, None: marks go through the pool on the loop."""
    return db.own_sqlite_connection()


@dataclass
class _Run:
    """How far a run of sends in a worker thread got (see _send_run)."""

    sent: int = 0  # emails sent (and, with a marks connection, marked)
    unmarked: bool = False  # the last one sent is for the loop to mark
    lease_over: bool = False
    error: Exception | None = None  # what the email after the sent ones raised


def _send_run(
    connection: Connection,
    rows: list[OutboxRow],
    mail_from: str,
    clock: dt.datetime,
    files: dict[str, bytes],
    marks: sqlite3.Connection | None,
    claimed: float,
    stop: threading.Event,
) -> _Run:
    """Send `rows` one after another in this worker thread, each marked sent (committed) before
    the next is built, until one fails, the lease is nearly over or the sender is stopped. Without
    `marks` it stops after each email sent, for the loop to mark it. A mark that fails raises: its
    email stays `sending` until its lease ends."""
    run = _Run()
    mark = db.compile_placeholders(_MARK_SENT, "sqlite")
    for row in rows:
        if stop.is_set():
            break
        if not calc.within_lease(time.monotonic() - claimed, SEND_WITHIN):
            run.lease_over = True
            break
        try:
            connection.send(build_message(row, mail_from, clock, files), mail_from)
        except Exception as exc:  # the loop decides: retry, release the batch, or raise
            run.error = exc
            break
        run.sent += 1
        if marks is None:
            run.unmarked = True
            break
        marks.execute(mark, (clock, row.id))
    return run


async def _uncancelled(work: Awaitable[T], stop: threading.Event) -> T:
    """`await work`, a worker thread's, which cannot be stopped mid-email: if the sender is
    cancelled meanwhile, `stop` tells it to send nothing more, and the email in hand is still
    marked sent (not met by a closed connection) before the cancellation goes on."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        stop.set()
        with contextlib.suppress(Exception):
            await task
        raise


async def _send_batch(
    connection: Connection,
    rows: list[OutboxRow],
    files: dict[str, bytes],
    mail_from: str,
    clock: dt.datetime,
    claimed: float,
    result: DeliveryResult,
    marks: sqlite3.Connection | None,
) -> bool:
    """Send one claimed batch, each email marked before the next goes; False if the sender must stop."""
    stop = threading.Event()
    i = 0
    while i < len(rows):
        run = await _uncancelled(
            asyncio.to_thread(_send_run, connection, rows[i:], mail_from, clock, files, marks, claimed, stop), stop
        )
        i += run.sent
        if run.unmarked:
            await _mark_sent(rows[i - 1], clock)
        result.sent += run.sent
        if run.lease_over:
            # The rest could be claimed by another sender soon: they go back, due now, still ours.
            await _release(rows[i:], clock, "", retry_at=clock)
            return False
        exc = run.error
        if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError):
            await _release(rows[i:], clock, f"SMTP connection lost: {exc}")
            result.server_down = True
            result.errors.append(str(exc))
            return False
        if isinstance(exc, OSError | smtplib.SMTPException):
            state = await _mark_failed_attempt(rows[i], clock, f"{type(exc).__name__}: {exc}", _is_permanent(exc))
            result.failed += state == "failed"
            result.retrying += state == "queued"
            result.errors.append(str(exc))
            i += 1
        elif exc is not None:
            raise exc
    return True

"""Invitations and password resets: single-use, expiring links whose tokens are stored only as hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from tracker import clock, db
from tracker.accounts import throttle
from tracker.accounts.passwords import hash_password
from tracker.accounts.service import normalise_email
from tracker.audit import service as audit
from tracker.notifications import messages
from tracker.notifications.outbox_service import enqueue
from tracker.tables import Account, AccountToken

INVITE = "invite"
RESET = "reset"
LIFETIME = {INVITE: dt.timedelta(days=7), RESET: dt.timedelta(hours=2)}


class TokenError(ValueError):
    """The link cannot be used; the message says why, for a person."""


@dataclass(frozen=True)
class TokenInfo:
    account_id: int
    email: str
    name: str
    purpose: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def set_password_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/set-password/{token}"


async def issue(account_id: int, purpose: str) -> tuple[int, str]:
    """A new link for the account (earlier unused links of the same purpose stop working)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    async with db.write_transaction():
        await AccountToken.update({AccountToken.used_at: now}).where(
            (AccountToken.account == account_id) & (AccountToken.purpose == purpose) & AccountToken.used_at.is_null()
        )
        rows = await AccountToken.insert(
            AccountToken(
                account=account_id,
                purpose=purpose,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + LIFETIME[purpose],
            )
        ).returning(AccountToken.id)
    return rows[0]["id"], token


async def send_invitation(account_id: int, base_url: str, invited_by: str) -> None:
    account = await Account.select(Account.email, Account.name, Account.role).where(Account.id == account_id).first()
    if account is None:
        raise TokenError("There is no such account")
    token_id, token = await issue(account_id, INVITE)
    email = messages.account_invitation(
        name=account["name"] or "", invited_by=invited_by, link=set_password_link(base_url, token)
    )
    await enqueue(
        idempotency_key=f"account-token:{token_id}",
        kind="account_invitation",
        to_address=account["email"],
        subject=email.subject,
        body_text=email.text,
        body_html=email.html,
    )


async def request_reset(email: str, base_url: str, ip: str, *, demo_mode: bool = False) -> None:
    """Queue a reset link if there is an active account for the email. Says nothing either way."""
    email = normalise_email(email)
    account = (
        await Account.select(Account.id, Account.disabled, Account.demo, Account.password_hash)
        .where(Account.email == email)
        .first()
    )
    usable = account is not None and not account["disabled"] and (demo_mode or not account["demo"])
    if account is None or not usable or not await throttle.allow_reset_email(email):
        await audit.record("password.reset_not_sent", actor=email, ip=ip)
        return
    purpose = RESET if account["password_hash"] else INVITE  # never set a password: the invitation again
    token_id, token = await issue(account["id"], purpose)
    await audit.record(
        "password.reset_requested",
        actor=email,
        account_id=account["id"],
        entity_type="account",
        entity_id=account["id"],
        ip=ip,
    )
    message = messages.password_reset(link=set_password_link(base_url, token))
    await enqueue(
        idempotency_key=f"account-token:{token_id}",
        kind="password_reset",
        to_address=email,
        subject=message.subject,
        body_text=message.text,
        body_html=message.html,
    )


async def _find(token: str) -> dict | None:
    if not token or len(token) > 100:
        return None
    return (
        await AccountToken.select(
            AccountToken.id,
            AccountToken.account,
            AccountToken.purpose,
            AccountToken.expires_at,
            AccountToken.used_at,
            AccountToken.account.email,
            AccountToken.account.name,
            AccountToken.account.disabled,
        )
        .where(AccountToken.token_hash == token_hash(token))
        .first()
    )


def _problem(row: dict | None) -> str | None:
    if row is None:
        return "This link is not right. Check you copied the whole link from the email."
    if row["used_at"] is not None:
        return "This link has already been used. Each link works once: ask for a new one."
    if row["expires_at"] <= clock.now():
        return "This link has expired. Ask for a new one."
    if row["account.disabled"]:
        return "This account has been disabled. Ask an administrator."
    return None


async def check(token: str) -> TokenInfo:
    """Who the link is for, or TokenError if it cannot be used (unknown, used, expired)."""
    row = await _find(token)
    problem = _problem(row)
    if problem or row is None:
        raise TokenError(problem or "This link is not right")
    return TokenInfo(row["account"], row["account.email"], row["account.name"], row["purpose"])


async def set_password(token: str, password: str, ip: str) -> TokenInfo:
    """Use the link once: set the password, end every other session, clear any sign-in lock."""
    new_hash = await hash_password(password)  # before the transaction: argon2 is slow on purpose
    now = clock.now()
    async with db.write_transaction():
        row = await _find(token)
        problem = _problem(row)
        if problem or row is None:
            raise TokenError(problem or "This link is not right")
        claimed = (
            await AccountToken.update({AccountToken.used_at: now})
            .where((AccountToken.id == row["id"]) & AccountToken.used_at.is_null())
            .returning(AccountToken.id)
        )
        if not claimed:
            raise TokenError("This link has already been used. Each link works once: ask for a new one.")
        await Account.update(
            {
                Account.password_hash: new_hash,
                Account.sessions_valid_after: now,
                Account.locked_until: None,
                Account.failed_sign_ins: 0,
            }
        ).where(Account.id == row["account"])
        await audit.record(
            "password.set",
            actor=row["account.email"],
            account_id=row["account"],
            entity_type="account",
            entity_id=row["account"],
            detail={"via": row["purpose"]},
            ip=ip,
        )
    await throttle.clear_account(row["account.email"])
    return TokenInfo(row["account"], row["account.email"], row["account.name"], row["purpose"])

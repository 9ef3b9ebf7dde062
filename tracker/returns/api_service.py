"""API tokens for system suppliers: issued and revoked by administrators, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException

from tracker import clock, db
from tracker.accounts import service as accounts
from tracker.audit import service as audit
from tracker.organisations import service as organisations
from tracker.returns.service import Actor
from tracker.tables import ApiToken

PREFIX = "ptk_"
TOUCH_EVERY = dt.timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ApiClient:
    """Who presented a live API token: the system supplier's name and the one organisation (a
    practice or a CCG) the token is for."""

    id: int
    name: str
    practice_id: int | None
    ccg_id: int | None


def _client(row: dict[str, Any]) -> ApiClient:
    return ApiClient(id=row["id"], name=row["name"], practice_id=row["practice"], ccg_id=row["ccg"])


async def issue(name: str, organisation_code: str, *, actor: Actor, now: dt.datetime) -> tuple[str, ApiClient] | None:
    """Create a token for a practice (ODS code like A81001) or a CCG (like 00K). None if no such organisation."""
    code = organisation_code.strip().upper()
    practice = await organisations.locate("practice", code)
    ccg = None if practice else await organisations.locate("ccg", code)
    if practice is None and ccg is None:
        return None
    token = PREFIX + secrets.token_urlsafe(32)
    rows = await ApiToken.insert(
        ApiToken(
            name=name,
            token_hash=token_hash(token),
            practice=practice[0] if practice else None,
            ccg=ccg[0] if ccg else None,
            created_by=actor.account_id,
            created_at=now,
        )
    ).returning(*ApiToken.all_columns())
    await audit.record(
        "api_token.issued",
        account_id=actor.account_id,
        actor=actor.label,
        entity_type="api_token",
        entity_id=rows[0]["id"],
        detail={"name": name, "organisation": code},
        ip=actor.ip,
    )
    return token, _client(rows[0])


async def revoke(token_id: int, *, actor: Actor, now: dt.datetime) -> None:
    row = await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.revoked_at).where(ApiToken.id == token_id).first()
    if row is None:
        raise NotFoundException()
    if row["revoked_at"] is not None:
        return
    await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.id == token_id)
    await audit.record(
        "api_token.revoked",
        account_id=actor.account_id,
        actor=actor.label,
        entity_type="api_token",
        entity_id=token_id,
        detail={"name": row["name"]},
        ip=actor.ip,
    )


@dataclass(frozen=True)
class TokenRow:
    """One API token as the administrators' page lists it (never the token itself)."""

    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    practice_code: str | None
    ccg_code: str | None
    created_by: str | None


async def all_tokens() -> list[TokenRow]:
    rows = await db.fetch(
        """SELECT id, name, created_at, last_used_at, revoked_at, practice, ccg, created_by FROM api_token
           ORDER BY revoked_at IS NOT NULL, created_at DESC"""
    )
    names = await organisations.practice_names({r["practice"] for r in rows if r["practice"] is not None})
    _, ccgs = await organisations.org_names()
    emails = await accounts.account_emails({r["created_by"] for r in rows if r["created_by"] is not None})
    return [
        TokenRow(
            id=r["id"],
            name=r["name"],
            created_at=r["created_at"],
            last_used_at=r["last_used_at"],
            revoked_at=r["revoked_at"],
            practice_code=names[r["practice"]].ods_code if r["practice"] in names else None,
            ccg_code=ccgs[r["ccg"]].code if r["ccg"] in ccgs else None,
            created_by=emails.get(r["created_by"]) if r["created_by"] is not None else None,
        )
        for r in rows
    ]


async def authenticate(token: str) -> ApiClient | None:
    """Who a presented bearer token is for, while it is live, or None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.practice, ApiToken.ccg, ApiToken.last_used_at)
        .where((ApiToken.token_hash == token_hash(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    now = clock.now()
    last = row["last_used_at"]
    if last is None or now - last > TOUCH_EVERY:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return _client(row)

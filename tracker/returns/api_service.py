"""API tokens for system suppliers: issued and revoked by administrators, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from litestar.exceptions import NotFoundException

from tracker import clock, db
from tracker.audit import service as audit
from tracker.returns.service import Actor
from tracker.tables import ApiToken, Ccg, Practice

PREFIX = "ptk_"
TOUCH_EVERY = dt.timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    name: str, organisation_code: str, *, actor: Actor, now: dt.datetime
) -> tuple[str, dict[str, Any]] | None:
    """Create a token for a practice (ODS code like A81001) or a CCG (like 00K). None if no such organisation."""
    code = organisation_code.strip().upper()
    practice = await Practice.select(Practice.id, Practice.ods_code).where(Practice.ods_code == code).first()
    ccg = None if practice else await Ccg.select(Ccg.id, Ccg.code).where(Ccg.code == code).first()
    if practice is None and ccg is None:
        return None
    token = PREFIX + secrets.token_urlsafe(32)
    rows = await ApiToken.insert(
        ApiToken(
            name=name,
            token_hash=token_hash(token),
            practice=practice["id"] if practice else None,
            ccg=ccg["id"] if ccg else None,
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
    return token, rows[0]


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


async def all_tokens() -> list[dict[str, Any]]:
    return await db.fetch(
        """SELECT t.id, t.name, t.created_at, t.last_used_at, t.revoked_at,
                  p.ods_code AS practice_code, c.code AS ccg_code, a.email AS created_by
           FROM api_token t LEFT JOIN practice p ON p.id = t.practice LEFT JOIN ccg c ON c.id = t.ccg
           LEFT JOIN account a ON a.id = t.created_by
           ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC"""
    )


async def authenticate(token: str) -> dict[str, Any] | None:
    """The live token row for a presented bearer token, or None."""
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
    return row

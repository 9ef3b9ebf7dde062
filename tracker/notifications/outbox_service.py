"""The outbox: every email the tracker sends is queued here first, exactly once per key.

Features queue emails with `enqueue()`; the sender (see the notifications feature) delivers them.
"""

from __future__ import annotations

import datetime as dt

from tracker.tables import OutboxEmail


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
    attachment_path: str = "",
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
                attachment_path=attachment_path,
                created_at=dt.datetime.now(dt.UTC),
                next_attempt_at=dt.datetime.now(dt.UTC),
            )
        )
        .on_conflict(target=OutboxEmail.idempotency_key, action="DO NOTHING")
        .returning(OutboxEmail.id)
    )
    return bool(rows)

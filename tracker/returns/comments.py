"""Comments on a return: a conversation between the practice and its CCG, kept in the audit trail
(action `return.comment` on the return), shown on the return page with names and dates.

Who may comment is the policy's answer: the practice's own staff (they may edit its return) and
its CCG's lead (they may review it). Everyone who may see the return reads its thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tracker.accounts.policy import Action, Scope, can
from tracker.accounts.principal import Principal
from tracker.audit import service as audit
from tracker.figures import rules
from tracker.web.formatting import long_date

ACTION = "return.comment"
COMMENT_MAX = 1000
PARTY_LABELS = {"practice": "Practice", "ccg": "CCG"}


def party_of(user: Principal, scope: Scope) -> str | None:
    """'practice' or 'ccg' when the user may comment on this practice's returns, else None."""
    if can(user, Action.EDIT_RETURN, scope):
        return "practice"
    if can(user, Action.REVIEW_RETURN, scope):
        return "ccg"
    return None


def check_comment(text: str | None) -> tuple[str, str | None]:
    """(the comment as it will be kept, or the error message for the form). Pure."""
    clean = (text or "").replace("\r\n", "\n").strip()
    if not clean:
        return clean, "Enter your comment"
    if len(clean) > COMMENT_MAX:
        return clean, f"Comment must be {COMMENT_MAX:,} characters or fewer"
    return clean, None


def uk_time(at: Any) -> Any:
    """A stored time (UTC; naive ones are UTC) as the clock on the wall in England shows it."""
    if not isinstance(at, dt.datetime):
        return at
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(rules.UK)


@dataclass(frozen=True)
class CommentRow:
    """One comment as the return page shows it: who (name and side), when, what."""

    name: str
    party: str  # "Practice", "CCG" or empty
    date: str
    time: str
    iso: str
    text: str


def thread_rows(events: list[audit.AuditEventRow]) -> list[CommentRow]:
    """The thread as the page shows it, oldest first. Pure."""
    rows = []
    for e in events:
        detail = e.detail
        at = uk_time(e.at)
        rows.append(
            CommentRow(
                name=str(detail.get("name") or e.actor),
                party=PARTY_LABELS.get(str(detail.get("by")), ""),
                date=long_date(at),
                time=at.strftime("%H:%M") if isinstance(at, dt.datetime) else "",
                iso=at.isoformat() if isinstance(at, dt.datetime) else str(at),
                text=str(detail.get("text") or ""),
            )
        )
    return rows


async def add(
    return_id: int,
    *,
    practice_code: str,
    period_code: str,
    text: str,
    by: str,
    user: Principal,
    ip: str,
    now: dt.datetime,
) -> None:
    await audit.record(
        ACTION,
        account_id=user.id,
        actor=user.email,
        entity_type="practice_return",
        entity_id=return_id,
        detail={"practice": practice_code, "period": period_code, "by": by, "name": user.display_name, "text": text},
        ip=ip,
        at=now,
    )


async def thread(return_id: int) -> list[audit.AuditEventRow]:
    return await audit.events_of("practice_return", [return_id], (ACTION,), limit=500)

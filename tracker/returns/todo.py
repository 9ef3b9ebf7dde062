"""A practice's to-do list: the returns it still has to send (or that its CCG sent back), each
with its due date, state and what is left to answer, and what the CCG last said; and a CCG lead's:
the returns waiting for review and the practices yet to send the open period's. Pure.

"Due" and "overdue" are the one rule of tracker.figures.rules (the end of the due date, UK time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.figures import rules
from tracker.returns import calculations as calc
from tracker.returns import presenters
from tracker.returns.comments import uk_time
from tracker.web.formatting import long_date
from tracker.web.wording import plural

if TYPE_CHECKING:
    from tracker.audit.service import AuditEventRow
    from tracker.returns.service import PeriodReturn

# The states in which the practice has something to do, and the one in which it waits for its CCG.
TO_DO = (None, "draft", "returned")
WAITING = "submitted"


@dataclass(frozen=True)
class TodoItem:
    period_label: str
    href: str
    state: str | None
    state_label: str
    due_on: dt.date
    overdue: bool
    answered: int
    total: int
    returned_reason: str
    waiting: bool  # submitted: the CCG has not reviewed it yet

    @property
    def due_text(self) -> str:
        if self.overdue:
            return f"overdue (was due {long_date(self.due_on)})"
        return f"due {long_date(self.due_on)}"

    @property
    def due_sentence(self) -> str:
        return self.due_text[0].upper() + self.due_text[1:]

    @property
    def tag(self) -> dict[str, str]:
        return presenters.state_tag(self.state)

    @property
    def progress_text(self) -> str:
        return f"{self.answered} of {self.total} answered"

    @property
    def sentence(self) -> str:
        """'2017/18 Q4 return: due 30 April 2018, draft, 8 of 16 answered'."""
        return f"{self.period_label} return: {self.due_text}, {self.state_label.lower()}, {self.progress_text}"


def period_label(code: str) -> str:
    return code.replace("-", " ")


def is_overdue(due_on: dt.date, now: dt.datetime) -> bool:
    """Past the last moment a first submission counts as on time (figures.rules)."""
    when = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return when > rules.due_instant(due_on)


def todo_items(
    ods_code: str,
    rows: list[PeriodReturn],
    *,
    answered: dict[int, int],
    total: int,
    exceptions: dict[int, dt.date],
    now: dt.datetime,
    today: dt.date,
) -> list[TodoItem]:
    """The practice's returns it can still work on (not started, draft or returned, in a period
    open and not locked) and those waiting for the CCG, oldest period first.

    `rows` are service.practice_returns rows; `answered` counts the answered indicators by return
    id; `exceptions` the lock exceptions' end dates by period id.
    """
    items = []
    for r in rows:
        state = r.state
        window = calc.Window(r.opens_on, r.due_on, r.locks_on)
        if calc.is_locked(window, today, exceptions.get(r.period_id)) or not calc.is_open(window, today):
            continue
        if state not in TO_DO and state != WAITING:
            continue
        items.append(
            TodoItem(
                period_label=period_label(r.code),
                href=f"/practices/{ods_code}/returns/{calc.url_code(r.code)}",
                state=state,
                state_label=calc.STATE_LABELS.get(state, str(state)),
                due_on=r.due_on,
                overdue=is_overdue(r.due_on, now) and state in TO_DO,
                answered=answered.get(r.return_id, 0) if r.return_id else 0,
                total=total,
                returned_reason=(r.returned_reason or "") if state == "returned" else "",
                waiting=state == WAITING,
            )
        )
    return sorted(items, key=lambda i: i.due_on)


@dataclass(frozen=True)
class CcgWord:
    """What the practice's CCG last said about one of its returns."""

    period_label: str
    href: str
    text: str
    by: str
    at: dt.datetime


def last_ccg_word(events: list[AuditEventRow], returns: dict[str, tuple[str, str]]) -> CcgWord | None:
    """The newest of the CCG's words on these returns: a reason for returning or reopening one, or
    a comment by the CCG. `events` are the returns' audit events; `returns` maps each return id
    (as text) to (period label, link)."""
    newest: tuple[AuditEventRow, str, str] | None = None
    for e in events:
        if e.action in ("return.returned", "return.reopened"):
            text = str(e.detail.get("reason") or "")
        elif e.action == "return.comment" and e.detail.get("by") == "ccg":
            text = str(e.detail.get("text") or "")
        else:
            continue
        if not text or str(e.entity_id) not in returns:
            continue
        if newest is None or (e.at, e.id) >= (newest[0].at, newest[0].id):
            newest = (e, text, str(e.detail.get("name") or e.actor))
    if newest is None:
        return None
    event, text, name = newest
    label, href = returns[str(event.entity_id)]
    return CcgWord(label, href, text, name, uk_time(event.at))


# --- A CCG lead's week ----------------------------------------------------------------------


@dataclass(frozen=True)
class CcgTodo:
    """What a CCG lead has to do this week, in sentences, each with the page that does it."""

    review_sentence: str
    review_href: str
    period_sentence: str  # empty when no period is open for returns
    chase_href: str
    outstanding: int


def ccg_todo(
    *,
    waiting: int,
    oldest_sent: dt.datetime | None,
    period_code: str | None,
    due_on: dt.date | None,
    expected: int,
    outstanding: int,
    now: dt.datetime,
) -> CcgTodo:
    """The review queue and the open period's outstanding practices, as a lead reads them. "Late"
    is the figures' rule: past the end of the due date, UK time."""
    if waiting:
        oldest = f" (the oldest sent on {long_date(oldest_sent)})" if oldest_sent else ""
        verb = "is" if waiting == 1 else "are"
        review = f"{plural(waiting, 'return')} {verb} waiting for your review{oldest}."
    else:
        review = "No return is waiting for your review."
    period = ""
    if period_code and due_on:
        label = period_label(period_code)
        late = is_overdue(due_on, now)
        if outstanding == 0:
            period = f"Every practice expected has sent its {label} return."
        elif late:
            period = (
                f"{label} returns were due on {long_date(due_on)}: {outstanding:,} of "
                f"{plural(expected, 'practice')} {'is' if outstanding == 1 else 'are'} late."
            )
        else:
            period = (
                f"{label} returns are due on {long_date(due_on)}: {outstanding:,} of "
                f"{plural(expected, 'practice')} {'has' if outstanding == 1 else 'have'} not sent theirs yet."
            )
    return CcgTodo(
        review_sentence=review,
        review_href="/review",
        period_sentence=period,
        chase_href="/review/grid?show=outstanding",
        outstanding=outstanding,
    )

"""The one lifecycle of a practice's return: its states, the events between them, who may fire
each, and `apply`, the only code that writes a return's row.

Every way in (the web form, the CCG's bulk review, the workbook upload, the API) describes what it
wants as `Change`s and calls `apply`, which, in ONE transaction per call: checks each transition
and the party firing it, checks the period's dates, writes the values that changed, bumps the
version with an UPDATE that names the version the person read (so a concurrent save is never
overwritten, on either engine), stamps the times (`first_submitted_at` only once), records the
audit trail and refreshes the practice's maturity scores. A crash leaves all of it or none.

A new state or event is one entry in `TRANSITIONS` (and a label in calculations.STATE_LABELS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tracker import db
from tracker.audit import service as audit
from tracker.maturity import service as maturity
from tracker.periods.service import PeriodRow
from tracker.returns import calculations as calc
from tracker.returns.calculations import Entry, Window
from tracker.tables import LockException, PracticeReturn

VALUE_COLUMNS = ("practice_return", "indicator", "value", "numerator", "denominator", "comment")


class Event(StrEnum):
    SAVE = "save_draft"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"  # the practice takes back a submitted return the CCG has not reviewed
    RETURN = "return_to_practice"
    APPROVE = "approve"
    REOPEN = "reopen"  # the CCG sends an approved return back for correction


class Party(StrEnum):
    """Who fires an event. Which organisation they may act for is the policy's question
    (`accounts.policy.can`), asked by the caller; this is what their role may do."""

    PRACTICE = "practice"  # practice staff, or an API token acting for a practice
    CCG = "ccg"  # the CCG's GP IT lead: reviews, and edits through the workbook


@dataclass(frozen=True)
class Transition:
    to: str
    parties: frozenset[Party]
    edits_values: bool  # refused once the period locked (unless a lock exception runs)


_BOTH = frozenset({Party.PRACTICE, Party.CCG})
_CCG = frozenset({Party.CCG})
_PRACTICE = frozenset({Party.PRACTICE})
NOT_STARTED = None

# (state before, event) -> transition. State None: the return was never started (no row).
TRANSITIONS: dict[tuple[str | None, Event], Transition] = {
    (NOT_STARTED, Event.SAVE): Transition("draft", _BOTH, True),
    ("draft", Event.SAVE): Transition("draft", _BOTH, True),
    ("returned", Event.SAVE): Transition("returned", _BOTH, True),
    # A CCG correcting a submitted or approved return through the workbook takes it back to draft.
    ("submitted", Event.SAVE): Transition("draft", _CCG, True),
    ("approved", Event.SAVE): Transition("draft", _CCG, True),
    (NOT_STARTED, Event.SUBMIT): Transition("submitted", _BOTH, True),
    ("draft", Event.SUBMIT): Transition("submitted", _BOTH, True),
    ("returned", Event.SUBMIT): Transition("submitted", _BOTH, True),
    ("submitted", Event.SUBMIT): Transition("submitted", _CCG, True),
    ("approved", Event.SUBMIT): Transition("submitted", _CCG, True),
    ("submitted", Event.WITHDRAW): Transition("draft", _PRACTICE, True),
    ("submitted", Event.RETURN): Transition("returned", _CCG, True),
    ("submitted", Event.APPROVE): Transition("approved", _CCG, False),
    ("approved", Event.REOPEN): Transition("returned", _CCG, True),
}

# Why an event is refused from a state, in the words the form has always used.
_REFUSALS: dict[tuple[str | None, Event], str] = {
    ("submitted", Event.SAVE): "This return has been submitted and is waiting for the CCG's review.",
    ("submitted", Event.SUBMIT): "This return has been submitted and is waiting for the CCG's review.",
    ("approved", Event.SAVE): "This return has been approved by the CCG.",
    ("approved", Event.SUBMIT): "This return has been approved by the CCG.",
}
_EVENT_REFUSALS: dict[Event, str] = {
    Event.WITHDRAW: "Only a submitted return that the CCG has not reviewed can be withdrawn.",
    Event.RETURN: "Only a submitted return can be returned to the practice.",
    Event.APPROVE: "Only a submitted return can be approved.",
    Event.REOPEN: "Only an approved return can be reopened.",
}
_AUDIT_ACTION = {
    Event.WITHDRAW: "return.withdrawn",
    Event.RETURN: "return.returned",
    Event.APPROVE: "return.approved",
    Event.REOPEN: "return.reopened",
}


class Refusal(StrEnum):
    STATE = "state"  # the transition does not exist, or this party may not fire it
    LOCKED = "locked"  # the period is locked (or not open yet)
    CONFLICT = "conflict"  # the return changed since the version the person read
    MISSING = "missing"  # no such return


def check(
    state: str | None,
    event: Event,
    party: Party,
    window: Window,
    today: dt.date,
    exception_until: dt.date | None,
) -> tuple[Refusal, str] | None:
    """None when `party` may fire `event` on a return in `state` today; else why not. Pure."""
    transition = TRANSITIONS.get((state, event))
    if event in _PRACTICE_EDITS:
        # A practice first hears about the dates: they decide whether anything can change at all.
        locked = _date_refusal(window, today, exception_until)
        if locked:
            return Refusal.LOCKED, locked
    if transition is None or party not in transition.parties:
        reason = _REFUSALS.get((state, event)) or _EVENT_REFUSALS.get(event)
        return Refusal.STATE, reason or f"A return that is {calc.STATE_LABELS.get(state, state)} cannot be changed so."
    if transition.edits_values and event not in _PRACTICE_EDITS and calc.is_locked(window, today, exception_until):
        return (
            Refusal.LOCKED,
            "The period is locked: the practice could not change its return. "
            "Ask an administrator for a lock exception first.",
        )
    return None


_PRACTICE_EDITS = (Event.SAVE, Event.SUBMIT, Event.WITHDRAW)


def _date_refusal(window: Window, today: dt.date, exception_until: dt.date | None) -> str | None:
    if not calc.is_open(window, today):
        return f"This period opens for returns on {window.opens_on:%-d %B %Y}."
    if calc.is_locked(window, today, exception_until):
        return f"This period locked on {window.locks_on:%-d %B %Y}. Ask an administrator for a lock exception to change it."
    return None


def events_for(state: str | None, party: Party) -> list[Event]:
    """The events `party` may fire on a return in `state` (dates aside): what a page offers."""
    return [event for (s, event), t in TRANSITIONS.items() if s == state and party in t.parties]


@dataclass(frozen=True)
class Change:
    """One event on one practice's return for one period."""

    practice: dict[str, Any]  # id, ods_code
    period: PeriodRow
    event: Event
    version: int  # the version the person read (0: not started)
    entries: dict[str, Entry] | None = None  # the values as they should be (only those sent)
    reason: str = ""  # why a return is sent back or reopened


@dataclass
class Outcome:
    change: Change
    ok: bool = False
    refusal: Refusal | None = None
    message: str = ""
    return_id: int | None = None
    old_state: str | None = None
    new_state: str | None = None
    changed: list[str] = field(default_factory=list)  # indicator codes whose values changed

    @property
    def conflict(self) -> bool:
        return self.refusal == Refusal.CONFLICT


class _RollBack(Exception):
    """Raised inside the transaction to undo every change of an all-or-nothing call."""


async def apply(
    changes: list[Change],
    *,
    party: Party,
    actor: Any,
    now: dt.datetime,
    today: dt.date,
    source: str = "form",
    all_or_nothing: bool = True,
    indicator_ids: dict[str, int] | None = None,
    after: Callable[[list[Outcome]], Awaitable[Any]] | None = None,
) -> list[Outcome]:
    """Fire each change's event, all in one transaction.

    `all_or_nothing`: when any change is refused, nothing at all is written (the workbook, the
    form and the API); otherwise the refused ones are reported and the others done (bulk review).
    `actor` is a returns.service.Actor (account id, label, ip) for the audit trail.
    `after` runs in the same transaction once everything is written (the decision emails are
    queued so: a crash leaves the decision and its emails, or neither).
    """
    if indicator_ids is None:
        from tracker.indicators.service import indicator_ids as load_ids

        indicator_ids = await load_ids()
    ids = indicator_ids
    return await db.in_writer(lambda: _apply_all(changes, party, actor, now, today, source, all_or_nothing, ids, after))


async def _apply_all(
    changes: list[Change],
    party: Party,
    actor: Any,
    now: dt.datetime,
    today: dt.date,
    source: str,
    all_or_nothing: bool,
    indicator_ids: dict[str, int],
    after: Callable[[list[Outcome]], Awaitable[Any]] | None,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    try:
        async with db.write_transaction():
            events: list[dict[str, Any]] = []
            refresh: dict[int, list[int]] = {}
            approved_in: set[int] = set()  # periods whose approved values changed
            current = await _Current.read(changes)
            for change in changes:
                outcome = await _apply_one(change, party, actor, now, today, source, indicator_ids, events, current)
                outcomes.append(outcome)
                # Scores and the dashboards' received/on-time figures read each return's state:
                # refresh on every change of state (a new return included) and on approved values.
                if outcome.ok and (outcome.old_state != outcome.new_state or outcome.new_state == "approved"):
                    refresh.setdefault(change.practice["id"], []).append(change.period.id)
                    if "approved" in (outcome.old_state, outcome.new_state):
                        approved_in.add(change.period.id)
            if all_or_nothing and not all(o.ok for o in outcomes):
                raise _RollBack
            await audit.record_many(events)
            # The scores read the approved values just written: same transaction, so a crash
            # can never leave a return approved with scores that do not count it.
            await maturity.refresh_practices(
                {p: _earliest(period_ids) for p, period_ids in refresh.items()}, approved_in=approved_in
            )
            if after is not None:
                await after(outcomes)
    except _RollBack:
        for o in outcomes:
            if o.ok:
                o.ok = False
                o.changed = []
        return outcomes
    except Exception as exc:  # a concurrent first save lost the race on the unique index
        text = str(exc).lower()
        if "unique" in text or "duplicate" in text:
            return [
                Outcome(c, refusal=Refusal.CONFLICT, message="The return changed while you were editing it.")
                for c in changes
            ]
        raise
    return outcomes


def _earliest(period_ids: list[int]) -> int | None:
    # refresh_practice recomputes from one period onwards; several periods: refresh them all.
    return period_ids[0] if len(set(period_ids)) == 1 else None


@dataclass
class _Current:
    """The returns and lock exceptions of a batch's changes, read once for all of them inside its
    transaction: a CCG's bulk decision reads two queries' worth, not two per return."""

    prefetched: bool
    rows: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    exceptions: dict[tuple[int, int], dt.date] = field(default_factory=dict)
    used: set[tuple[int, int]] = field(default_factory=set)

    @classmethod
    async def read(cls, changes: list[Change]) -> _Current:
        pairs = {(c.practice["id"], c.period.id) for c in changes}
        if len(pairs) < 2 or len(pairs) > 400:  # one return; or too many ids to bind (SQLite: 999)
            return cls(prefetched=False)
        practices = sorted({p for p, _ in pairs})
        periods_ = sorted({q for _, q in pairs})
        rows = await PracticeReturn.select().where(
            PracticeReturn.practice.is_in(practices) & PracticeReturn.period.is_in(periods_)
        )
        exceptions = await LockException.select(
            LockException.practice, LockException.period, LockException.until
        ).where(LockException.practice.is_in(practices) & LockException.period.is_in(periods_))
        return cls(
            prefetched=True,
            rows={(r["practice"], r["period"]): r for r in rows},
            exceptions={(r["practice"], r["period"]): r["until"] for r in exceptions},
        )

    async def row(self, practice_id: int, period_id: int) -> dict[str, Any] | None:
        key = (practice_id, period_id)
        if not self.prefetched or key in self.used:  # a second change to one return reads the first's write
            return await _row(practice_id, period_id)
        self.used.add(key)
        return self.rows.get(key)

    async def exception_until(self, practice_id: int, period_id: int) -> dt.date | None:
        if not self.prefetched:
            return await _exception_until(practice_id, period_id)
        return self.exceptions.get((practice_id, period_id))


# A save's own statements are SQL text rather than ORM queries: building each query object cost
# more than running it, and a draft save runs half a dozen.
_RETURN_COLUMNS = ", ".join(c._meta.db_column_name for c in PracticeReturn._meta.columns)


async def _row(practice_id: int, period_id: int) -> dict[str, Any] | None:
    rows = await db.fetch(
        f"SELECT {_RETURN_COLUMNS} FROM practice_return WHERE practice = {{}} AND period = {{}}",  # noqa: S608 (column names from the table)
        practice_id,
        period_id,
    )
    return rows[0] if rows else None


async def _exception_until(practice_id: int, period_id: int) -> dt.date | None:
    rows = await db.fetch(
        'SELECT "until" FROM lock_exception WHERE practice = {} AND period = {}', practice_id, period_id
    )
    return rows[0]["until"] if rows else None


async def entries_of(return_id: int, ids: dict[str, int]) -> dict[str, Entry]:
    """A return's values by indicator code (`ids`: every indicator's id by code)."""
    return (await entries_of_returns([return_id], ids)).get(return_id, {})


async def entries_of_returns(return_ids: list[int], ids: dict[str, int]) -> dict[int, dict[str, Entry]]:
    """Several returns' values, in one query: by return id, then indicator code."""
    if not return_ids:
        return {}
    rows = await db.fetch(
        f"""SELECT practice_return, indicator, value, numerator, denominator, comment FROM return_value
            WHERE practice_return IN ({", ".join("{}" for _ in return_ids)})""",  # noqa: S608 (placeholders only)
        *return_ids,
    )
    codes = {i: code for code, i in ids.items()}
    if any(r["indicator"] not in codes for r in rows):
        # An indicator added since `ids` was read: read them again rather than drop its value.
        from tracker.indicators.service import indicator_ids

        codes = {i: code for code, i in (await indicator_ids()).items()}
    out: dict[int, dict[str, Entry]] = {}
    for r in rows:
        out.setdefault(r["practice_return"], {})[codes[r["indicator"]]] = Entry(
            r["value"], r["numerator"], r["denominator"], r["comment"] or ""
        )
    return out


async def _apply_one(
    change: Change,
    party: Party,
    actor: Any,
    now: dt.datetime,
    today: dt.date,
    source: str,
    ids: dict[str, int],
    events: list[dict[str, Any]],
    current: _Current,
) -> Outcome:
    practice_id, period_id = change.practice["id"], change.period.id
    out = Outcome(change)
    row = await current.row(practice_id, period_id)
    state = row["state"] if row else None
    out.old_state = state
    window = Window(change.period.opens_on, change.period.due_on, change.period.locks_on)
    refused = check(state, change.event, party, window, today, await current.exception_until(practice_id, period_id))
    # A locked period is the answer whatever version was read: saving again would not help.
    if refused and refused[0] == Refusal.LOCKED:
        out.refusal, out.message = refused
        return out
    if (row["version"] if row else 0) != change.version:
        out.refusal, out.message = Refusal.CONFLICT, "The return changed since you read it."
        return out
    if refused:
        out.refusal, out.message = refused
        return out
    new_state = TRANSITIONS[(state, change.event)].to
    out.new_state = new_state
    submitting = change.event == Event.SUBMIT
    if row is None:
        inserted = await PracticeReturn.insert(
            PracticeReturn(
                practice=practice_id,
                period=period_id,
                state=new_state,
                version=1,
                created_at=now,
                updated_at=now,
                submitted_at=now if submitting else None,
                first_submitted_at=now if submitting else None,
            )
        ).returning(PracticeReturn.id)
        return_id = inserted[0]["id"]
    else:
        return_id = row["id"]
        update: dict[str, Any] = {"state": new_state, "version": change.version + 1, "updated_at": now}
        if submitting:
            update["submitted_at"] = now
            update["returned_reason"] = ""
            if row["first_submitted_at"] is None:  # timeliness counts the first submission only
                update["first_submitted_at"] = now
        if change.event in (Event.APPROVE, Event.RETURN, Event.REOPEN):
            update["reviewed_at"] = now
            update["reviewed_by"] = actor.account_id
            update["returned_reason"] = change.reason if change.event != Event.APPROVE else ""
        # The version read is the condition: a save that lost the race updates nothing.
        updated = await db.fetch(
            f"UPDATE practice_return SET {', '.join(f'{name} = {{}}' for name in update)}"  # noqa: S608 (names from this code)
            " WHERE id = {} AND version = {} RETURNING id",
            *update.values(),
            return_id,
            change.version,
        )
        if not updated:
            out.refusal, out.message = Refusal.CONFLICT, "The return changed since you read it."
            return out
    out.return_id = return_id
    base = {"practice": change.practice["ods_code"], "period": change.period.code}
    if row is None:
        events.append(_event("return.created", return_id, actor, now, {**base, "state": new_state}))
    if change.entries is not None:
        before = await entries_of(return_id, ids) if row else {}
        out.changed = calc.changed_codes(before, change.entries)
        await write_values(return_id, {c: change.entries[c] for c in out.changed}, ids)
        for code in out.changed:
            old, new = before.get(code), change.entries.get(code)
            detail = {
                **base,
                "indicator": code,
                "old": old.as_dict() if old else None,
                "new": new.as_dict() if new else None,
            }
            if source != "form":
                detail["source"] = source
            events.append(_event("return.value_changed", return_id, actor, now, detail))
    transition = {**base, "old_state": state, "new_state": new_state}
    if change.reason:
        transition["reason"] = change.reason
    if source == "upload":
        events.append(_event("return.uploaded", return_id, actor, now, transition))
    elif submitting:
        action = "return.resubmitted" if state == "returned" else "return.submitted"
        events.append(_event(action, return_id, actor, now, transition))
    elif change.event in _AUDIT_ACTION:
        events.append(_event(_AUDIT_ACTION[change.event], return_id, actor, now, transition))
    out.ok = True
    return out


async def write_values(return_id: int, entries: dict[str, Entry], ids: dict[str, int]) -> None:
    """Rewrite the given indicators' values of a return (an empty entry removes the value)."""
    codes = [c for c in entries if c in ids]
    if not codes:
        return
    await db.fetch(
        f"""DELETE FROM return_value WHERE practice_return = {{}}
            AND indicator IN ({", ".join("{}" for _ in codes)}) RETURNING id""",  # noqa: S608 (placeholders only)
        return_id,
        *[ids[c] for c in codes],
    )
    rows = [
        (return_id, ids[c], e.value, e.numerator, e.denominator, e.comment)
        for c in codes
        if (e := entries[c]).value is not None or e.comment or e.numerator is not None
    ]
    await db.bulk_insert("return_value", VALUE_COLUMNS, rows)


def _event(action: str, return_id: int, actor: Any, now: dt.datetime, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": action,
        "account_id": actor.account_id,
        "actor": actor.label,
        "entity_type": "practice_return",
        "entity_id": return_id,
        "ip": actor.ip,
        "at": now,
        "detail": detail,
    }

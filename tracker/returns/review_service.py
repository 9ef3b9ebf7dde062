"""CCG review: the queue of submitted returns, approving and returning them (one or many), and the
grid of practices x periods with completeness counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker import db
from tracker.accounts.policy import Action, Scope, can
from tracker.accounts.principal import Principal
from tracker.feeds import service as feed_service
from tracker.figures import rules
from tracker.indicators import service as indicators
from tracker.maturity import service as maturity
from tracker.organisations import service as organisations
from tracker.periods import service as period_service
from tracker.periods.service import PeriodRow
from tracker.returns import calculations as calc
from tracker.returns import emails, lifecycle, review_checks, service
from tracker.returns.service import Actor
from tracker.sharing import InFlight


@dataclass
class Decision:
    done: list[str] = field(default_factory=list)  # practice codes
    refused: list[tuple[str, str]] = field(default_factory=list)  # (practice code or id, reason)
    denied: bool = False  # the policy refused at least one: the route answers 403


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class QueueRow:
    """One submitted return waiting for its CCG's review."""

    id: int
    practice: int
    version: int
    submitted_at: dt.datetime | None
    first_submitted_at: dt.datetime | None
    ods_code: str
    name: str
    period_code: str
    due_on: dt.date
    locks_on: dt.date


async def queue(ccg_id: int) -> list[QueueRow]:
    """Submitted returns of the CCG's practices, oldest submission first."""
    places = await organisations.practice_places(ccg_id=ccg_id)
    if not places:
        return []
    by_id = {p.id: p for p in places}
    by_name = {p.id: n for n, p in enumerate(places)}  # the owner's order: the database's collation
    period_rows = {p["id"]: p for p in await period_service.all_periods()}
    rows = await db.fetch(
        f"""SELECT id, version, submitted_at, first_submitted_at, practice, period
            FROM practice_return
            WHERE state = 'submitted' AND practice IN ({", ".join("{}" for _ in by_id)})""",  # noqa: S608 (placeholders only)
        *by_id,
    )
    # A submitted return without a time (only loaded data could have one) sorts last, where PostgreSQL puts NULLs.
    rows.sort(key=lambda r: (r["submitted_at"] is None, r["submitted_at"] or _NEVER, by_name[r["practice"]]))
    return [
        QueueRow(
            id=r["id"],
            practice=r["practice"],
            version=r["version"],
            submitted_at=r["submitted_at"],
            first_submitted_at=r["first_submitted_at"],
            ods_code=by_id[r["practice"]].ods_code,
            name=by_id[r["practice"]].name,
            period_code=period_rows[r["period"]].code,
            due_on=period_rows[r["period"]].due_on,
            locks_on=period_rows[r["period"]].locks_on,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class _Decided:
    """A return a reviewer decides on, with where its practice sits today."""

    id: int
    version: int
    practice: int
    period: int
    ods_code: str
    ccg: int | None
    region: int | None


async def _rows_for(return_ids: list[int]) -> list[_Decided]:
    if not return_ids:
        return []
    placeholders = ", ".join("{}" for _ in return_ids)
    rows = await db.fetch(
        f"""SELECT id, state, version, practice, period FROM practice_return
            WHERE id IN ({placeholders})""",  # noqa: S608 (placeholders only)
        *return_ids,
    )
    places = {p.id: p for p in await organisations.practice_places(ids={r["practice"] for r in rows})}
    return [
        _Decided(
            id=r["id"],
            version=r["version"],
            practice=r["practice"],
            period=r["period"],
            ods_code=places[r["practice"]].ods_code,
            ccg=places[r["practice"]].ccg,
            region=places[r["practice"]].region,
        )
        for r in rows
    ]


async def decide(
    return_ids: list[int],
    *,
    approve: bool,
    reopen: bool = False,
    reason: str,
    user: Principal,
    actor: Actor,
    now: dt.datetime,
    today: dt.date,
    base_url: str,  # the emails to the practices link to their returns: absolute links only
) -> Decision:
    """Approve, or return to the practice with a reason, each of the given returns (or, with
    `reopen`, send approved ones back for correction with a reason).

    Each is checked on its own (policy, state, lock); those refused are reported, the rest done.
    Approved practices' maturity scores are refreshed, and each practice's users are emailed
    (returns/emails.py), in the same transaction.
    """
    result = Decision()
    rows = await _rows_for(return_ids)
    found = {r.id for r in rows}
    for missing in sorted(set(return_ids) - found):
        result.refused.append((str(missing), "There is no such return."))
    for row in rows:
        scope = Scope(practice_id=row.practice, ccg_id=row.ccg, region_id=row.region)
        if not can(user, Action.REVIEW_RETURN, scope):
            # Another CCG's return among them: nothing at all is done.
            return Decision(refused=[(row.ods_code, "You cannot review this practice's returns.")], denied=True)
    event = lifecycle.Event.REOPEN if reopen else lifecycle.Event.APPROVE if approve else lifecycle.Event.RETURN
    period_of = {p.id: p for p in await period_service.all_periods()}
    changes = [
        lifecycle.Change(
            {"id": row.practice, "ods_code": row.ods_code},
            period_of[row.period],
            event,
            row.version,
            reason="" if event == lifecycle.Event.APPROVE else reason,
        )
        for row in rows
    ]
    # Each return is decided on its own: those refused are reported, the rest done together.
    ccg_name = ""
    if user.ccg_code:
        ccg_name = (await organisations.ccg(user.ccg_code, user)).name or ""

    async def email_practices(done: list[lifecycle.Outcome]) -> None:
        await emails.queue_decisions(done, ccg_name=ccg_name, base_url=base_url)

    outcomes = await lifecycle.apply(
        changes,
        party=lifecycle.Party.CCG,
        actor=actor,
        now=now,
        today=today,
        all_or_nothing=False,
        after=email_practices,
    )
    for outcome in outcomes:
        code = outcome.change.practice["ods_code"]
        if outcome.ok:
            result.done.append(code)
        elif outcome.conflict:
            result.refused.append((code, "The return changed while you were reviewing it."))
        else:
            result.refused.append((code, outcome.message))
    return result


@dataclass(frozen=True)
class GridCounts:
    """One period's completeness under the CCG: expected, received ("submitted") and on time by
    the one rule (figures.rules, as the dashboards count them), and how many expected are approved."""

    expected: int
    submitted: int
    on_time: int
    approved: int


@dataclass(frozen=True)
class GridCell:
    """One practice's return for one period, as the grid shows it."""

    state: str  # calculations.grid_state: the return's state, "none" (not started) or "missed"
    return_id: int | None = None  # the practice's return for the period, when it has one
    return_state: str | None = None  # that return's own state (None: there is no return)


@dataclass(frozen=True)
class GridRow:
    """A practice counted under the CCG in any of the grid's periods, with its cells."""

    practice_id: int
    ods_code: str
    name: str
    cells: tuple[GridCell, ...]  # one a period, in the order of the grid's periods
    outstanding: bool  # expected in the open period, its return not started, a draft or returned


@dataclass(frozen=True)
class ReviewGrid:
    """A CCG's practices x the latest opened periods, with each period's counts."""

    periods: tuple[PeriodRow, ...]  # oldest first
    rows: tuple[GridRow, ...]  # by practice name, then code
    counts: tuple[GridCounts, ...]  # one a period, as `periods`
    open_period: PeriodRow | None  # the one chasing is about (open_period_of)

    @property
    def outstanding(self) -> tuple[GridRow, ...]:
        return tuple(r for r in self.rows if r.outstanding)

    def column(self, period_id: int) -> int:
        """Where a period's cells sit in each row."""
        return next(n for n, p in enumerate(self.periods) if p.id == period_id)


async def grid(ccg_id: int, today: dt.date, periods: int = 8) -> ReviewGrid:
    """Practices x the latest opened periods, each cell a state, with per-period counts. A row for
    each practice counted under the CCG in any of those periods; the counts are the dashboards'
    (expected, received and on time by the one rule, under the CCG of each period)."""
    period_rows = list(reversed(await service.periods_up_to(today, periods)))
    members = await maturity.period_members_by_period([p.id for p in period_rows], "ccg", ccg_id)
    ids = {m.practice_id for ms in members.values() for m in ms}
    names = await organisations.practice_names(ids)
    returns: dict[tuple[int, int], tuple[int, str]] = {}
    if period_rows and ids:
        # Only this CCG's practices' returns: the grid is one CCG's page, not England's.
        period_ids = [p.id for p in period_rows]
        practice_ids = sorted(ids)
        rows = await db.fetch(
            f"""SELECT r.id, r.practice, r.period, r.state, r.first_submitted_at
                FROM practice_return r
                WHERE r.period IN ({", ".join("{}" for _ in period_ids)})
                  AND r.practice IN ({", ".join("{}" for _ in practice_ids)})""",  # noqa: S608 (placeholders only)
            *period_ids,
            *practice_ids,
        )
        returns = {(r["practice"], r["period"]): (r["id"], r["state"]) for r in rows}
    return assemble_grid(period_rows, members, names, returns, today)


def assemble_grid(
    period_rows: Sequence[PeriodRow],
    members: Mapping[int, Sequence[maturity.Member]],
    names: Mapping[int, organisations.PracticeName],
    returns: Mapping[tuple[int, int], tuple[int, str]],
    today: dt.date,
) -> ReviewGrid:
    """The grid from its periods (oldest first), the practices counted under the CCG in each (by
    period id), their names, and their returns ((practice, period) -> (return id, state)). Pure."""
    practices = sorted(
        (names[i] for i in {m.practice_id for ms in members.values() for m in ms}),
        key=lambda p: (str(p.name), str(p.ods_code)),
    )
    counted = {(m.practice_id, pid): m for pid, ms in members.items() for m in ms}
    counts = []
    for period in period_rows:
        expected = [m for m in members.get(period.id, ()) if m.expected]
        counts.append(
            GridCounts(
                expected=len(expected),
                submitted=sum(1 for m in expected if m.received),
                on_time=sum(1 for m in expected if m.on_time),
                approved=sum(
                    1
                    for m in expected
                    if (r := returns.get((m.practice_id, period.id))) is not None and r[1] == "approved"
                ),
            )
        )
    open_period = open_period_of(list(period_rows), today)
    rows = []
    for p in practices:
        cells = []
        for period in period_rows:
            member = counted.get((p.id, period.id))
            return_id, return_state = returns.get((p.id, period.id), (None, None))
            state = calc.grid_state(
                return_state,
                expected=member is not None and member.expected,
                received=member is not None and member.received,
                locks_on=period.locks_on,
                today=today,
            )
            cells.append(GridCell(state, return_id, return_state))
        open_member = counted.get((p.id, open_period.id)) if open_period is not None else None
        outstanding = (
            open_period is not None
            and open_member is not None
            and open_member.expected
            and calc.outstanding(returns.get((p.id, open_period.id), (None, None))[1])
        )
        rows.append(GridRow(p.id, p.ods_code, p.name, tuple(cells), outstanding))
    return ReviewGrid(tuple(period_rows), tuple(rows), tuple(counts), open_period)


def open_period_of(period_rows: list[PeriodRow], today: dt.date) -> PeriodRow | None:
    """The open period: the latest (of these, oldest first) whose returns have not locked
    (figures.rules' "provisional"): the one chasing is about."""
    return next((p for p in reversed(period_rows) if rules.provisional(as_date(p["locks_on"]), today)), None)


@dataclass(frozen=True)
class CcgOutstanding:
    """A CCG's practices in the open period: expected, received, and outstanding (expected, and
    the return not started, a draft or returned: the CCG grid's rule)."""

    ccg_id: int
    region_id: int | None
    expected: int
    received: int
    outstanding: int


async def outstanding_by_ccg(
    today: dt.date, region_id: int | None = None
) -> tuple[PeriodRow | None, list[CcgOutstanding]]:
    """The open period and, for each CCG of England (or of one region) in it, its outstanding
    returns, counted as the CCG's own grid counts them (each practice under the CCG of the period)."""
    open_period = open_period_of(list(reversed(await service.periods_up_to(today))), today)
    if open_period is None:
        return None, []
    members = await maturity.period_members(open_period["id"], "england" if region_id is None else "region", region_id)
    rows = await db.fetch("SELECT practice, state FROM practice_return WHERE period = {}", open_period["id"])
    state = {r["practice"]: r["state"] for r in rows}
    counts: dict[int, list[int]] = {}
    regions: dict[int, int | None] = {}
    for m in members:
        if m.ccg_id is None or not m.expected:
            continue
        c = counts.setdefault(m.ccg_id, [0, 0, 0])
        regions.setdefault(m.ccg_id, m.region_id)
        c[0] += 1
        c[1] += m.received
        c[2] += calc.outstanding(state.get(m.practice_id))
    return open_period, [CcgOutstanding(i, regions[i], *c) for i, c in counts.items()]


def as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class SubmittedValue:
    """One value of a return, for comparing with the national feeds (feeds' OwnValue)."""

    return_id: int
    practice_id: int
    period_code: str
    indicator_code: str
    unit: str  # "" for an indicator no longer active
    value: float


async def submitted_values(return_ids: list[int]) -> list[SubmittedValue]:
    """The values of these returns, for comparing with the national feeds."""
    if not return_ids:
        return []
    codes = {i: code for code, i in (await indicators.indicator_ids()).items()}
    units = {s.code: s.unit for s in await indicators.active_indicators()}
    period_codes = await period_service.codes_by_id()
    placeholders = ", ".join("{}" for _ in return_ids)
    rows = await db.fetch(
        f"""SELECT r.id AS key, r.practice, r.period, v.indicator, v.value
            FROM return_value v JOIN practice_return r ON r.id = v.practice_return
            WHERE r.id IN ({placeholders}) AND v.value IS NOT NULL""",  # noqa: S608 (placeholders only)
        *return_ids,
    )
    out = []
    for r in rows:
        code = codes.get(r["indicator"], "")
        out.append(
            SubmittedValue(
                return_id=r["key"],
                practice_id=r["practice"],
                period_code=period_codes[r["period"]],
                indicator_code=code,
                unit=units.get(code, ""),
                value=float(r["value"]),
            )
        )
    return out


# --- The queue at a glance: each value beside last period's, the feed's, and the rules' flags ----


@dataclass(frozen=True)
class GlanceRow:
    """One indicator of a return in the queue, as the reviewer reads it."""

    name: str
    unit: str
    value: float | None
    comment: str
    previous: float | None
    feed: float | None
    feed_source: str
    flags: list[review_checks.Flag]


# England's cut points by (period, indicator ids, limits): each with the stamp of the period's
# returns it was worked out from. Every change to a return goes through the lifecycle, which
# raises its version and stamps its time, so a stamp that still matches means the same returns
# with the same values. One process's cache: each web worker keeps its own.
_NATIONAL_CUTS: dict[
    tuple[int, tuple[int, ...], review_checks.Limits], tuple[tuple[Any, ...], dict[int, tuple[float, float]]]
] = {}


def forget_national_cuts() -> None:
    """Drop the kept cut points (for a database emptied under a running process: the tests)."""
    _NATIONAL_CUTS.clear()


async def _period_stamps(period_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """What the cut points are worked out from, in brief: the returns that are in. A draft saved
    changes none of them; on deadline day drafts are saved far more often than returns are sent,
    and every draft saved used to send each queue view back to England's every value."""
    rows = await db.fetch(
        f"""SELECT period, COUNT(*) AS n, SUM(version) AS versions, SUM(id) AS ids, MAX(updated_at) AS changed
            FROM practice_return WHERE period IN ({", ".join("{}" for _ in period_ids)})
              AND state IN ('submitted', 'approved') GROUP BY period""",  # noqa: S608 (placeholders only)
        *period_ids,
    )
    return {r["period"]: (int(r["n"]), int(r["versions"] or 0), int(r["ids"] or 0), str(r["changed"])) for r in rows}


async def _national_cuts(
    period_ids: list[int], indicator_ids: list[int], limits: review_checks.Limits
) -> dict[tuple[int, int], tuple[float, float]]:
    """England's 5th and 95th percentiles of each indicator in each period, over the returns that
    are in. Worked out from one read of their values when a period's returns have changed since
    last time, and kept: on deadline day a queue is opened far more often than a return changes.
    The practice under review is among them: one in thousands."""
    wanted = tuple(sorted(indicator_ids))
    stamps = await _period_stamps(period_ids)
    out: dict[tuple[int, int], tuple[float, float]] = {}
    stale = []
    for period in period_ids:
        kept = _NATIONAL_CUTS.get((period, wanted, limits))
        if kept is not None and kept[0] == stamps.get(period):
            out.update({(period, indicator): cut for indicator, cut in kept[1].items()})
        else:
            stale.append(period)
    if not stale:
        return out
    stale_stamps = tuple((period, stamps.get(period)) for period in stale)
    worked = await _working_out.shared(
        (stale_stamps, wanted, limits), lambda: _work_out_cuts(stale, wanted, limits, stamps)
    )
    for period, found in worked.items():
        out.update({(period, indicator): cut for indicator, cut in found.items()})
    return out


# Queue views that arrive together while the cut points are not kept (the first views of the
# morning, or after a return is sent) share one read of England's values.
_working_out: InFlight[dict[int, dict[int, tuple[float, float]]]] = InFlight()


async def _work_out_cuts(
    stale: list[int], wanted: tuple[int, ...], limits: review_checks.Limits, stamps: dict[int, tuple[Any, ...]]
) -> dict[int, dict[int, tuple[float, float]]]:
    rows = await db.fetch(
        f"""SELECT r.period, v.indicator, v.value
            FROM practice_return r JOIN return_value v ON v.practice_return = r.id
            WHERE r.period IN ({", ".join("{}" for _ in stale)})
              AND v.indicator IN ({", ".join("{}" for _ in wanted)})
              AND r.state IN ('submitted', 'approved') AND v.value IS NOT NULL""",  # noqa: S608 (placeholders only)
        *stale,
        *wanted,
    )
    values: dict[int, dict[int, list[float]]] = {period: {} for period in stale}
    for r in rows:
        values[r["period"]].setdefault(r["indicator"], []).append(float(r["value"]))
    worked: dict[int, dict[int, tuple[float, float]]] = {}
    for period, by_indicator in values.items():
        found = {}
        for indicator, these in by_indicator.items():
            cut = review_checks.cuts(these, limits)
            if cut is not None:
                found[indicator] = cut
        if period in stamps:
            _NATIONAL_CUTS[(period, wanted, limits)] = (stamps[period], found)
        worked[period] = found
    return worked


async def glance(
    queue_rows: list[QueueRow],
    ccg_id: int,
    flagged_feeds: Mapping[int, Sequence[str]] | None = None,
    limits: review_checks.Limits = review_checks.LIMITS,
) -> dict[int, list[GlanceRow]]:
    """By return id: every active indicator's value beside last period's and the national feed's,
    with the validation rules' flags (review_checks) against the practice's approved history and
    against its peers (the CCG's and England's practices whose return for the period is in).
    `flagged_feeds`: the feeds' differences (`feed_service.differences`) when the caller has them."""
    if not queue_rows:
        return {}
    specs, ids = await indicators.active_indicators_and_ids()
    code_of = {i: code for code, i in ids.items()}
    periods = await period_service.all_periods()
    order = {p["id"]: n for n, p in enumerate(periods)}  # by start date
    period_id = {p["code"]: p["id"] for p in periods}
    queue_ids = [r.id for r in queue_rows]
    practices = sorted({r.practice for r in queue_rows})
    queue_periods = sorted({period_id[r.period_code] for r in queue_rows})

    # Every return of the queue's practices (history and last period), the CCG's returns in the
    # queue's periods that are in (its peers), and England's cut points (_national_cuts).
    own = await db.fetch(
        f"""SELECT r.id, r.practice, r.period, r.state, v.indicator, v.value, v.comment
            FROM practice_return r JOIN return_value v ON v.practice_return = r.id
            WHERE r.practice IN ({", ".join("{}" for _ in practices)})""",  # noqa: S608 (placeholders only)
        *practices,
    )
    # Yes/no answers have no spread to compare (review_checks): only the other indicators' peers are read.
    spread = [ids[s.code] for s in specs if s.unit != "yesno" and s.code in ids]
    in_ccg = sorted(p.id for p in await organisations.practice_places(ccg_id=ccg_id))
    peers = (
        await db.fetch(
            f"""SELECT r.practice, r.period, v.indicator, v.value
                FROM practice_return r JOIN return_value v ON v.practice_return = r.id
                WHERE r.period IN ({", ".join("{}" for _ in queue_periods)})
                  AND v.indicator IN ({", ".join("{}" for _ in spread)})
                  AND r.practice IN ({", ".join("{}" for _ in in_ccg)})
                  AND r.state IN ('submitted', 'approved') AND v.value IS NOT NULL""",  # noqa: S608 (placeholders only)
            *queue_periods,
            *spread,
            *in_ccg,
        )
        if spread and in_ccg
        else []
    )
    in_own_ccg: dict[tuple[int, str], dict[int, float]] = {}  # (period, indicator code) -> practice -> value
    for r in peers:
        code = code_of.get(r["indicator"])
        if code is not None:
            in_own_ccg.setdefault((r["period"], code), {})[r["practice"]] = float(r["value"])
    national = await _national_cuts(queue_periods, spread, limits) if spread else {}
    values: dict[int, dict[str, tuple[float | None, str]]] = {}  # return id -> code -> (value, comment)
    by_practice_period: dict[tuple[int, int], tuple[int, str]] = {}  # -> (return id, state)
    for r in own:
        code = code_of.get(r["indicator"])
        if code is None:
            continue
        value = None if r["value"] is None else float(r["value"])
        values.setdefault(r["id"], {})[code] = (value, r["comment"] or "")
        by_practice_period[(r["practice"], r["period"])] = (r["id"], r["state"])

    if flagged_feeds is None:
        flagged_feeds = await feed_service.differences(await submitted_values(queue_ids))
    feed_rows: dict[tuple[int, str, str], feed_service.FeedRow] = {}
    for period_code in {q.period_code for q in queue_rows}:
        in_period = {q.practice for q in queue_rows if q.period_code == period_code}
        for f in await feed_service.feed_values(in_period, period_code):
            # The first source in name order answers, as on the form (feed_values_by_indicator).
            feed_rows.setdefault((f.practice_id, period_code, f.indicator_code), f)
    returns_of: dict[int, list[tuple[int, int, str]]] = {}  # practice -> (period, return id, state)
    for (p, per), (i, state) in by_practice_period.items():
        returns_of.setdefault(p, []).append((per, i, state))
    out: dict[int, list[GlanceRow]] = {}
    for q in queue_rows:
        rid, period, practice = q.id, period_id[q.period_code], q.practice
        mine = values.get(rid, {})
        earlier = sorted(
            ((per, i, state) for per, i, state in returns_of.get(practice, []) if order[per] < order[period]),
            key=lambda t: order[t[0]],
        )
        last = earlier[-1] if earlier and order[earlier[-1][0]] == order[period] - 1 else None
        approved = [i for _, i, state in earlier if state == "approved"]
        rows: list[GlanceRow] = []
        for spec in specs:
            value, comment = mine.get(spec.code, (None, ""))
            previous = values.get(last[1], {}).get(spec.code, (None, ""))[0] if last else None
            history = tuple(
                h
                for i in approved[-limits.history_count :]
                if (h := values.get(i, {}).get(spec.code, (None, ""))[0]) is not None
            )
            ccg_values = in_own_ccg.get((period, spec.code), {})
            seen = review_checks.Seen(
                code=spec.code,
                name=spec.name,
                unit=spec.unit,
                value=value,
                comment=comment,
                previous=previous,
                history=history,
                ccg_peers=tuple(v for p, v in ccg_values.items() if p != practice),
                national_cuts=national.get((period, ids[spec.code])),
                feed_differs=spec.code in flagged_feeds.get(rid, []),
            )
            feed = feed_rows.get((practice, q.period_code, spec.code))
            rows.append(
                GlanceRow(
                    spec.name,
                    spec.unit,
                    value,
                    comment,
                    previous,
                    feed.value if feed else None,
                    feed.source_label if feed else "",
                    review_checks.check(seen, limits),
                )
            )
        out[rid] = rows
    return out

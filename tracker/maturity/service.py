"""Maturity: precomputed scores per practice and period, and the queries the dashboards read.

Scores come from APPROVED returns only. `refresh_all()` (the `tracker refresh` command and the
demo) rebuilds every practice_score and indicator_stat row in bulk; `refresh_practice()` (called
by the returns feature after an approval or a correction) rebuilds one practice's rows and drops
the indicator statistics of the period concerned, which are rebuilt when next read. Dashboards
read these rows; they never recompute from the 1.6M return values.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException

from tracker import clock, db
from tracker.figures import rules
from tracker.indicators import service as indicators
from tracker.indicators.catalogue import IndicatorSpec
from tracker.maturity import calculations as calc
from tracker.organisations import service as organisations
from tracker.organisations.history import OrgHistory, patients_on
from tracker.periods import service as periods
from tracker.returns import facts_service as return_facts
from tracker.sharing import InFlight
from tracker.tables import IndicatorStat, OrgScore, PracticeScore

SCORE_COLUMNS = (
    "practice",
    "period",
    "maturity",
    "level",
    "status",
    "indicators_on_track",
    "indicators_at_risk",
    "indicators_off_track",
    "indicators_scored",
    "computed_at",
    "ccg_id",
    "region_id",
    "patients",
    "expected",
    "submitted",
    "on_time",
    "forecast_on",
    "forecast_note",
)
ORG_COLUMNS = (
    "scope",
    "org_id",
    "period",
    "practices",
    "scored",
    "maturity",
    "on_track",
    "at_risk",
    "off_track",
    "submitted",
    "on_time",
    "patients",
    "deciles",
    "computed_at",
    "forecast_met",
    "forecast_made",
)
STAT_COLUMNS = ("indicator", "period", "ccg_id", "practices", "mean", "met", "deciles", "ccg_deciles", "computed_at")
ENGLAND = 0
# Every transaction that replaces score rows (a whole refresh, a practice's, a period's statistics)
# queues under this name: two of them at once would each delete, then insert the same keys.
SCORES_LOCK = "scores"


class NoScores(Exception):
    """No return has been scored yet: the dashboards have nothing to show."""


@dataclass(frozen=True)
class ScoredPeriod:
    id: int
    code: str
    start_date: dt.date
    end_date: dt.date
    due_on: dt.date
    locks_on: dt.date | None = None

    def provisional(self, today: dt.date) -> bool:
        return rules.provisional(self.locks_on, today)


# --- What is scored ------------------------------------------------------------------------


async def scored_periods(today: dt.date | None = None) -> list[ScoredPeriod]:
    """Every period up to the latest one that has any return, or (given today) that has opened:
    a period that has opened expects returns even before the first one arrives."""
    with_returns = await return_facts.periods_with_returns()
    every = await periods.all_periods()
    started = [p["start_date"] for p in every if p["id"] in with_returns or (today and p["opens_on"] <= today)]
    if not started:
        return []
    last = max(started)
    return [
        ScoredPeriod(r["id"], r["code"], r["start_date"], r["end_date"], r["due_on"], r["locks_on"])
        for r in every
        if r["start_date"] <= last
    ]


@dataclass(frozen=True)
class Organisations:
    """What scoring needs of the organisations: their history and list sizes of the time."""

    history: OrgHistory
    sizes: dict[int, list[tuple[dt.date, int]]]


async def _organisations(practice_id: int | list[int] | None = None) -> Organisations:
    return Organisations(await organisations.history(practice_id), await organisations.list_size_history(practice_id))


async def _definitions(
    periods: list[ScoredPeriod], active: list[IndicatorSpec] | None = None
) -> dict[int, list[IndicatorSpec]]:
    """Each period's indicators as the catalogue defined them when it began (its targets, deadlines
    and weights): a catalogue change scores the periods from its date on, never earlier ones."""
    return await indicators.definitions_by_period([(p.id, p.start_date) for p in periods], active)


def _score_rows(
    practice_id: int,
    orgs: Organisations,
    definitions: dict[int, list[IndicatorSpec]],
    scoring: list[ScoredPeriod],
    values: dict[int, dict[str, float | None]],
    returns: dict[int, dt.datetime | None],
    now: dt.datetime,
    from_start: dt.date | None = None,
    earlier: dict[int, float] | None = None,
) -> list[tuple[Any, ...]]:
    """One practice's practice_score rows: each period scored with the practice's CCG, region and
    list size of that period, the one rule each for expected and on time, and the forecast made
    from its approved history up to that period. `earlier`: maturity by period, as stored, for
    periods `values` leaves out (a new period scored without reading everyone's history)."""
    history = calc.score_history(definitions, [(p.id, p.end_date) for p in scoring], values, with_indicators=False)
    rows = []
    points: list[tuple[dt.date, float]] = []
    forecast: tuple[dt.date | None, str] | None = None  # worked out again only after a new point
    for period, score in zip(scoring, history, strict=True):
        maturity = score.maturity if score.maturity is not None else (earlier or {}).get(period.id)
        if maturity is not None:
            points.append((period.end_date, maturity))
            forecast = None
        if from_start is not None and period.start_date < from_start:
            continue
        if forecast is None:
            forecast = _forecast_cells(points)
        expected = orgs.history.expected(practice_id, period.start_date, period.end_date)
        if not expected and period.id not in returns:
            continue
        place = orgs.history.place(practice_id, period.start_date, period.end_date)
        first = returns.get(period.id)
        rows.append(
            (
                practice_id,
                period.id,
                None if score.maturity is None else round(score.maturity, 2),
                score.level,
                score.status,
                score.on_track,
                score.at_risk,
                score.off_track,
                score.scored,
                now,
                place.ccg_id,
                place.region_id,
                patients_on(orgs.sizes.get(practice_id, []), period.end_date),
                expected,
                first is not None,
                rules.on_time(first, period.due_on),
                *forecast,
            )
        )
    return rows


def _forecast_cells(points: list[tuple[dt.date, float]]) -> tuple[dt.date | None, str]:
    """practice_score's forecast_on and forecast_note from the maturity points so far."""
    found = calc.practice_forecast(points)
    return found.met_on, REACHED if found.reached else found.reason


REACHED = "reached"  # forecast_note beside the date a practice reached the Paperless level


def stored_forecast(on: Any, note: Any) -> calc.PracticeForecast | None:
    """A forecast as practice_score holds it (None: not worked out yet)."""
    if on is None and note is None:
        return None
    met_on = db_date(on)
    if met_on is None:
        return calc.PracticeForecast(None, str(note or calc.NOT_ENOUGH_RETURNS))
    return calc.PracticeForecast(met_on, "", reached=note == REACHED)


def db_date(value: Any) -> dt.date | None:
    """A date column as read: a date (PostgreSQL) or its ISO text (SQLite)."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _ccgs_in(orgs: Organisations, period: ScoredPeriod) -> dict[int, int | None]:
    """Each practice's CCG in a period."""
    return {p: orgs.history.place(p, period.start_date, period.end_date).ccg_id for p in orgs.history.practices}


async def ensure_scored(today: dt.date) -> bool:
    """Score, for every practice at once, any period opened by `today` whose score rows do not
    count every practice expected in it (a period that has just opened, or rows left stale by an
    ODS import); True when it had to. The scheduled `score-periods` job runs it, so pages only
    read: a period is never taken as scored because one practice's row exists."""
    scoring = await scored_periods(today)
    if not scoring:
        return False
    history = await organisations.history()
    wanted = {
        p.id: sum(1 for practice in history.practices if history.expected(practice, p.start_date, p.end_date))
        for p in scoring
    }
    rows = await db.fetch(
        "SELECT period, SUM(CASE WHEN expected THEN 1 ELSE 0 END) AS n FROM practice_score GROUP BY period"
    )
    # Rows scored before forecasts were kept with the scores have neither a date nor a reason.
    unforecast = await db.fetch(
        "SELECT 1 AS found FROM practice_score WHERE forecast_on IS NULL AND forecast_note IS NULL LIMIT 1"
    )
    if not calc.unscored_periods(wanted, {r["period"]: int(r["n"] or 0) for r in rows}) and not unforecast:
        return False
    await refresh_all(today)
    return True


# --- Refreshing ---------------------------------------------------------------------------


@dataclass
class RefreshSummary:
    practices: int = 0
    periods: int = 0
    score_rows: int = 0
    stat_rows: int = 0
    values_read: int = 0


async def refresh_all(today: dt.date | None = None) -> RefreshSummary:
    """Rebuild every practice's scores for every period (up to the latest opened by `today`), and
    every indicator statistic. Bulk: the approved values are read once, period by period."""
    summary = RefreshSummary()
    specs = await indicators.active_indicators()
    ids = await indicators.indicator_ids()
    code_of = {ids[s.code]: s.code for s in specs if s.code in ids}
    scoring = await scored_periods(today)
    definitions = await _definitions(scoring, specs)
    orgs = await _organisations()
    practices = sorted(orgs.history.practices)
    values: dict[int, dict[int, dict[str, float | None]]] = defaultdict(dict)
    stat_rows: list[tuple[Any, ...]] = []
    now = clock.now()
    for period in scoring:
        rows = await return_facts.approved_values(period.id)
        summary.values_read += len(rows)
        for practice_id, indicator_id, value in rows:
            code = code_of.get(indicator_id)
            if code is not None:
                values[practice_id].setdefault(period.id, {})[code] = value
        stat_rows += _stats_for_period(period.id, definitions[period.id], ids, rows, _ccgs_in(orgs, period), now)
    returns: dict[int, dict[int, dt.datetime | None]] = defaultdict(dict)
    for practice_id, period_id, first in await return_facts.first_submissions():
        returns[practice_id][period_id] = first
    score_rows: list[tuple[Any, ...]] = []
    for practice_id in practices:
        score_rows += _score_rows(
            practice_id, orgs, definitions, scoring, values.get(practice_id, {}), returns.get(practice_id, {}), now
        )
    org_rows = _org_rows([_facts_of(r) for r in score_rows], None, now)
    async with db.write_transaction():
        await db.serialise(SCORES_LOCK)
        await db.engine().run_ddl("DELETE FROM practice_score")
        await db.engine().run_ddl("DELETE FROM indicator_stat")
        await db.engine().run_ddl("DELETE FROM org_score")
        for start in range(0, len(score_rows), 50_000):
            await db.bulk_insert("practice_score", SCORE_COLUMNS, score_rows[start : start + 50_000])
        await db.bulk_insert("indicator_stat", STAT_COLUMNS, stat_rows)
        await db.bulk_insert("org_score", ORG_COLUMNS, org_rows)
    summary.practices = len(practices)
    summary.periods = len(scoring)
    summary.score_rows = len(score_rows)
    summary.stat_rows = len(stat_rows)
    return summary


async def _practice_values(practice_id: int, code_of: dict[int, str]) -> dict[int, dict[str, float | None]]:
    """One practice's approved values: period id -> indicator code -> value."""
    values: dict[int, dict[str, float | None]] = defaultdict(dict)
    for period_id, indicator_id, value in await return_facts.approved_values_of(practice_id):
        code = code_of.get(indicator_id)
        if code is not None:
            values[period_id][code] = value
    return values


async def practices_values(practice_ids: list[int]) -> dict[int, dict[int, dict[str, float | None]]]:
    """Several practices' approved values (practice id -> period id -> indicator code -> value):
    the values each practice's dashboard shows, read for a CCG's practices at once (the alerts)."""
    specs = await indicators.active_indicators()
    ids = await indicators.indicator_ids()
    return await _values_of(practice_ids, {ids[s.code]: s.code for s in specs if s.code in ids})


async def refresh_practice(practice_id: int, period_id: int | None = None) -> None:
    """Recompute a practice's scores after one of its returns changed (from `period_id` onwards;
    all periods when None)."""
    await refresh_practices({practice_id: period_id})


async def refresh_practices(changes: dict[int, int | None], approved_in: Collection[int] | None = None) -> None:
    """Recompute several practices' scores after their returns changed, each from its period
    onwards (all periods when None), in one pass: one read of each kind, one delete and insert, and
    each organisation they count under re-aggregated once (a CCG's bulk approval is one refresh).

    `approved_in`: the periods whose approved values changed (an approval, or an approved return
    edited or reopened), when the caller knows them. The indicator statistics are worked out from
    approved values only, so only those periods' statistics are dropped; a draft saved or a return
    sent keeps them (on deadline day they were dropped, and worked out again by the next dashboard
    view, thousands of times an hour). None: every changed period's.

    A changed period that no other practice has scores for yet (the first return of a new period)
    is scored for every practice at once, in the caller's transaction, so no page ever sees a
    period counting only the practices that saved first."""
    if not changes:
        return
    specs = await indicators.active_indicators()
    ids = await indicators.indicator_ids()
    code_of = {ids[s.code]: s.code for s in specs if s.code in ids}
    orgs = await _organisations(sorted(changes))
    practices = sorted(p for p in changes if p in orgs.history.practices)
    if not practices:
        return
    scoring = await scored_periods()
    definitions = await _definitions(scoring, specs)
    starts: dict[int, dt.date | None] = {}
    changed: dict[int, list[int]] = {}
    for practice_id in practices:
        period_id = changes[practice_id]
        start = next((p.start_date for p in scoring if p.id == period_id), None) if period_id is not None else None
        starts[practice_id] = start
        changed[practice_id] = [p.id for p in scoring if start is None or p.start_date >= start]
    every_changed = sorted({period for periods in changed.values() for period in periods})
    new = set(await _unscored_by_others(practices, every_changed))
    values = await _values_of(practices, code_of)
    returns: dict[int, dict[int, dt.datetime | None]] = defaultdict(dict)
    for practice_id, period_id, first in await return_facts.first_submissions(practice_ids=practices):
        returns[practice_id][period_id] = first
    now = clock.now()
    rows = [
        r
        for practice_id in practices
        for r in _score_rows(
            practice_id,
            orgs,
            definitions,
            scoring,
            values.get(practice_id, {}),
            returns.get(practice_id, {}),
            now,
            starts[practice_id],
        )
        if r[1] not in new
    ]
    # Practices changed from the same period onwards are replaced together.
    groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for practice_id in practices:
        groups[tuple(p for p in changed[practice_id] if p not in new)].append(practice_id)
    kept = sorted({period for key in groups for period in key})
    async with db.write_transaction():
        await db.serialise(SCORES_LOCK)
        # The organisations the practices counted under, before and after: each is re-aggregated.
        wanted: set[tuple[str, int | None]] = {("england", ENGLAND)}
        for periods_kept, members in groups.items():
            for chunk in db.chunks(members):
                old = PracticeScore.select(PracticeScore.ccg_id, PracticeScore.region_id).where(
                    PracticeScore.practice.is_in(chunk) & PracticeScore.period.is_in(list(periods_kept) or [0])
                )
                for r in await old:
                    wanted |= {("ccg", r["ccg_id"]), ("region", r["region_id"])}
                await PracticeScore.delete().where(
                    PracticeScore.practice.is_in(chunk) & PracticeScore.period.is_in(list(periods_kept) or [0])
                )
        for row in rows:
            wanted |= {("ccg", row[10]), ("region", row[11])}
        await db.bulk_insert("practice_score", SCORE_COLUMNS, rows)
        # Indicator statistics only use each period's own approved values: drop the changed ones.
        stale_stats = [p for p in every_changed if approved_in is None or p in approved_in]
        if stale_stats:
            await IndicatorStat.delete().where(IndicatorStat.period.is_in(stale_stats))
        await _refresh_orgs(wanted, kept)
        for period in scoring:
            if period.id in new:
                await _score_period(period, scoring, definitions, code_of, now)


async def _values_of(practice_ids: list[int], code_of: dict[int, str]) -> dict[int, dict[int, dict[str, float | None]]]:
    """Practices' approved values: practice id -> period id -> indicator code -> value."""
    if len(practice_ids) == 1:
        return {practice_ids[0]: await _practice_values(practice_ids[0], code_of)}
    values: dict[int, dict[int, dict[str, float | None]]] = defaultdict(lambda: defaultdict(dict))
    for practice_id, period_id, indicator_id, value in await return_facts.approved_values_of_many(practice_ids):
        code = code_of.get(indicator_id)
        if code is not None:
            values[practice_id][period_id][code] = value
    return values


async def _unscored_by_others(practice_ids: list[int], period_ids: list[int]) -> list[int]:
    """The periods among these that no practice has a score row for, apart from one of these
    practices itself: new periods (a practice's first save in a period that has just opened)."""
    if not period_ids:
        return []
    placeholders = ", ".join("{}" for _ in period_ids)
    totals = await db.fetch(
        f"SELECT period, COUNT(*) AS n FROM practice_score WHERE period IN ({placeholders}) GROUP BY period",  # noqa: S608 (placeholders only; values are bound)
        *period_ids,
    )
    total = {r["period"]: int(r["n"]) for r in totals}
    mine: dict[int, int] = defaultdict(int)
    for chunk in db.chunks(practice_ids, 400):
        marks = ", ".join("{}" for _ in chunk)
        for r in await db.fetch(
            f"""SELECT period, COUNT(*) AS n FROM practice_score
                WHERE period IN ({placeholders}) AND practice IN ({marks}) GROUP BY period""",  # noqa: S608 (placeholders only; values are bound)
            *period_ids,
            *chunk,
        ):
            mine[r["period"]] += int(r["n"])
    # One row per practice and period: a lone row belonging to one of these practices is its own.
    return [p for p in period_ids if total.get(p, 0) == 0 or (total[p] == 1 and mine[p] == 1)]


async def _score_period(
    period: ScoredPeriod,
    scoring: list[ScoredPeriod],
    definitions: dict[int, list[IndicatorSpec]],
    code_of: dict[int, str],
    now: dt.datetime,
) -> None:
    """Score one period for every practice and aggregate every organisation for it, replacing
    whatever rows it had. Runs inside the caller's transaction and reads through it (unlike
    refresh_all's bulk reader, which uses a connection of its own and would not see the return
    being written): cheap for a new period, where few practices have approved values yet."""
    orgs = await _organisations()
    returns = {
        practice_id: first for practice_id, _, first in await return_facts.first_submissions(period_id=period.id)
    }
    approved = await return_facts.approved_practices(period.id)
    # Its forecast still comes from its approved history: the maturity of earlier periods as stored.
    earlier: dict[int, dict[int, float]] = defaultdict(dict)
    for practice_id, period_id, maturity in await maturities():
        if period_id != period.id:
            earlier[practice_id][period_id] = maturity
    rows: list[tuple[Any, ...]] = []
    for practice_id in sorted(orgs.history.practices):
        # A practice without an approved return in the period has no score in it, whatever its past.
        values = await _practice_values(practice_id, code_of) if practice_id in approved else {}
        returned = {period.id: returns[practice_id]} if practice_id in returns else {}
        rows += [
            r
            for r in _score_rows(
                practice_id,
                orgs,
                definitions,
                scoring,
                values,
                returned,
                now,
                period.start_date,
                earlier.get(practice_id),
            )
            if r[1] == period.id
        ]
    await PracticeScore.delete().where(PracticeScore.period == period.id)
    await OrgScore.delete().where(OrgScore.period == period.id)
    await db.bulk_insert("practice_score", SCORE_COLUMNS, rows)
    await db.bulk_insert("org_score", ORG_COLUMNS, _org_rows([_facts_of(r) for r in rows], None, now))


async def _refresh_orgs(wanted: set[tuple[str, int | None]], period_ids: list[int]) -> None:
    """Re-aggregate England and the practice's regions and CCGs for the changed periods."""
    if not period_ids:
        return
    placeholders = ", ".join("{}" for _ in period_ids)
    rows = await db.fetch(
        f"""
        SELECT period, ccg_id, region_id, maturity, status, patients, expected, submitted, on_time,
               forecast_on, forecast_note
        FROM practice_score WHERE period IN ({placeholders})
        """,  # noqa: S608 (placeholders only; values are bound)
        *period_ids,
    )
    facts = [(r["period"], r["ccg_id"], r["region_id"], practice_facts(r)) for r in rows]
    new_rows = _org_rows(facts, wanted, clock.now())
    for scope, org_id in wanted:
        if org_id is None:
            continue
        await OrgScore.delete().where(
            (OrgScore.scope == scope) & (OrgScore.org_id == org_id) & OrgScore.period.is_in(period_ids)
        )
    await db.bulk_insert("org_score", ORG_COLUMNS, new_rows)


def _facts_of(row: tuple[Any, ...]) -> tuple[int, int | None, int | None, calc.PracticeFacts]:
    """(period, ccg, region, facts) from a practice_score row as written by _score_rows."""
    return (
        row[1],
        row[10],
        row[11],
        calc.PracticeFacts(
            maturity=row[2],
            status=row[4],
            patients=row[12],
            expected=row[13],
            submitted=row[14],
            on_time=row[15],
            forecast=stored_forecast(row[16], row[17]),
        ),
    )


def _org_rows(
    facts: list[tuple[int, int | None, int | None, calc.PracticeFacts]],
    wanted: set[tuple[str, int | None]] | None,
    now: dt.datetime,
) -> list[tuple[Any, ...]]:
    """org_score rows: England, each region and each CCG (or only those wanted), per period."""
    grouped: dict[tuple[str, int, int], list[calc.PracticeFacts]] = defaultdict(list)
    for period_id, ccg_id, region_id, f in facts:
        for scope, org_id in (("england", ENGLAND), ("region", region_id), ("ccg", ccg_id)):
            if org_id is None or (wanted is not None and (scope, org_id) not in wanted):
                continue
            grouped[(scope, org_id, period_id)].append(f)
    out = []
    for (scope, org_id, period_id), members in grouped.items():
        a = calc.aggregate(members)
        out.append(
            (
                scope,
                org_id,
                period_id,
                a.practices,
                a.scored,
                None if a.maturity is None else round(a.maturity, 3),
                a.on_track,
                a.at_risk,
                a.off_track,
                a.submitted,
                a.on_time,
                a.patients,
                json.dumps([round(c, 2) for c in a.deciles]) if a.deciles else "",
                now,
                a.forecast_met,
                a.forecast_made,
            )
        )
    return out


def _stats_for_period(
    period_id: int,
    specs: list[IndicatorSpec],
    ids: dict[str, int],
    rows: list[tuple[int, int, float | None]],
    ccg_of: dict[int, int | None],
    now: dt.datetime,
) -> list[tuple[Any, ...]]:
    """England and per-CCG statistics of one period's approved values, one row per indicator."""
    by_indicator: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for practice_id, indicator_id, value in rows:
        if value is not None:
            by_indicator[indicator_id].append((practice_id, value))
    out: list[tuple[Any, ...]] = []
    for spec in specs:
        found = ids.get(spec.code)
        if found is None:
            continue
        indicator_id = found
        pairs = by_indicator.get(indicator_id, [])
        if not pairs:
            continue

        # Meeting the target: yes for yes/no, at least the target for the others.
        threshold = 0.5 if spec.unit == "yesno" else spec.target_value
        all_values = [v for _, v in pairs]
        cuts = calc.deciles(all_values)
        per_ccg: dict[int, list[float]] = defaultdict(list)
        for practice_id, v in pairs:
            ccg_id = ccg_of.get(practice_id)
            if ccg_id:
                per_ccg[ccg_id].append(v)
        ccg_cuts = calc.deciles([sum(vs) / len(vs) for vs in per_ccg.values()])
        out.append(
            (
                indicator_id,
                period_id,
                ENGLAND,
                len(all_values),
                sum(all_values) / len(all_values),
                sum(1 for v in all_values if v >= threshold),
                json.dumps([round(c, 2) for c in cuts]) if cuts else "",
                json.dumps(ccg_cuts) if ccg_cuts else "",
                now,
            )
        )
        for ccg_id, vs in per_ccg.items():
            out.append(
                (
                    indicator_id,
                    period_id,
                    ccg_id,
                    len(vs),
                    sum(vs) / len(vs),
                    sum(1 for v in vs if v >= threshold),
                    "",
                    "",
                    now,
                )
            )
    return out


async def ensure_indicator_stats(scoring: Sequence[ScoredPeriod] | None = None) -> int:
    """Rebuild the statistics of every scored period that has none (dropped by an approval).
    `scoring`: the scored periods, when the caller has read them."""
    scoring = await scored_periods() if scoring is None else scoring
    have = {r[0] for r in await db.fetch_tuples("SELECT DISTINCT period FROM indicator_stat WHERE ccg_id = 0")}
    approved = await return_facts.periods_with_approved()
    missing = [p for p in scoring if p.id not in have and p.id in approved]
    if not missing:
        return 0
    # Dashboard views that arrive together after an approval share one rebuild.
    return await _rebuilding_stats.shared(tuple(p.id for p in missing), lambda: _rebuild_stats(missing))


_rebuilding_stats: InFlight[int] = InFlight()


async def _rebuild_stats(missing: list[ScoredPeriod]) -> int:
    definitions = await _definitions(missing)
    ids = await indicators.indicator_ids()
    orgs = await _organisations()
    now = clock.now()
    for period in missing:
        rows = await return_facts.approved_values(period.id)
        stats = _stats_for_period(period.id, definitions[period.id], ids, rows, _ccgs_in(orgs, period), now)
        async with db.write_transaction():
            await db.serialise(SCORES_LOCK)
            await IndicatorStat.delete().where(IndicatorStat.period == period.id)
            await db.bulk_insert("indicator_stat", STAT_COLUMNS, stats)
    return len(missing)


async def counts() -> dict[str, Any]:
    rows = await db.fetch("SELECT COUNT(*) AS n, MAX(computed_at) AS at FROM practice_score")
    stats = await db.fetch("SELECT COUNT(*) AS n FROM indicator_stat")
    at = rows[0]["at"]
    return {
        "practice_scores": int(rows[0]["n"]),
        "indicator_stats": int(stats[0]["n"]),
        "scores_computed_at": at.isoformat() if isinstance(at, dt.datetime) else at,
    }


# --- Periods for the dashboards -------------------------------------------------------------


async def choose_period(code: str | None, today: dt.date) -> tuple[ScoredPeriod, list[ScoredPeriod]]:
    """The period asked for (by code), or the latest whose due date has passed; and the choices."""
    choices = await scored_periods()
    if not choices:
        raise NoScores()
    if code:
        wanted = code.replace(" ", "-")
        for p in choices:
            if p.code == wanted:
                return p, choices
        raise NotFoundException(f"No scores for the period {code}")
    latest = await periods.latest_closed(today)
    if latest is not None:
        for p in choices:
            if p.id == latest["id"]:
                return p, choices
    return choices[-1], choices


def previous_year(period: ScoredPeriod, choices: list[ScoredPeriod]) -> ScoredPeriod | None:
    index = [p.id for p in choices].index(period.id)
    return choices[index - 4] if index >= 4 else None


# --- Aggregates -----------------------------------------------------------------------------


def practice_facts(r: dict[str, Any]) -> calc.PracticeFacts:
    """A practice_score row as the facts the aggregates are worked out from."""
    return calc.PracticeFacts(
        maturity=r["maturity"],
        status=r["status"] or "",
        patients=r["patients"],
        expected=bool(r["expected"]),
        submitted=bool(r["submitted"]),
        on_time=bool(r["on_time"]),
        forecast=stored_forecast(r.get("forecast_on"), r.get("forecast_note")),
    )


# What an aggregate is read from: not `computed_at`, whose conversion to a datetime on every row
# cost more than the query on a page of every CCG's scores.
_SCORE_COLUMNS = (
    "scope, org_id, period, practices, scored, maturity, on_track, at_risk, off_track, submitted, on_time,"
    " patients, deciles, forecast_met, forecast_made"
)


@functools.lru_cache(maxsize=32_768)
def _cuts(stored: str) -> tuple[float, ...]:
    return tuple(json.loads(stored))


def decoded_cuts(stored: str | None) -> list[float] | None:
    """Stored deciles (a JSON list), decoded once per distinct text: a dashboard of every CCG
    decoded hundreds of the same few texts on every view."""
    return list(_cuts(stored)) if stored else None


def _aggregate(r: dict[str, Any]) -> calc.Aggregate:
    return _aggregate_of(tuple(r[name] for name in _SCORE_NAMES))


_SCORE_NAMES = tuple(name.strip() for name in _SCORE_COLUMNS.split(","))


def _aggregate_of(row: tuple[Any, ...]) -> calc.Aggregate:
    """An aggregate from a row of `_SCORE_COLUMNS`, in that order: every CCG's, read as tuples."""
    (
        _,
        _,
        _,
        practices,
        scored,
        maturity,
        on_track,
        at_risk,
        off_track,
        submitted,
        on_time,
        patients,
        deciles,
        met,
        made,
    ) = row
    return calc.Aggregate(
        practices=practices,
        scored=scored,
        maturity=maturity,
        on_track=on_track,
        at_risk=at_risk,
        off_track=off_track,
        submitted=submitted,
        on_time=on_time,
        patients=int(patients or 0),
        deciles=decoded_cuts(deciles),
        forecast_met=met,
        forecast_made=made,
    )


def _score_columns(deciles: bool) -> str:
    return _SCORE_COLUMNS if deciles else _SCORE_COLUMNS.replace(" deciles,", " '' AS deciles,")


async def org_maturities(scope: str, period_id: int) -> dict[int, float | None]:
    """Each organisation's maturity index of one scope in a period (None: none scored yet): all a
    ranking needs, without a whole aggregate for each of England's CCGs."""
    rows = await db.fetch_tuples(
        "SELECT org_id, maturity FROM org_score WHERE scope = {} AND period = {}", scope, period_id
    )
    return {org_id: None if maturity is None else float(maturity) for org_id, maturity in rows}


async def org_scores(
    scope: str,
    period_id: int,
    org_id: int | None = None,
    *,
    deciles: bool = True,
    org_ids: Collection[int] | None = None,
) -> dict[int, calc.Aggregate]:
    """Precomputed aggregates of one scope (england, region, ccg) for a period, by organisation:
    every one's, or only `org_id`'s, or only those in `org_ids`. Without `deciles` the aggregates
    have none (a ranked list of every CCG shows none)."""
    wanted = sorted(org_ids) if org_ids is not None else None if org_id is None else [org_id]
    if wanted is not None and not wanted:
        return {}
    only = "" if wanted is None else f" AND org_id IN ({', '.join('{}' for _ in wanted)})"
    rows = await db.fetch_tuples(
        f"SELECT {_score_columns(deciles)} FROM org_score WHERE scope = {{}} AND period = {{}}{only}",  # noqa: S608 (placeholders only)
        scope,
        period_id,
        *(wanted or ()),
    )
    return {r[1]: _aggregate_of(r) for r in rows}  # r[1]: org_id


async def org_scores_by_period(
    scope: str, period_ids: Sequence[int], *, deciles: bool = True, org_ids: Collection[int] | None = None
) -> dict[int, dict[int, calc.Aggregate]]:
    """`org_scores` of one scope for each of these periods, in one read: period id -> org id ->
    aggregate (every period given has its entry, empty when it has no scores). Without `deciles`
    the aggregates have none (reporting rates need none, and every CCG's over eight periods is
    some 1,700 to decode). With `org_ids`, only those organisations' (a region's CCGs)."""
    out: dict[int, dict[int, calc.Aggregate]] = {p: {} for p in period_ids}
    if not period_ids or (org_ids is not None and not org_ids):
        return out
    columns = _score_columns(deciles)
    some = sorted(org_ids) if org_ids is not None else []
    of_orgs = f" AND org_id IN ({', '.join('{}' for _ in some)})" if org_ids is not None else ""
    rows = await db.fetch_tuples(
        f"""SELECT {columns} FROM org_score
            WHERE scope = {{}} AND period IN ({", ".join("{}" for _ in period_ids)}){of_orgs}""",  # noqa: S608 (placeholders only)
        scope,
        *period_ids,
        *some,
    )
    for r in rows:
        out[r[2]][r[1]] = _aggregate_of(r)  # r[2]: period, r[1]: org_id
    return out


async def england_score(period_id: int) -> calc.Aggregate:
    return (await org_scores("england", period_id, ENGLAND)).get(ENGLAND) or calc.aggregate([])


async def org_trend(scope: str, org_id: int) -> list[tuple[str, calc.Aggregate]]:
    """(period code, aggregate) for every scored period, oldest first."""
    return (await org_trends((scope, org_id)))[0]


async def org_trends(
    *orgs: tuple[str, int], known: Sequence[ScoredPeriod] = ()
) -> list[list[tuple[str, calc.Aggregate]]]:
    """`org_trend` of each (scope, org id), from one read of the scores: a dashboard shows its
    organisation's trend beside England's. `known`: periods the caller has read, used when they
    cover every score found (scores are of scored periods)."""
    where = " OR ".join("(scope = {} AND org_id = {})" for _ in orgs)
    rows = await db.fetch(f"SELECT {_SCORE_COLUMNS} FROM org_score WHERE {where}", *[v for org in orgs for v in org])  # noqa: S608 (placeholders only)
    every: dict[int, Any] = {p.id: {"code": p.code, "start_date": p.start_date} for p in known}
    if any(r["period"] not in every for r in rows):
        every = {p["id"]: p for p in await periods.all_periods()}
    rows.sort(key=lambda r: every[r["period"]]["start_date"])
    return [
        [(every[r["period"]]["code"], _aggregate(r)) for r in rows if (r["scope"], r["org_id"]) == org] for org in orgs
    ]


async def period_scores(period_id: int, *orgs: tuple[str, int]) -> list[calc.Aggregate | None]:
    """The aggregate of each (scope, org id) for a period (None where there is none), in one read."""
    where = " OR ".join("(scope = {} AND org_id = {})" for _ in orgs)
    rows = await db.fetch(
        f"SELECT {_SCORE_COLUMNS} FROM org_score WHERE period = {{}} AND ({where})",  # noqa: S608 (placeholders only)
        period_id,
        *[v for org in orgs for v in org],
    )
    found = {(r["scope"], r["org_id"]): _aggregate(r) for r in rows}
    return [found.get(org) for org in orgs]


async def org_names() -> tuple[dict[int, organisations.RegionName], dict[int, organisations.CcgName]]:
    """Region and CCG names, from their owner."""
    return await organisations.org_names()


# --- CCG ------------------------------------------------------------------------------------


async def ccg_practices(ccg_id: int, period: ScoredPeriod, choices: list[ScoredPeriod]) -> list[calc.CcgPractice]:
    """The CCG's practices with their scores as at the period and their late or missing returns
    over the programme up to that period."""
    upto = [p.id for p in choices if p.start_date <= period.start_date]
    placeholders = ", ".join("{}" for _ in upto)
    rows = await db.fetch_tuples(
        f"""
        SELECT s.practice AS id, s.maturity, s.level, s.status, s.patients,
               s.indicators_on_track, s.indicators_at_risk, s.indicators_off_track, s.indicators_scored,
               s.expected, s.submitted, s.on_time,
               (SELECT SUM(CASE WHEN h.expected AND NOT h.on_time THEN 1 ELSE 0 END) FROM practice_score h
                WHERE h.practice = s.practice AND h.period IN ({placeholders})) AS late_returns
        FROM practice_score s
        WHERE s.period = {{}} AND s.ccg_id = {{}}
        """,  # noqa: S608 (placeholders only; values are bound)
        *upto,
        period.id,
        ccg_id,
    )
    names = await organisations.practice_names({r[0] for r in rows})
    out = [
        calc.CcgPractice(
            id=i,
            ods_code=names[i].ods_code,
            name=names[i].name,
            maturity=maturity,
            level=level,
            status=status or "",
            patients=patients,
            indicators_on_track=on_track or 0,
            indicators_at_risk=at_risk or 0,
            indicators_off_track=off_track or 0,
            indicators_scored=scored or 0,
            late_returns=int(late or 0),
        )
        for i, maturity, level, status, patients, on_track, at_risk, off_track, scored, _, _, _, late in rows
    ]
    return sorted(out, key=lambda r: (r.name, r.ods_code))


# --- Practice -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeDetail:
    specs: list[IndicatorSpec]
    scoring: list[ScoredPeriod]
    history: list[calc.PeriodScore]  # one per scored period
    values: dict[int, dict[str, float | None]]  # approved values by period
    definitions: dict[int, list[IndicatorSpec]]  # each scored period's indicators as defined then

    def specs_for(self, period_id: int) -> list[IndicatorSpec]:
        """The indicators as the period was scored against them (today's for a period not scored)."""
        return self.definitions.get(period_id, self.specs)


async def practice_detail(practice_id: int, scoring: list[ScoredPeriod] | None = None) -> PracticeDetail:
    """One practice's approved history, scored indicator by indicator (cheap: one practice).
    `scoring`: the scored periods, when the caller has read them already."""
    specs = await indicators.active_indicators()
    ids = await indicators.indicator_ids()
    code_of = {ids[s.code]: s.code for s in specs if s.code in ids}
    scoring = scoring if scoring is not None else await scored_periods()
    values = await _practice_values(practice_id, code_of)
    definitions = await _definitions(scoring, specs)
    history = calc.score_history(definitions, [(p.id, p.end_date) for p in scoring], values)
    return PracticeDetail(specs, scoring, history, dict(values), definitions)


# --- Indicator ------------------------------------------------------------------------------


async def indicator(code: str) -> tuple[IndicatorSpec, int]:
    for spec in await indicators.active_indicators():
        if spec.code == code.upper():
            ids = await indicators.indicator_ids()
            return spec, ids[spec.code]
    raise NotFoundException()


@dataclass(frozen=True)
class IndicatorStatRow:
    """England's statistics of one indicator in one period, from the approved values."""

    period_id: int
    period_code: str
    practices: int
    mean: float | None
    met: int
    stored_deciles: str  # as stored: a page of charts uses one kind of cuts, so each is decoded when read
    stored_ccg_deciles: str = ""

    @property
    def deciles(self) -> list[float] | None:
        """The 10th to 90th percentiles of the practices' values: nine cut points."""
        return decoded_cuts(self.stored_deciles)

    @property
    def ccg_deciles(self) -> list[float] | None:
        """The same cuts of every CCG's mean."""
        return decoded_cuts(self.stored_ccg_deciles)


@dataclass(frozen=True)
class CcgIndicatorMean:
    """One CCG's mean of one indicator in one period, over its practices' approved values."""

    ccg_id: int
    period_id: int
    practices: int
    mean: float | None
    met: int
    ccg_code: str
    ccg_name: str
    region_id: int | None


async def indicator_stats(indicator_id: int) -> list[IndicatorStatRow]:
    """England's statistics of one indicator, period by period, oldest first (rebuilt first where dropped)."""
    return (await indicator_stats_of([indicator_id]))[indicator_id]


async def indicator_stats_of(
    indicator_ids: list[int], scoring: Sequence[ScoredPeriod] | None = None
) -> dict[int, list[IndicatorStatRow]]:
    """England's statistics of each of these indicators, period by period, oldest first: one
    read for a page of charts, not one per chart. `scoring`: the scored periods, when the caller
    has read them (statistics are of scored periods)."""
    out: dict[int, list[IndicatorStatRow]] = {i: [] for i in indicator_ids}
    if not indicator_ids:
        return out
    await ensure_indicator_stats(scoring)
    rows = await db.fetch(
        f"""SELECT indicator, period, practices, mean, met, deciles, ccg_deciles FROM indicator_stat
            WHERE indicator IN ({", ".join("{}" for _ in indicator_ids)}) AND ccg_id = 0""",  # noqa: S608 (placeholders only)
        *indicator_ids,
    )
    every: dict[int, tuple[str, dt.date]] = {p.id: (p.code, p.start_date) for p in scoring or ()}
    if any(r["period"] not in every for r in rows):
        every = {p.id: (p.code, p.start_date) for p in await periods.all_periods()}
    rows.sort(key=lambda r: every[r["period"]][1])
    for r in rows:
        out[r["indicator"]].append(
            IndicatorStatRow(
                period_id=r["period"],
                period_code=every[r["period"]][0],
                practices=int(r["practices"] or 0),
                mean=None if r["mean"] is None else float(r["mean"]),
                met=int(r["met"] or 0),
                stored_deciles=r["deciles"] or "",
                stored_ccg_deciles=r["ccg_deciles"] or "",
            )
        )
    return out


async def ccg_cuts_of(
    indicator_ids: list[int], scoring: Sequence[ScoredPeriod]
) -> dict[int, dict[int, tuple[float, ...]]]:
    """The deciles of every CCG's mean (England's rows' `ccg_deciles`): indicator id -> period id
    -> cuts, for these scored periods. What a CCG's fans need, read as tuples, without building a
    whole statistics row for each indicator and period. The cuts are shared: never change them."""
    out: dict[int, dict[int, tuple[float, ...]]] = {i: {} for i in indicator_ids}
    if not indicator_ids or not scoring:
        return out
    await ensure_indicator_stats(scoring)
    period_ids = [p.id for p in scoring]
    rows = await db.fetch_tuples(
        f"""SELECT indicator, period, ccg_deciles FROM indicator_stat
            WHERE indicator IN ({", ".join("{}" for _ in indicator_ids)})
              AND period IN ({", ".join("{}" for _ in period_ids)}) AND ccg_id = 0""",  # noqa: S608 (placeholders only)
        *indicator_ids,
        *period_ids,
    )
    for indicator_id, period_id, stored in rows:
        cuts = _cuts(stored) if stored else None
        if cuts:
            out[indicator_id][period_id] = cuts
    return out


@dataclass(frozen=True, slots=True)
class CcgMean:
    """One CCG's mean of an indicator in a period: all a fan of CCGs needs."""

    ccg_id: int
    period_id: int
    mean: float


async def ccg_means_of(indicator_ids: list[int], period_ids: list[int]) -> dict[int, list[CcgMean]]:
    """By indicator: every CCG's mean in each of these periods (those with a mean), in one read."""
    out: dict[int, list[CcgMean]] = {i: [] for i in indicator_ids}
    if not indicator_ids or not period_ids:
        return out
    rows = await db.fetch(
        f"""SELECT indicator, ccg_id, period, mean FROM indicator_stat
            WHERE indicator IN ({", ".join("{}" for _ in indicator_ids)})
              AND period IN ({", ".join("{}" for _ in period_ids)})
              AND ccg_id <> 0 AND mean IS NOT NULL""",  # noqa: S608 (placeholders only)
        *indicator_ids,
        *period_ids,
    )
    for r in rows:
        out[r["indicator"]].append(CcgMean(r["ccg_id"], r["period"], float(r["mean"])))
    return out


async def ccg_own_means(ccg_id: int, indicator_ids: list[int], period_ids: list[int]) -> dict[int, dict[int, float]]:
    """One CCG's mean of each of these indicators: indicator id -> period id -> mean."""
    out: dict[int, dict[int, float]] = {i: {} for i in indicator_ids}
    if not indicator_ids or not period_ids:
        return out
    rows = await db.fetch_tuples(
        f"""SELECT indicator, period, mean FROM indicator_stat
            WHERE ccg_id = {{}} AND indicator IN ({", ".join("{}" for _ in indicator_ids)})
              AND period IN ({", ".join("{}" for _ in period_ids)}) AND mean IS NOT NULL""",  # noqa: S608 (placeholders only)
        ccg_id,
        *indicator_ids,
        *period_ids,
    )
    for indicator_id, period_id, mean in rows:
        out[indicator_id][period_id] = float(mean)
    return out


@dataclass(frozen=True, slots=True)
class CcgOwnMean:
    """One CCG's mean of an indicator in a period and how many of its practices it is over."""

    indicator_id: int
    mean: float
    practices: int


async def ccg_own_period_means(
    ccg_id: int, indicator_ids: list[int], period_id: int, scoring: Sequence[ScoredPeriod] | None = None
) -> dict[int, CcgOwnMean]:
    """One CCG's mean of each of these indicators in one period (those with a mean), by indicator
    id, in one read (statistics rebuilt first where an approval dropped them). `scoring`: the
    scored periods, when the caller has read them."""
    if not indicator_ids:
        return {}
    await ensure_indicator_stats(scoring)
    rows = await db.fetch(
        f"""SELECT indicator, practices, mean FROM indicator_stat
            WHERE ccg_id = {{}} AND period = {{}} AND indicator IN ({", ".join("{}" for _ in indicator_ids)})
              AND mean IS NOT NULL""",  # noqa: S608 (placeholders only)
        ccg_id,
        period_id,
        *indicator_ids,
    )
    return {r["indicator"]: CcgOwnMean(r["indicator"], float(r["mean"]), int(r["practices"] or 0)) for r in rows}


async def ccg_indicator_means(indicator_id: int, period_ids: list[int]) -> list[CcgIndicatorMean]:
    """Each CCG's mean of one indicator in each of these periods."""
    placeholders = ", ".join("{}" for _ in period_ids)
    rows = await db.fetch(
        f"""
        SELECT ccg_id, period, practices, mean, met FROM indicator_stat
        WHERE indicator = {{}} AND period IN ({placeholders}) AND ccg_id <> 0
        """,  # noqa: S608 (placeholders only; values are bound)
        indicator_id,
        *period_ids,
    )
    _, ccgs = await organisations.org_names()
    return [
        CcgIndicatorMean(
            ccg_id=r["ccg_id"],
            period_id=r["period"],
            practices=int(r["practices"] or 0),
            mean=None if r["mean"] is None else float(r["mean"]),
            met=int(r["met"] or 0),
            ccg_code=ccgs[r["ccg_id"]].code,
            ccg_name=ccgs[r["ccg_id"]].name,
            region_id=ccgs[r["ccg_id"]].region_id,
        )
        for r in rows
        if r["ccg_id"] in ccgs
    ]


# --- Who counts where, period by period ------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A practice as it counts in one period: under the CCG and region of that period."""

    practice_id: int
    ccg_id: int | None
    region_id: int | None
    patients: int | None
    expected: bool
    received: bool
    on_time: bool
    maturity: float | None
    level: int | None
    status: str
    forecast: calc.PracticeForecast | None = None  # made from the approved history up to the period

    def facts(self) -> calc.PracticeFacts:
        """The facts the aggregates are worked out from."""
        return calc.PracticeFacts(
            maturity=self.maturity,
            status=self.status,
            patients=self.patients,
            expected=self.expected,
            submitted=self.received,
            on_time=self.on_time,
            forecast=self.forecast,
        )


_ORG_COLUMN = {"region": "region_id", "ccg": "ccg_id", "practice": "practice"}


async def period_members(period_id: int, scope: str = "england", org_id: int | None = None) -> list[Member]:
    """The practices counted under England, a region or a CCG in a period (expected, or with a
    return); for the scope "practice", that one practice's row."""
    return (await period_members_by_period([period_id], scope, org_id))[period_id]


async def period_members_by_period(
    period_ids: Sequence[int], scope: str = "england", org_id: int | None = None
) -> dict[int, list[Member]]:
    """`period_members` of each of these periods, in one read: period id -> members."""
    out: dict[int, list[Member]] = {p: [] for p in period_ids}
    if not period_ids:
        return out
    column = _ORG_COLUMN.get(scope)
    where = f" AND {column} = {{}}" if column and org_id is not None else ""
    rows = await db.fetch_tuples(
        f"""SELECT period, practice, ccg_id, region_id, patients, expected, submitted, on_time, maturity, level,
                   status, forecast_on, forecast_note
            FROM practice_score WHERE period IN ({", ".join("{}" for _ in period_ids)}){where}""",  # noqa: S608 (a fixed column name; values bound)
        *period_ids,
        *((org_id,) if where else ()),
    )
    for (
        period,
        practice,
        ccg,
        region,
        patients,
        expected,
        submitted,
        on_time,
        maturity,
        level,
        status,
        on,
        note,
    ) in rows:
        out[period].append(
            Member(
                practice,
                ccg,
                region,
                patients,
                bool(expected),
                bool(submitted),
                bool(on_time),
                maturity,
                level,
                status or "",
                stored_forecast(on, note),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class ScoredPeer:
    """A practice scored in a period, as a comparison with similar practices needs it."""

    practice_id: int
    ccg_id: int | None
    patients: int | None
    maturity: float


async def scored_peers(period_id: int, ccg_id: int | None, patients: tuple[int, int | None] | None) -> list[ScoredPeer]:
    """The practices scored in a period that counted under this CCG then, or whose list size was
    in this range (at least the first, under the second): what the similar-practices groups
    are drawn from, read without the rest of England."""
    conditions, args = [], []
    if ccg_id is not None:
        conditions.append("ccg_id = {}")
        args.append(ccg_id)
    if patients is not None:
        low, high = patients
        conditions.append("(patients >= {}" + (" AND patients < {})" if high is not None else ")"))
        args += [low] if high is None else [low, high]
    if not conditions:
        return []
    rows = await db.fetch(
        f"""SELECT practice, ccg_id, patients, maturity FROM practice_score
            WHERE period = {{}} AND maturity IS NOT NULL AND ({" OR ".join(conditions)})""",  # noqa: S608 (fixed conditions; values bound)
        period_id,
        *args,
    )
    return [ScoredPeer(r["practice"], r["ccg_id"], r["patients"], float(r["maturity"])) for r in rows]


async def ccg_regions_in(period_id: int) -> dict[int, int]:
    """Each CCG's region in a period: the region most of the practices it had then counted under."""
    return (await ccg_regions_by_period([period_id]))[period_id]


async def ccg_regions_by_period(period_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """`ccg_regions_in` for each of these periods, in one read: period id -> CCG id -> region id."""
    out: dict[int, dict[int, int]] = {p: {} for p in period_ids}
    if not period_ids:
        return out
    rows = await db.fetch(
        f"""SELECT period, ccg_id, region_id, COUNT(*) AS n FROM practice_score
           WHERE period IN ({", ".join("{}" for _ in period_ids)}) AND ccg_id IS NOT NULL AND region_id IS NOT NULL
           GROUP BY period, ccg_id, region_id ORDER BY period, ccg_id, region_id""",  # noqa: S608 (placeholders only)
        *period_ids,
    )
    best: dict[tuple[int, int], tuple[int, int]] = {}
    # In region id order, so that ties go to the lowest region id.
    for r in rows:
        key, n = (r["period"], r["ccg_id"]), int(r["n"])
        if key not in best or n > best[key][1]:
            best[key] = (r["region_id"], n)
    for (period, ccg), (region, _) in best.items():
        out[period][ccg] = region
    return out


@dataclass(frozen=True)
class TrendSums:
    """The sums one period's trend row is worked out from, over the practices counted under an
    organisation (and, when asked, one child organisation of it: `area`) in that period."""

    period_id: int
    period_code: str
    area: int | None
    maturity_x_patients: float  # sum of maturity x registered patients, where both are known
    patients_weighted: float  # sum of registered patients over the same practices
    maturity_sum: float
    maturity_count: int
    on_track: int
    graded: int
    expected: int
    submitted: int
    on_time: int


async def trend_sums(scope: str, org_id: int | None, upto: dt.date, child: str | None) -> list[TrendSums]:
    """Per period starting on or before `upto` (and per child organisation, `child` being
    "region_id" or "ccg_id"), the sums an export's trend rows are worked out from, over the practices
    counted under the scope in each period: each row with the period's code, oldest first."""
    column = _ORG_COLUMN.get(scope)
    where = f" AND s.{column} = {{}}" if column and org_id is not None else ""
    args = (org_id,) if where else ()
    every = [p for p in await periods.all_periods() if p["start_date"] <= upto]
    if not every:
        return []
    placeholders = ", ".join("{}" for _ in every)
    group = f"s.{child}" if child in ("region_id", "ccg_id") else None
    rows = await db.fetch(
        f"""SELECT s.period, {group or "NULL"} AS area,
               SUM(CASE WHEN s.maturity IS NOT NULL AND s.patients > 0 THEN s.maturity * s.patients END) AS mp,
               SUM(CASE WHEN s.maturity IS NOT NULL AND s.patients > 0 THEN s.patients END) AS pw,
               SUM(CASE WHEN s.maturity IS NOT NULL THEN s.maturity END) AS m_sum,
               COUNT(s.maturity) AS m_count,
               SUM(CASE WHEN s.status = 'on_track' THEN 1 ELSE 0 END) AS on_track,
               SUM(CASE WHEN s.status IN ('on_track', 'at_risk', 'off_track') THEN 1 ELSE 0 END) AS graded,
               SUM(CASE WHEN s.expected THEN 1 ELSE 0 END) AS expected,
               SUM(CASE WHEN s.expected AND s.submitted THEN 1 ELSE 0 END) AS submitted,
               SUM(CASE WHEN s.expected AND s.on_time THEN 1 ELSE 0 END) AS on_time
            FROM practice_score s
            WHERE s.period IN ({placeholders}){where}
            GROUP BY s.period{", " + group if group else ""}""",  # noqa: S608 (fixed fragments; values bound)
        *[p["id"] for p in every],
        *args,
    )
    order = {p["id"]: (p["start_date"], p["code"]) for p in every}
    rows.sort(key=lambda r: order[r["period"]][0])
    return [
        TrendSums(
            period_id=r["period"],
            period_code=order[r["period"]][1],
            area=r["area"],
            maturity_x_patients=float(r["mp"] or 0),
            patients_weighted=float(r["pw"] or 0),
            maturity_sum=float(r["m_sum"] or 0),
            maturity_count=int(r["m_count"] or 0),
            on_track=int(r["on_track"] or 0),
            graded=int(r["graded"] or 0),
            expected=int(r["expected"] or 0),
            submitted=int(r["submitted"] or 0),
            on_time=int(r["on_time"] or 0),
        )
        for r in rows
    ]


# --- Read by other features ------------------------------------------------------------------


async def maturities(practice_ids: list[int] | None = None) -> list[tuple[int, int, float]]:
    """(practice, period, maturity) of every scored practice and period, or of these practices'."""
    sql = "SELECT practice, period, maturity FROM practice_score WHERE maturity IS NOT NULL"
    if practice_ids is None:
        return [(r["practice"], r["period"], r["maturity"]) for r in await db.fetch(sql)]
    out: list[tuple[int, int, float]] = []
    ordered = sorted(set(practice_ids))
    for chunk in db.chunks(ordered):
        marks = ", ".join("{}" for _ in chunk)
        rows = await db.fetch(sql + f" AND practice IN ({marks})", *chunk)
        out.extend((r["practice"], r["period"], r["maturity"]) for r in rows)
    return out

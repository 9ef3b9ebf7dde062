"""A brand-new period is scored for every practice at once, never for the first one to save."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from tests.figures import world
from tests.returns.factories import complete_values
from tracker.maturity import service as maturity
from tracker.periods import service as periods
from tracker.periods.service import PeriodRow
from tracker.returns import lifecycle
from tracker.returns.calculations import Entry
from tracker.returns.service import Actor

NEW = "2018/19-Q1"
# Open in 2018/19 Q1 (E30003 closed in 2016), and Z99999, the practice that dates the editions.
OPEN_PRACTICES = {code for code, *_rest, close in world.PRACTICES if not close} | {"Z99999"}


async def _first_save(practice: dict[str, Any], period: PeriodRow, today: dt.date) -> None:
    entries = {code: Entry(value=v) for code, v in complete_values().items()}
    change = lifecycle.Change(practice, period, lifecycle.Event.SAVE, 0, entries)
    now = dt.datetime.combine(today, dt.time(10), dt.UTC)
    [outcome] = await lifecycle.apply(
        [change], party=lifecycle.Party.PRACTICE, actor=Actor(None, "test"), now=now, today=today
    )
    assert outcome.ok, outcome.message


async def _expected_codes(period_id: int) -> set[str]:
    names = {p.practice_id for p in await maturity.period_members(period_id) if p.expected}
    from tracker.organisations import service as organisations

    return {n.ods_code for n in (await organisations.practice_names(names)).values()}


async def test_the_first_return_of_a_new_period_scores_every_practice(clean_db: Any) -> None:
    built = await world.build()
    period = await periods.by_code(NEW)
    assert period is not None
    today = period["opens_on"]
    await _first_save(built["practices"]["A10001"], period, today)
    assert await _expected_codes(period["id"]) == OPEN_PRACTICES
    # England's figures for the period count every expected practice, not the one that saved.
    england = await maturity.england_score(period["id"])
    assert england.practices == len(OPEN_PRACTICES)
    assert england.submitted == 0
    # Scoring is already complete: the scheduled step finds nothing to do.
    assert not await maturity.ensure_scored(today)
    # The rows written on saving are the ones a full rebuild writes.
    on_save = sorted(await maturity.period_members(period["id"]), key=lambda m: m.practice_id)
    await maturity.refresh_all(today)
    assert sorted(await maturity.period_members(period["id"]), key=lambda m: m.practice_id) == on_save
    assert await maturity.england_score(period["id"]) == england


async def test_an_opened_period_without_returns_is_scored_by_the_scheduled_step(clean_db: Any) -> None:
    await world.build()
    period = await periods.by_code(NEW)
    assert period is not None
    assert await maturity.ensure_scored(period["opens_on"])
    assert await _expected_codes(period["id"]) == OPEN_PRACTICES
    assert not await maturity.ensure_scored(period["opens_on"])


async def test_a_half_scored_period_is_completed_by_the_scheduled_step(clean_db: Any) -> None:
    """Rows left by an older release (one practice's only) are completed, not taken as done."""
    built = await world.build()
    period = await periods.by_code(NEW)
    assert period is not None
    await maturity.ensure_scored(period["opens_on"])
    keep = built["practices"]["A10001"]["id"]
    from tracker.tables import PracticeScore

    await PracticeScore.delete().where((PracticeScore.period == period["id"]) & (PracticeScore.practice != keep))
    assert await maturity.ensure_scored(period["opens_on"])
    assert await _expected_codes(period["id"]) == OPEN_PRACTICES


async def test_the_scheduler_has_a_job_that_scores_opened_periods(clean_db: Any, settings: Any) -> None:
    from dataclasses import replace

    from tracker.jobs import JOBS

    await world.build()
    period = await periods.by_code(NEW)
    assert period is not None
    [job] = [j for j in JOBS if j.name == "score-periods"]
    await job.run(replace(settings, today=period["opens_on"]))
    assert await _expected_codes(period["id"]) == OPEN_PRACTICES


async def test_two_scorings_at_once_queue_instead_of_clashing(clean_db: Any) -> None:
    """The scheduler's scoring job and the schedules' own scoring can start in the same second;
    on PostgreSQL their deletes and inserts interleaved and the second failed on a duplicate key."""
    await world.build()
    period = await periods.by_code(NEW)
    assert period is not None
    today = period["opens_on"]
    await asyncio.gather(maturity.refresh_all(today), maturity.refresh_all(today), maturity.ensure_scored(today))
    assert await _expected_codes(period["id"]) == OPEN_PRACTICES
    assert not await maturity.ensure_scored(today)

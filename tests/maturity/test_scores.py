"""The precompute: scores from approved returns only, refreshed after an approval or correction."""

import pytest

from tests.maturity.scenario import add_return, scored_world, values_for
from tracker import db
from tracker.maturity import service
from tracker.tables import PracticeReturn, ReturnValue


async def score(practice_id, period_id):
    rows = await db.fetch("SELECT * FROM practice_score WHERE practice = {} AND period = {}", practice_id, period_id)
    return rows[0] if rows else None


async def test_refresh_scores_every_practice_from_approved_returns_only(clean_db):
    world = await scored_world()
    pa1, pa2, _pb1, pb2 = world["practices"]
    q3 = world["periods"]["2017/18-Q3"]
    q4 = world["periods"]["2017/18-Q4"]
    keen, lagging = await score(pa1["id"], q3["id"]), await score(pa2["id"], q3["id"])
    assert keen["maturity"] > lagging["maturity"]
    assert keen["status"] in ("on_track", "at_risk") and lagging["status"] == "off_track"
    assert keen["indicators_scored"] == 16
    # The submitted (not approved) Q4 return is not scored, but it counts as received on time.
    pending = await score(pa1["id"], q4["id"])
    assert pending["maturity"] is None and pending["status"] == "" and pending["submitted"] and pending["on_time"]
    # A practice that never sent a return is expected and missing.
    missing = await score(pb2["id"], q3["id"])
    assert missing["expected"] and not missing["submitted"] and missing["maturity"] is None


async def test_aggregates_are_population_weighted_and_count_returns(clean_db):
    world = await scored_world()
    pa1, pa2, *_ = world["practices"]
    q2 = world["periods"]["2017/18-Q2"]
    a1, a2 = await score(pa1["id"], q2["id"]), await score(pa2["id"], q2["id"])
    ccg = (await service.org_scores("ccg", q2["id"], world["ccgs"][0]["id"]))[world["ccgs"][0]["id"]]
    # Both practices have 6,000 patients: the weighted mean is the plain mean.
    assert ccg.maturity == pytest.approx((a1["maturity"] + a2["maturity"]) / 2, abs=0.01)
    assert (ccg.practices, ccg.submitted, ccg.on_time) == (2, 2, 1)  # A81002 was late in Q2
    england = await service.england_score(q2["id"])
    assert (england.practices, england.submitted) == (4, 3)


async def test_refresh_practice_after_a_correction(clean_db):
    world = await scored_world()
    pa2 = world["practices"][1]
    q3 = world["periods"]["2017/18-Q3"]
    before = await score(pa2["id"], q3["id"])
    ccg_id = world["ccgs"][0]["id"]
    ccg_before = (await service.org_scores("ccg", q3["id"], ccg_id))[ccg_id]
    # The CCG corrects A81002's Q3 return: everything at 100%/yes.
    ret = (
        await PracticeReturn.select(PracticeReturn.id)
        .where((PracticeReturn.practice == pa2["id"]) & (PracticeReturn.period == q3["id"]))
        .first()
    )
    await ReturnValue.update({ReturnValue.value: 100}).where(ReturnValue.practice_return == ret["id"])
    await service.refresh_practice(pa2["id"], q3["id"])
    after = await score(pa2["id"], q3["id"])
    assert after["maturity"] == 100 and after["maturity"] > before["maturity"]
    ccg_after = (await service.org_scores("ccg", q3["id"], ccg_id))[ccg_id]
    assert ccg_after.maturity > ccg_before.maturity
    # The indicator statistics of that period were dropped and are rebuilt when next read.
    assert await service.ensure_indicator_stats() == 1


async def test_refresh_practice_after_an_approval_adds_the_period(clean_db):
    world = await scored_world()
    pb2 = world["practices"][3]
    q3 = world["periods"]["2017/18-Q3"]
    await add_return(pb2, q3, values_for(3, keen=True))
    await service.refresh_practice(pb2["id"], q3["id"])
    assert (await score(pb2["id"], q3["id"]))["maturity"] is not None
    england = await service.england_score(q3["id"])
    assert england.scored == 4


async def test_refresh_practice_inside_the_approvals_transaction(clean_db):
    """The returns feature may call it inside its own write transaction: it joins that one."""
    world = await scored_world()
    pb2 = world["practices"][3]
    q3 = world["periods"]["2017/18-Q3"]
    async with db.write_transaction():
        await add_return(pb2, q3, values_for(3, keen=False))
        await service.refresh_practice(pb2["id"], q3["id"])
    assert (await score(pb2["id"], q3["id"]))["maturity"] is not None


async def test_scores_of_several_organisations_in_one_read_are_each_ones_own(clean_db):
    world = await scored_world()
    ccg_id = world["ccgs"][0]["id"]
    q3 = world["periods"]["2017/18-Q3"]
    mine, england, none = await service.period_scores(q3["id"], ("ccg", ccg_id), ("england", 0), ("ccg", -1))
    assert mine == (await service.org_scores("ccg", q3["id"], ccg_id))[ccg_id]
    assert england == await service.england_score(q3["id"]) and none is None
    ccg_trend, england_trend = await service.org_trends(("ccg", ccg_id), ("england", 0))
    assert [code for code, _ in ccg_trend] == [code for code, _ in england_trend] and len(ccg_trend) >= 7
    assert dict(ccg_trend)["2017/18-Q3"] == mine and dict(england_trend)["2017/18-Q3"] == england
    _, choices = await service.choose_period("2017/18-Q3", q3["start_date"])
    assert await service.org_trends(("ccg", ccg_id), ("england", 0), known=choices) == [ccg_trend, england_trend]
    assert await service.org_trends(("ccg", ccg_id), known=choices[:2]) == [ccg_trend]  # too few: all are read


async def test_only_a_change_to_approved_values_drops_a_periods_statistics(clean_db):
    """The statistics are worked out from approved values: a draft saved or a return sent keeps
    them (on deadline day every draft used to send the next dashboard view back to England's every
    value); an approval drops them, to be worked out again when next read."""
    import datetime as dt

    from tracker.periods import service as periods
    from tracker.returns import lifecycle
    from tracker.returns.calculations import Entry
    from tracker.returns.service import Actor

    world = await scored_world()
    pa1, pa2, *_ = world["practices"]
    q4 = await periods.by_code("2017/18-Q4")
    now = dt.datetime(2018, 4, 20, 12, tzinfo=dt.UTC)
    actor = Actor(None, "test", "127.0.0.1")

    async def fire(practice, event, party, version, entries=None):
        [outcome] = await lifecycle.apply(
            [lifecycle.Change({"id": practice["id"], "ods_code": practice["ods_code"]}, q4, event, version, entries)],
            party=party,
            actor=actor,
            now=now,
            today=now.date(),
        )
        assert outcome.ok, outcome.message

    await fire(pa1, lifecycle.Event.APPROVE, lifecycle.Party.CCG, 1)
    assert await service.ensure_indicator_stats() == 1  # Q4 now has approved values
    entries = {code: Entry(value=value) for code, value in values_for(5, keen=False).items()}
    await fire(pa2, lifecycle.Event.SAVE, lifecycle.Party.PRACTICE, 0, entries)
    assert await service.ensure_indicator_stats() == 0
    await fire(pa2, lifecycle.Event.SUBMIT, lifecycle.Party.PRACTICE, 1, entries)
    assert await service.ensure_indicator_stats() == 0
    await fire(pa2, lifecycle.Event.APPROVE, lifecycle.Party.CCG, 2)
    assert await service.ensure_indicator_stats() == 1

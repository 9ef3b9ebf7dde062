"""Transition fund, capital bids, forecasts and reallocation against the database."""

from __future__ import annotations

import pytest

from tests.factories import make_ccg, make_practice, make_region
from tracker.audit import service as audit
from tracker.funding import applications_service, reallocation_service, service
from tracker.funding.calculations import FundingError, ReallocationPolicy
from tracker.funding.streams import ensure_standard_streams
from tracker.tables import ReallocationAdjustment, TransitionApplication

ACTOR = service.Actor(label="test")
YEAR = "2018/19"


async def _three_ccgs_with_budgets() -> list[dict]:
    region = await make_region("Y63")
    ccgs = [await make_ccg(code, region=region) for code in ("00K", "11J", "22A")]
    for ccg, patients in zip(ccgs, (1000, 1000, 3000), strict=True):
        await make_practice(ccg, patients=patients)
    await ensure_standard_streams()
    plan = await service.plan_allocation(
        pot_pence=5_000_000, stream_code="GPIT_REVENUE", financial_year=YEAR, basis="register"
    )
    await service.approve_run(await service.save_plan(plan, ACTOR), ACTOR)
    return ccgs


async def test_transition_awards_scaled_when_oversubscribed(clean_db):
    a, b, _ = await _three_ccgs_with_budgets()  # fair shares 1,000,000p each for a and b
    await applications_service.apply_for_transition(
        ccg_id=a["id"],
        stream_code="GPIT_TRANSITION",
        financial_year=YEAR,
        committed_pence=1_600_000,
        requested_pence=600_000,
        actor=ACTOR,
    )
    await applications_service.apply_for_transition(
        ccg_id=b["id"],
        stream_code="GPIT_TRANSITION",
        financial_year=YEAR,
        committed_pence=1_200_000,
        requested_pence=200_000,
        actor=ACTOR,
    )
    with pytest.raises(FundingError, match="already applied"):
        await applications_service.apply_for_transition(
            ccg_id=b["id"],
            stream_code="GPIT_TRANSITION",
            financial_year=YEAR,
            committed_pence=1,
            requested_pence=1,
            actor=ACTOR,
        )
    awards = await applications_service.award_transition(
        "GPIT_TRANSITION", YEAR, 400_000, year=1, taper_pct=50, actor=ACTOR
    )
    assert awards == {"00K": 300_000, "11J": 100_000}  # 800,000 asked, 400,000 available: half each
    rows = {r["ccg"]: (r["state"], r["awarded_pence"]) for r in await TransitionApplication.select()}
    assert rows == {a["id"]: ("awarded", 300_000), b["id"]: ("awarded", 100_000)}
    budgets = {r.ccg_id: r for r in await service.budgets() if r.transition_pence}
    assert budgets[a["id"]].transition_pence == 300_000


async def test_capital_bid_part_approved_and_decided_once(clean_db):
    a, _, _ = await _three_ccgs_with_budgets()
    bid_id = await applications_service.submit_bid(
        ccg_id=a["id"],
        stream_code="GPIT_CAPITAL",
        financial_year=YEAR,
        title="Wi-Fi",
        purpose="",
        indicator_codes=[],
        amount_pence=1000,
        actor=ACTOR,
    )
    with pytest.raises(FundingError, match="between"):
        await applications_service.decide_bid(bid_id, 2000, "", ACTOR)
    assert await applications_service.decide_bid(bid_id, 600, "phase one", ACTOR) == "part"
    with pytest.raises(FundingError, match="already"):
        await applications_service.decide_bid(bid_id, 1000, "", ACTOR)
    with pytest.raises(FundingError, match="Unknown indicator"):
        await applications_service.submit_bid(
            ccg_id=a["id"],
            stream_code="GPIT_CAPITAL",
            financial_year=YEAR,
            title="x",
            purpose="",
            indicator_codes=["NOPE"],
            amount_pence=1,
            actor=ACTOR,
        )


async def test_reallocation_previewed_then_applied_conserves_money(clean_db):
    a, b, c = await _three_ccgs_with_budgets()  # budgets 1,000,000 / 1,000,000 / 3,000,000
    for ccg, outturn in ((a, 700_000), (b, 1_100_000), (c, 3_300_000)):
        await reallocation_service.enter_forecast(
            ccg_id=ccg["id"],
            stream_code="GPIT_REVENUE",
            financial_year=YEAR,
            quarter=2,
            outturn_pence=outturn,
            note="",
            actor=ACTOR,
        )
    policy = ReallocationPolicy(threshold_pct=10, recover_pct=100, recipients="pressure")
    scenario = await reallocation_service.preview_scenario(
        stream_code="GPIT_REVENUE", financial_year=YEAR, quarter=2, policy=policy, reason="mid-year", actor=ACTOR
    )
    detail = await reallocation_service.scenario_detail(scenario)
    moves = {r.ccg_code: r.amount_pence for r in detail.adjustments}
    # 00K: underspend 300,000, allowed 100,000 -> 200,000 recovered; 11J and 22A (pressure) share it 1:3.
    assert moves == {"00K": -200_000, "11J": 50_000, "22A": 150_000}
    before = {r.ccg_id: r.budget_pence for r in await service.budgets()}
    assert sum(before.values()) == 5_000_000  # a preview changes no budget
    await reallocation_service.apply_scenario(scenario, ACTOR)
    after = {r.ccg_id: r.budget_pence for r in await service.budgets()}
    assert sum(after.values()) == 5_000_000
    assert after[a["id"]] == 800_000
    with pytest.raises(FundingError, match="previewed"):
        await reallocation_service.apply_scenario(scenario, ACTOR)
    assert await audit.count("funding.reallocation.applied") == 1


async def test_reallocation_refusals_write_nothing(clean_db):
    await _three_ccgs_with_budgets()
    with pytest.raises(FundingError, match="reason"):
        await reallocation_service.preview_scenario(
            stream_code="GPIT_REVENUE",
            financial_year=YEAR,
            quarter=2,
            policy=ReallocationPolicy(),
            reason=" ",
            actor=ACTOR,
        )
    with pytest.raises(FundingError, match="threshold"):
        await reallocation_service.preview_scenario(
            stream_code="GPIT_REVENUE",
            financial_year=YEAR,
            quarter=2,
            policy=ReallocationPolicy(threshold_pct=120),
            reason="x",
            actor=ACTOR,
        )
    with pytest.raises(FundingError, match="No CCG has a budget"):
        await reallocation_service.preview_scenario(
            stream_code="GPIT_REVENUE",
            financial_year="2010/11",
            quarter=2,
            policy=ReallocationPolicy(),
            reason="x",
            actor=ACTOR,
        )
    assert await ReallocationAdjustment.count() == 0
    with pytest.raises(FundingError, match="negative"):
        await reallocation_service.enter_forecast(
            ccg_id=1, stream_code="GPIT_REVENUE", financial_year=YEAR, quarter=1, outturn_pence=-1, note="", actor=ACTOR
        )

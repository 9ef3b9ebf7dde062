"""What the funding feature tells other features (the exports): its records up to a financial
year or a day, for every CCG or some, and when they last changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import make_org_tree
from tracker.funding import facts_service as facts
from tracker.tables import (
    AllocationLine,
    AllocationRun,
    CapitalBid,
    FundingStream,
    PracticeAward,
    ReallocationAdjustment,
    ReallocationScenario,
    TransitionApplication,
)

AT = dt.datetime(2017, 6, 1, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2018, 2, 1, 9, 0, tzinfo=dt.UTC)


async def _id(query: Any) -> int:
    return int((await query)[0]["id"])


async def test_records_up_to_a_year_for_some_ccgs(clean_db: Any) -> None:
    tree = await make_org_tree()
    ccg_a, ccg_b = tree["ccgs"]
    pa1 = tree["practices"][0]
    assert await facts.every_stream() == []
    assert await facts.last_changed_at() is None
    stream = await _id(
        FundingStream.insert(
            FundingStream(code="S", name="S", kind="revenue", method="fair_share", pot_pence=100, created_at=AT)
        ).returning(FundingStream.id)
    )
    for year, state in (("2017/18", "approved"), ("2018/19", "approved"), ("2016/17", "preview")):
        run = await _id(
            AllocationRun.insert(
                AllocationRun(
                    stream=stream,
                    financial_year=year,
                    pot_pence=100,
                    snapshot_date=dt.date(2017, 4, 1),
                    state=state,
                    created_at=AT,
                    approved_at=AT if state == "approved" else None,
                )
            ).returning(AllocationRun.id)
        )
        await AllocationLine.insert(
            AllocationLine(run=run, ccg_code="11J", ccg=ccg_b["id"], patients=5, amount_pence=60),
            AllocationLine(run=run, ccg_code="00K", ccg=ccg_a["id"], patients=5, amount_pence=40),
        )
    for ccg in (ccg_a, ccg_b):
        common = {"stream": stream, "ccg": ccg["id"], "financial_year": "2017/18", "created_at": AT}
        await TransitionApplication.insert(
            TransitionApplication(committed_costs_pence=1, fair_share_pence=1, requested_pence=7, **common)
        )
        await CapitalBid.insert(CapitalBid(title="Scanners", amount_pence=9, **common))
    for state in ("applied", "preview"):
        scenario = await _id(
            ReallocationScenario.insert(
                ReallocationScenario(
                    stream=stream,
                    financial_year="2017/18",
                    quarter=3,
                    threshold_pct=5.0,
                    state=state,
                    created_at=AT,
                    applied_at=LATER if state == "applied" else None,
                )
            ).returning(ReallocationScenario.id)
        )
        await ReallocationAdjustment.insert(ReallocationAdjustment(scenario=scenario, ccg=ccg_a["id"], amount_pence=3))
    await PracticeAward.insert(
        PracticeAward(
            practice=pa1["id"],
            ccg=ccg_a["id"],
            stream=stream,
            award_date=dt.date(2017, 11, 1),
            amount_pence=5,
            created_at=AT,
        )
    )

    assert [s.code for s in await facts.every_stream()] == ["S"]
    lines = await facts.approved_fair_shares("2017/18")
    assert [(line.financial_year, line.ccg_code, line.amount_pence) for line in lines] == [
        ("2017/18", "00K", 40),
        ("2017/18", "11J", 60),
    ]
    assert [line.ccg_id for line in await facts.approved_fair_shares("2017/18", [ccg_b["id"]])] == [ccg_b["id"]]
    assert await facts.approved_fair_shares("2017/18", []) == []
    assert [t.ccg_id for t in await facts.transitions("2017/18", [ccg_a["id"]])] == [ccg_a["id"]]
    assert await facts.transitions("2016/17") == []
    assert len(await facts.capital_bids("2017/18")) == 2
    assert [(a.quarter, a.amount_pence) for a in await facts.applied_reallocations("2017/18")] == [(3, 3)]
    assert await facts.applied_reallocations("2017/18", [ccg_b["id"]]) == []
    assert [w.practice_id for w in await facts.awards_up_to(dt.date(2017, 12, 31))] == [pa1["id"]]
    assert await facts.awards_up_to(dt.date(2017, 10, 31)) == []
    assert await facts.last_changed_at() == LATER

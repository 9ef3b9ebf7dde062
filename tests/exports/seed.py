"""A small, fully known world for the export tests: two regions, two CCGs, four practices (one
named like a formula), returns for 2017/18 Q3 with a formula-like comment, scores and funding."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import make_org_tree, make_practice
from tests.returns.factories import complete_values, make_return, period, setup_catalogue
from tracker.tables import (
    AllocationLine,
    AllocationRun,
    FundingStream,
    PracticeAward,
    PracticeScore,
    ReturnValue,
)

PERIOD = "2017/18-Q3"  # due 2018-01-30: the latest closed period on 2018-04-20
EVIL_NAME = '=HYPERLINK("http://evil.example","Click")'
EVIL_COMMENT = "=1+1 is what we typed"
ON_TIME = dt.datetime(2018, 1, 20, 10, 0, tzinfo=dt.UTC)
LATE = dt.datetime(2018, 2, 14, 10, 0, tzinfo=dt.UTC)
COMPUTED = dt.datetime(2018, 3, 1, 12, 0, tzinfo=dt.UTC)


async def seed_world(*, funding: bool = True) -> dict[str, Any]:
    tree = await make_org_tree()
    ids = await setup_catalogue()
    ccg_a, ccg_b = tree["ccgs"]
    pa1, pa2, pb1, _pb2 = tree["practices"]
    evil = await make_practice(ccg_b, "J81003", EVIL_NAME, patients=3000)
    # 00K: A81001 on time with e-RS at 40%, A81002 late with e-RS at 80%.
    r1 = await make_return(pa1, PERIOD, "approved", complete_values(ERS_UTIL_PCT=40.0), submitted_at=ON_TIME)
    await make_return(pa2, PERIOD, "approved", complete_values(ERS_UTIL_PCT=80.0), submitted_at=LATE)
    # 11J: J81001 on time with e-RS at 90%; J81002 never started; the evil practice only a draft.
    await make_return(pb1, PERIOD, "approved", complete_values(ERS_UTIL_PCT=90.0), submitted_at=ON_TIME)
    await make_return(evil, PERIOD, "draft", complete_values())
    await ReturnValue.update({ReturnValue.comment: EVIL_COMMENT}).where(
        (ReturnValue.practice_return == r1["id"]) & (ReturnValue.indicator == ids["ERS_UTIL_PCT"])
    )
    pe = await period(PERIOD)
    # Scores as the maturity refresh leaves them, with the facts the dashboards aggregate.
    scores = (
        (pa1, ccg_a, 60.0, 3, "on_track", True, True),
        (pa2, ccg_a, 40.0, 2, "off_track", True, False),
        (pb1, ccg_b, 80.0, 4, "at_risk", True, True),
        (_pb2, ccg_b, None, None, "", False, False),
        (evil, ccg_b, None, None, "", False, False),
    )
    for practice, ccg, maturity, level, status, submitted, on_time in scores:
        await PracticeScore.insert(
            PracticeScore(
                practice=practice["id"],
                period=pe["id"],
                maturity=maturity,
                level=level,
                status=status,
                indicators_scored=16 if maturity is not None else 0,
                computed_at=COMPUTED,
                ccg_id=ccg["id"],
                region_id=ccg["region"],
                patients=3000 if practice is evil else 6000,
                expected=True,
                submitted=submitted,
                on_time=on_time,
            )
        )
    if funding:
        stream = (
            await FundingStream.insert(
                FundingStream(
                    code="GPIT_REVENUE",
                    name="GP IT revenue",
                    kind="revenue",
                    method="fair_share",
                    financial_years="2017/18",
                    pot_pence=100_000_00,
                    created_at=COMPUTED,
                )
            ).returning(FundingStream.id)
        )[0]["id"]
        run = (
            await AllocationRun.insert(
                AllocationRun(
                    stream=stream,
                    financial_year="2017/18",
                    pot_pence=100_000_00,
                    snapshot_date=dt.date(2017, 4, 1),
                    total_patients=24000,
                    state="approved",
                    created_at=COMPUTED,
                    approved_at=COMPUTED,
                )
            ).returning(AllocationRun.id)
        )[0]["id"]
        await AllocationLine.insert(
            AllocationLine(run=run, ccg_code="00K", ccg=ccg_a["id"], patients=12000, amount_pence=50_000_00),
            AllocationLine(run=run, ccg_code="11J", ccg=ccg_b["id"], patients=12000, amount_pence=50_000_00),
        )
        await PracticeAward.insert(
            PracticeAward(
                practice=pa1["id"],
                ccg=ccg_a["id"],
                stream=stream,
                award_date=dt.date(2017, 11, 1),
                amount_pence=2_500_00,
                purpose="=scanning",
                created_at=COMPUTED,
            )
        )
    return {**tree, "evil": evil, "ids": ids}

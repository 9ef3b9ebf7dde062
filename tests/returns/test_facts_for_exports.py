"""What the returns feature tells the exports: a period's comments, each practice's latest approved
values, and when returns last changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import make_org_tree
from tests.returns.factories import NOW, complete_values, make_return, period, setup_catalogue
from tracker.periods import service as periods
from tracker.returns import facts_service as facts
from tracker.tables import ReturnValue


async def test_latest_approved_values_skip_drafts_and_later_periods(clean_db: Any) -> None:
    tree = await make_org_tree()
    ids = await setup_catalogue()
    pa1, pa2, pb1, pb2 = tree["practices"]
    await make_return(pa1, "2017/18-Q1", "approved", complete_values(ERS_UTIL_PCT=10.0))
    await make_return(pa1, "2017/18-Q2", "approved", complete_values(ERS_UTIL_PCT=20.0))
    await make_return(pa1, "2017/18-Q3", "draft", complete_values(ERS_UTIL_PCT=30.0))
    await make_return(pa2, "2017/18-Q4", "approved", complete_values(ERS_UTIL_PCT=40.0))
    await make_return(pb1, "2017/18-Q2", "approved", {})  # approved without a value: no row
    await make_return(pb2, "2017/18-Q1", "approved", complete_values(ERS_UTIL_PCT=50.0))
    upto = [p for p in await periods.all_periods() if p["start_date"] <= dt.date(2017, 10, 1)]
    q2 = await period("2017/18-Q2")

    found = await facts.latest_approved_values(
        [pa1["id"], pa2["id"], pb1["id"]], [p["id"] for p in upto], [ids["ERS_UTIL_PCT"]]
    )

    assert found == [facts.LatestValues(pa1["id"], q2["id"], {ids["ERS_UTIL_PCT"]: 20.0})]


async def test_a_periods_comments_and_the_last_change(clean_db: Any) -> None:
    tree = await make_org_tree()
    ids = await setup_catalogue()
    pa1, pa2, _, _ = tree["practices"]
    assert await facts.last_changed_at() is None
    r1 = await make_return(pa1, "2017/18-Q3", "approved", complete_values())
    await make_return(pa2, "2017/18-Q3", "draft", complete_values())
    await make_return(pa2, "2017/18-Q2", "approved", complete_values())
    await ReturnValue.update({ReturnValue.comment: "scanner broken"}).where(
        (ReturnValue.practice_return == r1["id"]) & (ReturnValue.indicator == ids["ERS_UTIL_PCT"])
    )
    q3 = await period("2017/18-Q3")

    assert await facts.period_comments(q3["id"]) == [
        facts.ValueComment(pa1["id"], ids["ERS_UTIL_PCT"], "scanner broken")
    ]
    assert await facts.last_changed_at() == NOW

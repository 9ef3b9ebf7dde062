"""England's 5th and 95th percentiles on the review queue are kept between views, and worked out
again once a return of the period changes: a view never shows cut points of returns that differ."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from tests.factories import make_org_tree, make_practice
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tracker.accounts import service as accounts
from tracker.accounts.principal import Role
from tracker.indicators import service as indicators
from tracker.periods import service as periods
from tracker.returns import review_checks, review_service
from tracker.returns.service import Actor
from tracker.tables import PracticeReturn

NOW = dt.datetime(2018, 4, 20, 12, 0, tzinfo=dt.UTC)


async def test_the_cut_points_follow_every_change_to_the_periods_returns(clean_db: Any) -> None:
    await setup_catalogue()
    tree = await make_org_tree()
    ccg = tree["ccgs"][0]
    sent = []
    for n in range(12):
        practice = await make_practice(ccg, code=f"B{n:05d}")
        sent.append(await make_return(practice, OPEN, "submitted", complete_values(PO_REG_PCT=float(5 + 5 * n))))
    found = await periods.by_code(OPEN)
    assert found is not None
    period = found.id
    indicator = (await indicators.indicator_ids())["PO_REG_PCT"]

    async def cut() -> tuple[float, float]:
        return (await review_service._national_cuts([period], [indicator], review_checks.LIMITS))[(period, indicator)]

    first = await cut()
    assert first == await cut()  # kept, and the same
    # A return sent back to the practice no longer counts: the lowest value leaves the peers
    user = await accounts.load_principal(tree["users"][Role.CCG]["id"])
    assert user is not None
    decision = await review_service.decide(
        [sent[0]["id"]],
        approve=False,
        reason="Check the registrations",
        user=user,
        actor=Actor(user.id, user.email, "127.0.0.1"),
        now=NOW,
        today=NOW.date(),
        base_url="http://127.0.0.1:8000",
    )
    assert not decision.refused
    second = await cut()
    assert second[0] > first[0]
    # A new return that is in counts at once
    late = await make_practice(ccg, code="B99999")
    await make_return(late, OPEN, "submitted", complete_values(PO_REG_PCT=1.0))
    assert (await cut())[0] < second[0]


async def test_a_draft_saved_keeps_the_cut_points(clean_db: Any) -> None:
    await setup_catalogue()
    tree = await make_org_tree()
    ccg = tree["ccgs"][0]
    for n in range(12):
        practice = await make_practice(ccg, code=f"B{n:05d}")
        await make_return(practice, OPEN, "submitted", complete_values(PO_REG_PCT=float(5 + 5 * n)))
    drafting = await make_practice(ccg, code="B77777")
    draft = await make_return(drafting, OPEN, "draft", complete_values(PO_REG_PCT=50.0))
    found = await periods.by_code(OPEN)
    assert found is not None
    indicator = (await indicators.indicator_ids())["PO_REG_PCT"]
    await review_service._national_cuts([found.id], [indicator], review_checks.LIMITS)
    kept = review_service._NATIONAL_CUTS[(found.id, (indicator,), review_checks.LIMITS)]

    # The practice saves its draft again: nothing the cut points are worked out from has changed
    await PracticeReturn.update(
        {PracticeReturn.version: PracticeReturn.version + 1, PracticeReturn.updated_at: NOW}
    ).where(PracticeReturn.id == draft["id"])
    await review_service._national_cuts([found.id], [indicator], review_checks.LIMITS)
    assert review_service._NATIONAL_CUTS[(found.id, (indicator,), review_checks.LIMITS)] is kept

    # It sends it: now it is in, and the cut points are worked out again
    await PracticeReturn.update({PracticeReturn.state: "submitted"}).where(PracticeReturn.id == draft["id"])
    await review_service._national_cuts([found.id], [indicator], review_checks.LIMITS)
    assert review_service._NATIONAL_CUTS[(found.id, (indicator,), review_checks.LIMITS)] is not kept


async def test_queue_views_that_arrive_together_read_englands_values_once(clean_db: Any, monkeypatch: Any) -> None:
    await setup_catalogue()
    tree = await make_org_tree()
    for n in range(12):
        practice = await make_practice(tree["ccgs"][0], code=f"B{n:05d}")
        await make_return(practice, OPEN, "submitted", complete_values(PO_REG_PCT=float(5 + 5 * n)))
    found = await periods.by_code(OPEN)
    assert found is not None
    indicator = (await indicators.indicator_ids())["PO_REG_PCT"]
    reads = 0
    work_out = review_service._work_out_cuts

    async def counted(*args: Any) -> Any:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.3)  # a national read takes this long: every view arrives meanwhile
        return await work_out(*args)

    monkeypatch.setattr(review_service, "_work_out_cuts", counted)
    views = await asyncio.gather(
        *(review_service._national_cuts([found.id], [indicator], review_checks.LIMITS) for _ in range(6))
    )
    assert reads == 1
    assert all(view == views[0] for view in views) and views[0]

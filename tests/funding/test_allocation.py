"""Fair-share runs against the database: by hand, refusals, approval, and the real list-size file."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from tests.conftest import SHARED_DATA
from tests.factories import make_ccg, make_practice, make_region
from tracker import db
from tracker.audit import service as audit
from tracker.funding import service
from tracker.funding.calculations import FundingError
from tracker.funding.streams import ensure_standard_streams
from tracker.organisations import import_service
from tracker.tables import AllocationLine, AllocationRun, ListSize

ACTOR = service.Actor(label="test")


async def _two_ccgs() -> tuple[dict, dict]:
    region = await make_region("Y63")
    a = await make_ccg("00K", region=region)
    b = await make_ccg("11J", region=region)
    await make_practice(a, "A81001", patients=3000)
    await make_practice(a, "A81002", patients=3000)
    await make_practice(b, "J81001", patients=1000)
    await ensure_standard_streams()
    return a, b


async def test_small_allocation_by_hand_then_approve_and_supersede(clean_db):
    a, b = await _two_ccgs()
    # 7,000 patients; 10p: 00K has 6/7 -> 8.571 -> 8 (+1 for the largest remainder .571) = 9; 11J 1.43 -> 1.
    plan = await service.plan_allocation(
        pot_pence=10, stream_code="GPIT_REVENUE", financial_year="2018/19", basis="register"
    )
    assert [(ln.ccg_code, ln.patients, ln.amount_pence) for ln in plan.lines] == [("00K", 6000, 9), ("11J", 1000, 1)]
    assert await AllocationRun.count() == 0  # planning writes nothing

    first = await service.save_plan(plan, ACTOR)
    await service.approve_run(first, ACTOR)
    with pytest.raises(FundingError, match="never changed"):
        await service.approve_run(first, ACTOR)

    # A new run for the same year supersedes; its lines carry the previous baseline.
    plan2 = await service.plan_allocation(
        pot_pence=7_000_00, stream_code="GPIT_REVENUE", financial_year="2018/19", basis="register"
    )
    assert [(ln.amount_pence, ln.previous_pence) for ln in plan2.lines] == [(600_000, 9), (100_000, 1)]
    second = await service.save_plan(plan2, ACTOR)
    await service.approve_run(second, ACTOR)
    states = {r["id"]: (r["state"], r["superseded_by"]) for r in await AllocationRun.select()}
    assert states == {first: ("superseded", second), second: ("approved", None)}
    budgets = {r.ccg_id: r.fair_share_pence for r in await service.budgets()}
    assert budgets == {a["id"]: 600_000, b["id"]: 100_000}
    assert await audit.count("funding.run.approved") == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pot_pence": -1}, "negative"),
        ({"snapshot": dt.date(2014, 4, 1)}, "no list sizes for the snapshot 2014-04-01"),
        ({"stream_code": "NO_SUCH"}, "no funding stream"),
        ({"stream_code": "GPIT_CAPITAL"}, "not allocated by fair share"),
        ({"financial_year": "2018"}, "2014/15"),
        ({"weights": {"99Z": 2.0}}, "Unknown CCG"),
    ],
)
async def test_refused_inputs_write_nothing(clean_db, kwargs, message):
    await _two_ccgs()
    args = {"pot_pence": 1000, "stream_code": "GPIT_REVENUE", "financial_year": "2018/19", **kwargs}
    with pytest.raises(FundingError, match=message):
        await service.plan_allocation(**args)
    assert await AllocationRun.count() == 0 and await AllocationLine.count() == 0


async def test_no_list_sizes_at_all_is_refused(clean_db):
    await ensure_standard_streams()
    with pytest.raises(FundingError, match="no list sizes"):
        await service.plan_allocation(pot_pence=1000, stream_code="GPIT_REVENUE", financial_year="2018/19")


async def test_the_real_list_size_file_sums_exactly_to_the_pot(clean_db):
    await import_service.import_ods((SHARED_DATA / "epraccur.csv").read_bytes())
    await import_service.import_list_sizes((SHARED_DATA / "gp-reg-pat-prac-all.csv").read_bytes())
    await ensure_standard_streams()
    pot = 140_000_000_00
    published = {
        r["ccg_code"]: int(r["n"])
        for r in await db.fetch("SELECT ccg_code, SUM(patients) AS n FROM list_size GROUP BY ccg_code")
    }
    total = sum(published.values())
    plan = await service.plan_allocation(pot_pence=pot, stream_code="GPIT_REVENUE", financial_year="2020/21")
    assert sum(ln.amount_pence for ln in plan.lines) == pot
    assert {ln.ccg_code: ln.patients for ln in plan.lines} == published
    for ln in plan.lines:
        assert abs(Fraction(ln.amount_pence) - Fraction(pot * ln.patients, total)) < 1  # within a penny
    # The 2021 file's merged CCGs are kept under their published codes, flagged as not in the register.
    assert "16C" in plan.unknown_codes and "00L" not in plan.unknown_codes
    # On the register basis every line is a CCG the tracker knows.
    register = await service.plan_allocation(
        pot_pence=pot, stream_code="GPIT_REVENUE", financial_year="2020/21", basis="register"
    )
    assert sum(ln.amount_pence for ln in register.lines) == pot and not register.unknown_codes
    assert sum(ln.patients for ln in register.lines) == total
    assert await ListSize.count() > 6000

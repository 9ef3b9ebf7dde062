"""Funding: NHS England (national, admin) allocates and decides; a CCG's lead manages its own
forecasts, bids and awards; regions see their region; fair-share runs are published to every
funding role; a practice's awards are seen by those who may see the practice."""

from typing import Any

from tests.route_matrix.matrix import Entry, any_org, merge, own_org
from tracker.accounts.principal import Role

P, C, R, N, A = Role.PRACTICE, Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN
FUNDING = any_org(C, R, N, A)
ALLOCATORS = any_org(N, A)


async def _run(tree: dict[str, Any]) -> dict[str, Any]:
    from tracker.funding import service
    from tracker.funding.streams import ensure_standard_streams

    await ensure_standard_streams()
    plan = await service.plan_allocation(
        pot_pence=100_000, stream_code="GPIT_REVENUE", financial_year="2018/19", basis="register"
    )
    return {"run_id": await service.save_plan(plan, service.Actor())}


async def _scenario(tree: dict[str, Any]) -> dict[str, Any]:
    from tracker.funding import reallocation_service, service
    from tracker.funding.calculations import ReallocationPolicy

    run_id = (await _run(tree))["run_id"]
    await service.approve_run(run_id, service.Actor())
    scenario_id = await reallocation_service.preview_scenario(
        stream_code="GPIT_REVENUE",
        financial_year="2018/19",
        quarter=1,
        policy=ReallocationPolicy(),
        reason="route matrix",
        actor=service.Actor(),
    )
    return {"scenario_id": scenario_id}


async def _bid(tree: dict[str, Any]) -> dict[str, Any]:
    from tracker.funding import applications_service
    from tracker.funding.service import Actor
    from tracker.funding.streams import ensure_standard_streams

    await ensure_standard_streams()
    bid_id = await applications_service.submit_bid(
        ccg_id=tree["ccgs"][0]["id"],
        stream_code="GPIT_CAPITAL",
        financial_year="2018/19",
        title="Wi-Fi",
        purpose="",
        indicator_codes=[],
        amount_pence=100_000,
        actor=Actor(),
    )
    return {"bid_id": bid_id}


async def _streams(params: dict[str, Any]) -> dict[str, Any]:
    from tracker.funding.streams import ensure_standard_streams

    await ensure_standard_streams()
    return params


OWN_CCG = {"code": "00K"}

ENTRIES = [
    Entry("GET", "/funding", allow=FUNDING, note="a CCG lead is sent to their own CCG's page"),
    Entry("GET", "/funding/runs/new", params=lambda t: _streams({}), allow=ALLOCATORS),
    Entry(
        "POST",
        "/funding/runs",
        params=lambda t: _streams({}),
        form=lambda t: {"stream": "GPIT_REVENUE", "year": "2018/19", "pot": "1000", "basis": "register"},
        allow=ALLOCATORS,
    ),
    Entry("GET", "/funding/runs/{run_id:int}", params=_run, allow=FUNDING),
    Entry("GET", "/funding/runs/{run_id:int}/csv", params=_run, allow=FUNDING),
    Entry("POST", "/funding/runs/{run_id:int}/approve", params=_run, allow=ALLOCATORS),
    Entry("POST", "/funding/runs/{run_id:int}/discard", params=_run, allow=ALLOCATORS),
    Entry("GET", "/funding/ccgs/{code:str}", params=lambda t: OWN_CCG, allow=merge(own_org(C, R), ALLOCATORS)),
    Entry(
        "POST",
        "/funding/ccgs/{code:str}/forecasts",
        params=lambda t: _streams(OWN_CCG),
        form=lambda t: {"forecast_stream": "GPIT_REVENUE", "year": "2018/19", "quarter": "1", "outturn": "10"},
        allow=own_org(C),
    ),
    Entry(
        "POST",
        "/funding/ccgs/{code:str}/awards",
        params=lambda t: _streams(OWN_CCG),
        form=lambda t: {
            "practice_code": "A81001",
            "award_date-day": "1",
            "award_date-month": "4",
            "award_date-year": "2018",
            "amount": "10",
            "award_stream": "GPIT_REVENUE",
        },
        allow=own_org(C),
    ),
    Entry(
        "POST",
        "/funding/ccgs/{code:str}/bids",
        params=lambda t: _streams(OWN_CCG),
        form=lambda t: {"title": "Wi-Fi", "bid_year": "2018/19", "bid_amount": "1000", "bid_stream": "GPIT_CAPITAL"},
        allow=own_org(C),
    ),
    Entry(
        "POST",
        "/funding/ccgs/{code:str}/transition",
        params=lambda t: _streams(OWN_CCG),
        form=lambda t: {"transition_year": "2018/19", "committed": "1000", "requested": "100"},
        allow=own_org(C),
    ),
    Entry(
        "POST",
        "/funding/transition/award",
        params=lambda t: _streams({}),
        form=lambda t: {"transition_year": "2018/19", "fund": "1000", "year_number": "1", "taper": "50"},
        allow=ALLOCATORS,
        note="with no applications: 400 saying so",
    ),
    Entry("GET", "/funding/ccgs/{code:str}/awards/upload", params=lambda t: OWN_CCG, allow=own_org(C)),
    Entry(
        "POST",
        "/funding/ccgs/{code:str}/awards/upload",
        params=lambda t: OWN_CCG,
        allow=own_org(C),
        note="without a file: 422 asking for one",
    ),
    Entry(
        "POST",
        "/funding/bids/{bid_id:int}/decision",
        params=_bid,
        form=lambda t: {"approved": "500"},
        allow=ALLOCATORS,
    ),
    Entry("GET", "/funding/reallocation/new", params=lambda t: _streams({}), allow=ALLOCATORS),
    Entry(
        "POST",
        "/funding/reallocation",
        params=lambda t: _streams({}),
        form=lambda t: {
            "stream": "GPIT_REVENUE",
            "year": "2018/19",
            "quarter": "1",
            "threshold": "5",
            "recover": "100",
            "recipients": "pressure",
            "reason": "test",
        },
        allow=ALLOCATORS,
    ),
    Entry(
        "GET",
        "/funding/reallocation/{scenario_id:int}",
        params=_scenario,
        allow=any_org(R, N, A),
        note="a region sees only its own CCGs' adjustments",
    ),
    Entry("POST", "/funding/reallocation/{scenario_id:int}/apply", params=_scenario, allow=ALLOCATORS),
    Entry("POST", "/funding/reallocation/{scenario_id:int}/discard", params=_scenario, allow=ALLOCATORS),
    Entry("GET", "/funding/impact", allow=FUNDING, note="scoped to the user's CCG or region"),
    Entry(
        "GET",
        "/funding/practices/{code:str}",
        params=lambda t: {"code": "A81001"},
        allow=merge(own_org(P, C, R), ALLOCATORS),
    ),
]

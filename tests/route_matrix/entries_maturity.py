"""The maturity dashboards: each organisation sees its own dashboard and those below it."""

from tests.route_matrix.matrix import Entry, any_org, everyone, merge, own_org
from tracker.accounts.principal import Role
from tracker.indicators import service as indicators

P, C, R, N, A = Role.PRACTICE, Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN


async def _indicator(tree: dict) -> dict:
    await indicators.load()
    return {"code": "ERS_UTIL_PCT"}


ENTRIES = [
    Entry("GET", "/dashboards", allow=everyone(), note="a redirect to the user's own dashboard"),
    Entry(
        "GET",
        "/dashboards/england",
        allow=any_org(N, A),
        note="with the reporting-rates grid by region; its CSV is ?format=csv&table=rates",
    ),
    Entry("GET", "/dashboards/england/ccgs", allow=any_org(N, A), note="every CCG, paged, searched and sorted"),
    Entry(
        "GET",
        "/dashboards/regions/{code:str}",
        params=lambda t: {"code": "Y63"},
        allow=merge(own_org(R), any_org(N, A)),
        note="with the reporting-rates grid by CCG; its CSV is ?format=csv&table=rates",
    ),
    Entry(
        "GET",
        "/dashboards/ccgs/{code:str}",
        params=lambda t: {"code": "00K"},
        allow=merge(own_org(C, R), any_org(N, A)),
    ),
    Entry(
        "GET",
        "/dashboards/practices/{code:str}",
        params=lambda t: {"code": "A81001"},
        allow=merge(own_org(P, C, R), any_org(N, A)),
    ),
    Entry(
        "GET",
        "/dashboards/indicators/{code:str}",
        params=_indicator,
        allow=everyone(),
        note="national distribution of one indicator; links to CCGs only where the user may see them",
    ),
]

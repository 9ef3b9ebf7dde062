"""Excel and CSV downloads: national for NHS England; a region's for its region (and national);
a CCG's for the CCG, its region and national. Practices: none."""

from typing import Any

from tests.route_matrix.matrix import Entry, any_org, merge, own_org
from tracker.accounts.principal import Role

P, C, R, N, A = Role.PRACTICE, Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN


async def _with_periods(params: dict[str, Any]) -> dict[str, Any]:
    """Periods and indicators must exist for an export to have something to show."""
    from tracker.indicators import service as indicators
    from tracker.periods import service as periods

    await periods.ensure_periods()
    await indicators.load()
    return params


ENTRIES = [
    Entry("GET", "/exports/national.xlsx", params=lambda t: _with_periods({}), allow=any_org(N, A)),
    Entry(
        "GET",
        "/exports/national/{name:str}",
        params=lambda t: _with_periods({"name": "ccgs.csv"}),
        allow=any_org(N, A),
    ),
    Entry(
        "GET",
        "/exports/regions/{name:str}",
        params=lambda t: _with_periods({"name": "Y63.xlsx"}),
        allow=merge(own_org(R), any_org(N, A)),
    ),
    Entry(
        "GET",
        "/exports/regions/{code:str}/{name:str}",
        params=lambda t: _with_periods({"code": "Y63", "name": "practices.csv"}),
        allow=merge(own_org(R), any_org(N, A)),
    ),
    Entry(
        "GET",
        "/exports/ccgs/{name:str}",
        params=lambda t: _with_periods({"name": "00K.xlsx"}),
        allow=merge(own_org(C, R), any_org(N, A)),
    ),
    Entry(
        "GET",
        "/exports/ccgs/{code:str}/{name:str}",
        params=lambda t: _with_periods({"code": "00K", "name": "practices.csv"}),
        allow=merge(own_org(C, R), any_org(N, A)),
    ),
]

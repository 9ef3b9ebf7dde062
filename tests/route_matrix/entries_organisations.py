"""The organisation browser and home page."""

from tests.route_matrix.matrix import Entry, any_org, everyone, merge, own_org
from tracker.accounts.principal import Role

P, C, R, N, A = Role.PRACTICE, Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN

ENTRIES = [
    Entry("GET", "/", allow=everyone()),
    Entry("GET", "/organisations", allow=everyone(), note="below national level: a redirect to their own"),
    Entry(
        "GET",
        "/organisations/regions/{code:str}",
        params=lambda t: {"code": "Y63"},
        allow=merge(own_org(R), any_org(N, A)),
    ),
    Entry(
        "GET",
        "/organisations/ccgs/{code:str}",
        params=lambda t: {"code": "00K"},
        allow=merge(own_org(C, R), any_org(N, A)),
    ),
    Entry("GET", "/practices", allow=everyone(), note="search results are limited to the user's scope"),
    Entry(
        "GET",
        "/practices/{ods_code:str}",
        params=lambda t: {"ods_code": "A81001"},
        allow=merge(own_org(P, C, R), any_org(N, A)),
    ),
]

"""Chasing from the region's and England's reporting rates: a region's team for its own region's
CCGs, NHS England for any; a CCG lead for its own CCG (as under /review)."""

from tests.route_matrix.entries_chase import _scored
from tests.route_matrix.matrix import Entry, any_org, merge, own_org
from tracker.accounts.principal import Role

C, R, N = Role.CCG, Role.REGION, Role.NATIONAL


ENTRIES = [
    Entry("GET", "/chasing", allow=merge(any_org(R), any_org(N)), note="a region's team sees only its own region"),
    Entry("GET", "/chasing/regions/{code:str}", params=lambda t: {"code": "Y63"}, allow=merge(own_org(R), any_org(N))),
    Entry("GET", "/chasing/ccgs/{code:str}", params=lambda t: {"code": "00K"}, allow=merge(own_org(C, R), any_org(N))),
    Entry(
        "POST",
        "/chasing/ccgs/{code:str}/preview",
        params=lambda t: {"code": "00K"},
        form=_scored,
        allow=merge(own_org(C, R), any_org(N)),
    ),
    Entry(
        "POST",
        "/chasing/ccgs/{code:str}/send",
        params=lambda t: {"code": "00K"},
        form=_scored,
        allow=merge(own_org(C, R), any_org(N)),
        note="each practice at most once a day, whoever chases it",
    ),
]

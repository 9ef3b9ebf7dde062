"""Reports people receive and leave (notifications), and contact addresses and user imports
(accounts and organisations)."""

from tests.route_matrix.matrix import Entry, any_org, everyone, merge, own_org
from tracker.accounts.principal import Role
from tracker.notifications import leaving

P, C, R, N, A = Role.PRACTICE, Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN
SECRET = "test-secret-key-" + "x" * 32  # the tests' settings (tests/conftest.py)


def _leave(tree):
    return {"token": leaving.token(SECRET, "manager@a81001.test", "reminders")}


ENTRIES = [
    Entry("GET", "/reports/leave/{token:str}", allow=everyone(), public=True, params=_leave),
    Entry("POST", "/reports/leave/{token:str}", allow=everyone(), public=True, params=_leave),
    Entry("POST", "/reports/leave/{token:str}/rejoin", allow=everyone(), public=True, params=_leave),
    Entry("GET", "/account/reports", allow=everyone()),
    Entry("POST", "/account/reports", allow=everyone(), form=lambda t: {"reports": "alert_digest"}),
    # Contact addresses: the list is filtered to the person's own organisations (tested elsewhere).
    Entry("GET", "/contacts", allow=any_org(P, C, A)),
    Entry("GET", "/contacts/{code:str}", params=lambda t: {"code": "A81001"}, allow=merge(own_org(P, C), any_org(A))),
    Entry(
        "POST",
        "/contacts/{code:str}",
        params=lambda t: {"code": "A81001"},
        form=lambda t: {"email": "manager@a81001.test"},
        allow=merge(own_org(P, C), any_org(A)),
    ),
    Entry(
        "POST",
        "/contacts/{code:str}/remove",
        params=lambda t: {"code": "A81001"},
        allow=merge(own_org(P, C), any_org(A)),
    ),
    Entry("GET", "/contacts/import", allow=any_org(C, A)),
    Entry("POST", "/contacts/import", allow=any_org(C, A)),
    Entry("POST", "/contacts/import/confirm", allow=any_org(C, A), form=lambda t: {"key": "gone"}),
    Entry("GET", "/admin/users/import", allow=any_org(A)),
    Entry("POST", "/admin/users/import", allow=any_org(A)),
    Entry("POST", "/admin/users/import/confirm", allow=any_org(A), form=lambda t: {"key": "gone"}),
    Entry("GET", "/users/import", allow=any_org(C)),
    Entry("POST", "/users/import", allow=any_org(C)),
    Entry("POST", "/users/import/confirm", allow=any_org(C), form=lambda t: {"key": "gone"}),
]

_ = (R, N)

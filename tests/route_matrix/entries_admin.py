"""Administration: the landing page, users (administrators; CCG leads for their own practices'
users under /users) and the audit trail."""

from tests.factories import make_account
from tests.route_matrix.matrix import Entry, any_org, merge, own_org
from tracker.accounts.principal import Role

C, A = Role.CCG, Role.ADMIN
ADMINS = any_org(A)


async def _practice_user(tree):
    """A practice user of A81001 (inside CCG 00K): the own CCG lead may manage them, the foreign one not."""
    account = await make_account(Role.PRACTICE, practices=[tree["practices"][0]])
    return {"account_id": account["id"]}


def _invite(tree):
    return {"email": "new.person@example.nhs.test", "name": "New Person", "role": "practice", "org": "A81001"}


ENTRIES = [
    Entry("GET", "/admin", allow=ADMINS),
    Entry("GET", "/admin/audit", allow=ADMINS),
    Entry("GET", "/admin/periods", allow=ADMINS),
    Entry("POST", "/admin/periods/preview", allow=ADMINS, form=lambda t: {"year": "2030/31"}),
    Entry("POST", "/admin/periods", allow=ADMINS, form=lambda t: {"year": "2030/31"}),
    Entry("GET", "/admin/users", allow=ADMINS),
    Entry("GET", "/admin/users/invite", allow=ADMINS),
    Entry("POST", "/admin/users/invite", allow=ADMINS, form=_invite),
    Entry("GET", "/admin/users/{account_id:int}", allow=ADMINS, params=_practice_user),
    Entry(
        "POST",
        "/admin/users/{account_id:int}",
        allow=ADMINS,
        params=_practice_user,
        form=lambda t: {"name": "Renamed", "role": "practice", "org": "A81001"},
    ),
    Entry("POST", "/admin/users/{account_id:int}/disable", allow=ADMINS, params=_practice_user),
    Entry("POST", "/admin/users/{account_id:int}/enable", allow=ADMINS, params=_practice_user),
    Entry("POST", "/admin/users/{account_id:int}/resend-invitation", allow=ADMINS, params=_practice_user),
    # A CCG lead's own practice users. "own" = the lead of 00K, which holds A81001.
    Entry("GET", "/users", allow=any_org(C), note="lists only the CCG's own practice users"),
    Entry("GET", "/users/invite", allow=any_org(C)),
    Entry("POST", "/users/invite", allow=any_org(C), form=_invite, note="the foreign lead gets 422 or 403 per code"),
    Entry("GET", "/users/{account_id:int}", allow=merge(own_org(C)), params=_practice_user),
    Entry("POST", "/users/{account_id:int}/disable", allow=own_org(C), params=_practice_user),
    Entry("POST", "/users/{account_id:int}/enable", allow=own_org(C), params=_practice_user),
    Entry("POST", "/users/{account_id:int}/resend-invitation", allow=own_org(C), params=_practice_user),
]

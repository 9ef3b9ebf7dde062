"""Sign-in, sign-out, the account page, forgotten passwords and set-password links."""

from tests.factories import make_account
from tests.route_matrix.matrix import Entry, everyone
from tracker.accounts import tokens_service
from tracker.accounts.principal import Role


async def _link(tree):
    account = await make_account(Role.PRACTICE, practices=[tree["practices"][0]])
    _, token = await tokens_service.issue(account["id"], tokens_service.RESET)
    return {"token": token}


ENTRIES = [
    Entry("GET", "/sign-in", allow=everyone(), public=True),
    Entry("POST", "/sign-in", allow=everyone(), public=True, form=lambda t: {"email": "x@y.test", "password": "wrong"}),
    Entry("POST", "/sign-out", allow=everyone()),
    Entry("GET", "/account", allow=everyone()),
    Entry("POST", "/account/sign-out-everywhere", allow=everyone()),
    Entry("GET", "/forgot-password", allow=everyone(), public=True),
    Entry("POST", "/forgot-password", allow=everyone(), public=True, form=lambda t: {"email": "x@y.test"}),
    Entry("GET", "/forgot-password/sent", allow=everyone(), public=True),
    Entry("GET", "/set-password/{token:str}", allow=everyone(), public=True, params=_link),
    Entry(
        "POST",
        "/set-password/{token:str}",
        allow=everyone(),
        public=True,
        params=_link,
        form=lambda t: {"password": "three random words here", "confirm": "three random words here"},
    ),
]

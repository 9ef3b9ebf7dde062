"""Returns: a practice's own workbook (download, upload and preview, apply)."""

from tests.returns.factories import OPEN_URL, setup_catalogue
from tests.route_matrix.matrix import Entry, own_org
from tracker.accounts.principal import Role

P = Role.PRACTICE
BASE = "/practices/{ods_code:str}/returns/{period_code:str}/workbook"
ONLY_ITS_OWN = "only the practice's own users, who may edit its return (the policy's EDIT_RETURN)"


async def _return(tree):
    await setup_catalogue()
    return {"ods_code": "A81001", "period_code": OPEN_URL}


ENTRIES = [
    Entry("GET", BASE, params=_return, allow=own_org(P), note=ONLY_ITS_OWN),
    Entry("GET", BASE + ".xlsx", params=_return, allow=own_org(P), note=ONLY_ITS_OWN),
    Entry(
        "POST",
        BASE,
        params=_return,
        form=lambda t: {"mode": "draft"},
        allow=own_org(P),
        note=ONLY_ITS_OWN + "; the placeholder form has no file, so the page answers 422",
    ),
    Entry("POST", BASE + "/apply", params=_return, form=lambda t: {"token": "x"}, allow=own_org(P), note=ONLY_ITS_OWN),
]

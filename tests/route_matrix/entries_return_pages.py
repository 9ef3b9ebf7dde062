"""The return as short pages: a section's questions, and check your answers before submitting."""

from tests.returns.factories import OPEN, OPEN_URL, complete_values, make_return, setup_catalogue
from tests.route_matrix.entries_returns import ORG_READERS
from tests.route_matrix.matrix import Entry, own_org
from tracker.accounts.principal import Role
from tracker.tables import PracticeReturn

P = Role.PRACTICE


async def _draft(tree):
    """A81001's open return, a draft with every answer given (so the pages show all their parts)."""
    await setup_catalogue()
    if await PracticeReturn.count() == 0:
        await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    return {"ods_code": "A81001", "period_code": OPEN_URL}


async def _section(tree):
    return {**await _draft(tree), "section": "online-services"}


async def _version(tree):
    row = await PracticeReturn.select(PracticeReturn.version).first()
    return {"version": str(row["version"]) if row else "0"}


ENTRIES = [
    Entry(
        "GET",
        "/practices/{ods_code:str}/returns/{period_code:str}/sections/{section:str}",
        params=_section,
        allow=ORG_READERS,
        note="who may not change the return reads all of it instead",
    ),
    Entry(
        "POST",
        "/practices/{ods_code:str}/returns/{period_code:str}/sections/{section:str}",
        params=_section,
        form=lambda t: {"PO_REG_PCT": "25", "PO_APPT_ENABLED": "yes", "version": "0"},
        allow=own_org(P),
        note="only the practice's own users change a return",
    ),
    Entry(
        "GET",
        "/practices/{ods_code:str}/returns/{period_code:str}/check",
        params=_draft,
        allow=ORG_READERS,
    ),
    Entry(
        "POST",
        "/practices/{ods_code:str}/returns/{period_code:str}/check",
        params=_draft,
        form=_version,
        allow=own_org(P),
        note="only the practice's own users submit a return",
    ),
]

"""Chasing from the CCG's grid: only a CCG lead, only for its own practices."""

import datetime as dt

from tests.returns.factories import setup_catalogue
from tests.route_matrix.matrix import Entry, own_org
from tracker.accounts.principal import Role
from tracker.maturity import service as maturity

C = Role.CCG


async def _scored(tree):
    """A81001 (CCG 00K) is expected for the open period and has not started its return."""
    await setup_catalogue()
    await maturity.refresh_all(dt.date(2018, 4, 20))
    return {"practice": "A81001", "select": "selected"}


ENTRIES = [
    Entry(
        "POST",
        "/review/chase",
        form=_scored,
        allow=own_org(C),
        note="the preview; another CCG's practice in the form is refused with 403",
    ),
    Entry(
        "POST",
        "/review/chase/send",
        form=_scored,
        allow=own_org(C),
        note="another CCG's practice in the form is refused with 403 and nothing is queued",
    ),
]

"""A CCG (00K) with practices in every state for chasing: on 2018-04-20 the 2017/18 Q4 return is
open (due 30 April), and 2017/18 Q3 has locked.

A81001 draft (its user practice@a81001.test), A81002 submitted (and approved for Q3),
A81003 not started (practice@a81003.test), A81004 not started (only a contact address),
A81005 not started with no one to email. J81001 belongs to another CCG (11J)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import make_account, make_org_tree, make_practice
from tests.returns.factories import OPEN, PREVIOUS, complete_values, make_return, setup_catalogue
from tracker.accounts.principal import Role
from tracker.maturity import service as maturity

TODAY = dt.date(2018, 4, 20)
OUTSTANDING = ["A81001", "A81003", "A81004", "A81005"]


async def chase_world() -> dict[str, Any]:
    await setup_catalogue()
    tree = await make_org_tree()
    ccg = tree["ccgs"][0]
    a1, a2 = tree["practices"][0], tree["practices"][1]
    a3 = await make_practice(ccg, "A81003", "HARBOUR VIEW SURGERY")
    a4 = await make_practice(ccg, "A81004", "MILL LANE PRACTICE", contact_email="Contact@A81004.test")
    a5 = await make_practice(ccg, "A81005", "NORTH ROAD SURGERY")
    await make_account(Role.PRACTICE, email="practice@a81003.test", practices=[a3])
    partial = {k: v for k, v in complete_values().items() if k not in ("WIFI_LIVE", "IGT_L2")}
    await make_return(a1, OPEN, "draft", partial)
    await make_return(a2, OPEN, "submitted")
    await make_return(a2, PREVIOUS, "approved", submitted_at=dt.datetime(2018, 1, 20, 12, tzinfo=dt.UTC))
    await maturity.refresh_all(TODAY)
    return {**tree, "extra": (a3, a4, a5)}

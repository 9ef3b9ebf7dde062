"""The route matrix again, for the organisations where a shortcut gives the wrong answer:

- **region differs**: practice A81001's own `region` column says Y58 while its CCG (00K) is in
  Y63. A practice belongs to its CCG's region, so the Y63 user is allowed and the Y58 user refused.
- **moved CCG**: A81001 came to 00K from 11J (Y58) on 1 April 2017 (its membership history says
  so), its last list-size snapshot still prints 11J and its own region column still has the old
  region. 00K and Y63 are allowed; 11J and Y58 refused.
- **closed**: A81001 closed on 31 March 2018. Its records stay visible to its own organisations,
  and to nobody else.

Every route whose path points at the own side (A81001, its CCG 00K or its region Y63) is checked
for every principal in each case, with the expectations of its entry: nothing about who may see a
practice changes in these cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.factories import make_org_tree
from tests.route_matrix.matrix import Entry, build, fill
from tests.route_matrix.test_route_matrix import ENTRIES, check_entry, extra_accounts
from tracker.tables import ListSize, Practice, PracticeMembership

pytestmark = pytest.mark.security

OWN_CODES = ("A81001", "00K", "Y63")


async def region_differs(tree: dict[str, Any]) -> None:
    await Practice.update({Practice.region: tree["regions"][1]["id"]}).where(Practice.ods_code == "A81001")


async def moved_ccg(tree: dict[str, Any]) -> None:
    practice = tree["practices"][0]["id"]
    old, new = tree["ccgs"][1]["id"], tree["ccgs"][0]["id"]
    await Practice.update({Practice.region: tree["regions"][1]["id"]}).where(Practice.ods_code == "A81001")
    await ListSize.update({ListSize.ccg_code: "11J"}).where(ListSize.practice == practice)
    await PracticeMembership.insert(
        PracticeMembership(practice=practice, ccg=old, start_date=dt.date(2013, 4, 1), end_date=dt.date(2017, 3, 31)),
        PracticeMembership(practice=practice, ccg=new, start_date=dt.date(2017, 4, 1)),
    )


async def closed(tree: dict[str, Any]) -> None:
    await Practice.update({Practice.status: "C", Practice.close_date: dt.date(2018, 3, 31)}).where(
        Practice.ods_code == "A81001"
    )


CASES: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
    "region differs": region_differs,
    "moved CCG": moved_ccg,
    "closed": closed,
}

# Known wrong answers, each owned by another issue; strict, so a fix shows up as a failure here.
KNOWN: dict[tuple[str, str, str], str] = {}


def _params() -> list[Any]:
    out = []
    for case in CASES:
        for entry in ENTRIES:
            if "{" not in entry.path and not any(code in entry.path for code in OWN_CODES):
                continue  # a fixed path about no one organisation: the case changes nothing there
            marks = []
            reason = KNOWN.get((case, entry.method, entry.path))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(case, entry, id=f"{case}: {entry.method} {entry.path}", marks=marks))
    return out


@pytest.mark.parametrize(("case", "entry"), _params())
async def test_route_matrix_for_edge_organisations(client, case: str, entry: Entry):
    tree = await make_org_tree()
    path = fill(entry.path, await build(entry.params, tree))
    if not any(code in path for code in OWN_CODES):
        pytest.skip("not about one organisation: the case changes nothing here")
    await CASES[case](tree)
    failures = await check_entry(client, entry, tree, await extra_accounts())
    assert not failures, "\n".join(failures)

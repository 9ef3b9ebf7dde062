"""The review queue at a glance: each submitted return's values beside last period's and the
national feed's, with the validation rules' flags; "Approve all" without JavaScript; and the
approval of many returns as one transaction."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import post_form, sign_in
from tests.weekly.review_world import review_world
from tracker.returns import emails
from tracker.tables import PracticeReturn


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


async def _states() -> dict[int, str]:
    return {r["id"]: r["state"] for r in await PracticeReturn.select(PracticeReturn.id, PracticeReturn.state)}


async def test_the_queue_shows_each_return_s_checks_and_values(client: Any, clean_db: Any) -> None:
    await review_world()
    await sign_in(client, "lead@00k.test")
    page = (await client.get("/review")).text

    row = _section(page, 'id="return-A81001"', "</tr>")
    assert "Comment needed</strong> 1" in row
    assert "Unlike its own history</strong> 2" in row  # registered online and digitised jumped
    assert "Unlike other practices</strong> 3" in row  # those two above, prescriptions below the CCG's
    assert "Differs from national feed</strong> 1" in row
    details = _section(page, 'id="details-A81001"', "</details>")
    assert "Values of The Densham Surgery (A81001): 7 checks" in details
    assert "<li>90% is more than 30 points from its last approved 35%.</li>" in details
    assert "<li>70% last period, 40% now, and the practice gave no comment.</li>" in details
    digitised = _section(details, "Paper (Lloyd George) records digitised</th>", "</tr>")
    assert re.findall(r"numeric\">([^<]+)", digitised)[:3] == ["90%", "35%", "–"]
    registered = _section(details, "Patients registered for online services</th>", "</tr>")
    assert re.findall(r"numeric\">([^<]+)", registered)[:3] == ["60%", "24%", "24% "]
    assert "(POMI)" in registered and "<li>60% differs from the national feed.</li>" in registered
    # Flagged indicators come first in the table.
    assert details.index("Patients registered for online services</th>") < details.index("Patients with a Summary")

    quiet = _section(page, 'id="return-A81002"', "</tr>")
    assert "No checks raised" in quiet
    assert "LG_DIGITISED_PCT" not in page and "SCR_PCT" not in page


async def test_approve_all_without_javascript_approves_the_returns_listed(client: Any, clean_db: Any) -> None:
    await review_world()
    await sign_in(client, "lead@00k.test")
    page = (await client.get("/review")).text
    listed = re.findall(r'name="listed_id" value="(\d+)"', page)
    assert len(listed) == 2 and 'data-select-all="return_id"' in page
    response = await post_form(
        client,
        "/review/decisions",
        {"decision": "approve-all", "listed_id": listed},
        token_from="/review",
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/review?done=approved&count=2"
    states = await _states()
    assert {states[int(i)] for i in listed} == {"approved"}


async def test_approving_many_is_one_transaction(client: Any, clean_db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    await review_world()
    await sign_in(client, "lead@00k.test")
    page = (await client.get("/review")).text
    ids = re.findall(r'name="return_id" type="checkbox" value="(\d+)"', page)
    before = await _states()

    async def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the mail queue is down")  # after both approvals are written

    monkeypatch.setattr(emails, "queue_decisions", fail)
    response = await post_form(
        client, "/review/decisions", {"decision": "approve", "return_id": ids}, token_from="/review"
    )
    assert response.status_code == 500
    assert await _states() == before  # neither was approved

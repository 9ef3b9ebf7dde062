"""Withdrawing a submitted return: only its own practice, only before the CCG reviews it, only
with the form's CSRF token; every withdrawal is in the audit trail."""

from __future__ import annotations

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_org_tree
from tests.returns.factories import OPEN_URL, make_return, setup_catalogue
from tracker.audit import service as audit
from tracker.tables import PracticeReturn

FORM = f"/practices/A81001/returns/{OPEN_URL}"


async def _submitted() -> dict:
    await setup_catalogue()
    tree = await make_org_tree()
    return await make_return(tree["practices"][0], state="submitted", version=2)


async def _state(return_id: int) -> str:
    row = await PracticeReturn.select(PracticeReturn.state).where(PracticeReturn.id == return_id).first()
    return row["state"]


async def test_another_practice_cannot_withdraw_it(client) -> None:
    row = await _submitted()
    await sign_in(client, "practice@j81001.test")
    response = await post_form(client, FORM, {"action": "withdraw", "version": "2"}, token_from="/returns")
    assert response.status_code == 403
    assert await _state(row["id"]) == "submitted" and await audit.count("return.withdrawn") == 0


async def test_the_ccg_lead_cannot_withdraw_it(client) -> None:
    row = await _submitted()
    await sign_in(client, "lead@00k.test")
    assert "Withdraw return" not in (await client.get(FORM)).text
    response = await post_form(client, FORM, {"action": "withdraw", "version": "2"}, token_from="/review")
    assert response.status_code == 403
    assert await _state(row["id"]) == "submitted" and await audit.count("return.withdrawn") == 0


async def test_withdrawing_needs_the_csrf_token(client) -> None:
    row = await _submitted()
    await sign_in(client, "practice@a81001.test")
    response = await client.post(FORM, data={"action": "withdraw", "version": "2"})
    assert response.status_code == 403
    response = await client.post(FORM, data={"action": "withdraw", "version": "2", "_csrf_token": "forged"})
    assert response.status_code == 403
    assert await _state(row["id"]) == "submitted"


async def test_after_approval_or_return_it_cannot_be_withdrawn(client) -> None:
    await setup_catalogue()
    tree = await make_org_tree()
    await make_return(tree["practices"][0], state="submitted", version=2)
    await sign_in(client, "lead@00k.test")
    row = await PracticeReturn.select().first()
    response = await post_form(
        client, "/review/decisions", {"return_id": str(row["id"]), "decision": "approve"}, token_from="/review"
    )
    assert response.status_code in (200, 303)
    await sign_in(client, "practice@a81001.test")
    assert "Withdraw return" not in (await client.get(FORM)).text
    response = await post_form(client, FORM, {"action": "withdraw", "version": "3"}, token_from=FORM)
    assert response.status_code == 409 and "Only a submitted return" in response.text
    assert await _state(row["id"]) == "approved"


async def test_withdraw_then_resubmit_is_audited_in_order(client) -> None:
    from tests.returns.factories import form_data

    row = await _submitted()
    await sign_in(client, "practice@a81001.test")
    token = await csrf_token(client, FORM)
    response = await client.post(
        FORM, data={"_csrf_token": token, "action": "withdraw", "version": "2"}, follow_redirects=False
    )
    assert response.status_code == 303 and await _state(row["id"]) == "draft"
    response = await post_form(client, FORM, form_data(version=3, action="submit"), follow_redirects=False)
    assert response.status_code == 303 and await _state(row["id"]) == "submitted"
    events = await audit.events_of("practice_return", [row["id"]], ("return.withdrawn", "return.submitted"))
    assert [e.action for e in events] == ["return.withdrawn", "return.submitted"]

"""Reopening an approved return: its own CCG lead sends it back for correction with a reason,
from the return's page; the practice sees the reason and can submit again. Nobody else can."""

from __future__ import annotations

from tests.conftest import post_form, sign_in
from tests.factories import make_org_tree
from tests.returns.factories import OPEN_URL, PREVIOUS, make_return, setup_catalogue
from tracker.audit import service as audit
from tracker.tables import OutboxEmail, PracticeReturn

PAGE = f"/practices/A81001/returns/{OPEN_URL}"


async def _approved(period: str | None = None) -> dict:
    await setup_catalogue()
    tree = await make_org_tree()
    if period:
        return await make_return(tree["practices"][0], period, state="approved", version=3)
    return await make_return(tree["practices"][0], state="approved", version=3)


async def _row(return_id: int) -> dict:
    return await PracticeReturn.select().where(PracticeReturn.id == return_id).first()


def _reopen(return_id: int, reason: str) -> dict[str, str]:
    return {"return_id": str(return_id), "next": PAGE, "decision": "reopen", "reason": reason}


async def test_the_ccg_lead_reopens_an_approved_return_with_a_reason(client) -> None:
    row = await _approved()
    await sign_in(client, "lead@00k.test")
    page = await client.get(PAGE)
    assert "Reopen for correction" in page.text
    response = await post_form(
        client,
        "/review/decisions",
        _reopen(row["id"], "The e-RS figure is from last year."),
        PAGE,
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith(PAGE)
    after = await _row(row["id"])
    assert (after["state"], after["returned_reason"]) == ("returned", "The e-RS figure is from last year.")
    assert await audit.count("return.reopened") == 1
    landed = await client.get(response.headers["location"])
    assert "sent back to the practice with your reason" in landed.text
    assert "Reopen for correction" not in landed.text
    # The practice is told, with the reason, and can change the return again.
    email = await OutboxEmail.select().where(OutboxEmail.kind == "return_returned").first()
    assert email is not None and "The e-RS figure is from last year." in email["body_text"]
    client.cookies.clear()
    await sign_in(client, "practice@a81001.test")
    form = await client.get(PAGE)
    assert "The e-RS figure is from last year." in form.text and f'href="{PAGE}/sections/online-services"' in form.text
    section = await client.get(f"{PAGE}/sections/referrals-and-correspondence")
    assert "The e-RS figure is from last year." in section.text and 'name="ERS_UTIL_PCT"' in section.text


async def test_reopening_needs_a_reason(client) -> None:
    row = await _approved()
    await sign_in(client, "lead@00k.test")
    response = await post_form(client, "/review/decisions", _reopen(row["id"], "  "), PAGE)
    assert response.status_code == 422 and "Enter what the practice should correct" in response.text
    assert (await _row(row["id"]))["state"] == "approved"


async def test_another_ccg_and_the_practice_cannot_reopen(client) -> None:
    row = await _approved()
    await sign_in(client, "lead@11j.test")
    assert "Reopen for correction" not in (await client.get(PAGE)).text
    refused = await post_form(client, "/review/decisions", _reopen(row["id"], "Check it"), "/review")
    assert refused.status_code == 403
    client.cookies.clear()
    await sign_in(client, "practice@a81001.test")
    refused = await post_form(client, "/review/decisions", _reopen(row["id"], "Check it"), PAGE)
    assert refused.status_code == 403
    assert (await _row(row["id"]))["state"] == "approved"
    assert await audit.count("return.reopened") == 0


async def test_a_locked_period_cannot_be_reopened(client) -> None:
    row = await _approved(PREVIOUS)
    await sign_in(client, "lead@00k.test")
    page = await client.get(PAGE.replace(OPEN_URL, "2017-18-Q3"))
    assert page.status_code == 200 and "Reopen for correction" not in page.text
    refused = await post_form(client, "/review/decisions", _reopen(row["id"], "Check it"), "/review")
    assert refused.status_code == 409
    assert (await _row(row["id"]))["state"] == "approved"

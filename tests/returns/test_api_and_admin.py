"""The suppliers' API (bearer tokens) and the administration of tokens and lock exceptions."""

from __future__ import annotations

import re

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page
from tests.returns.factories import OPEN_URL, PREVIOUS, PREVIOUS_URL, complete_values, make_return, setup_catalogue
from tracker.audit import service as audit
from tracker.tables import ApiToken, LockException, PracticeReturn

API = f"/api/v1/practices/A81001/returns/{OPEN_URL}"


def _body(values=None, version=0, submit=False):
    from tests.returns.workbooks import SPECS

    units = {s.code: s.unit for s in SPECS}
    out = []
    for code, value in (values if values is not None else complete_values()).items():
        out.append({"indicator": code, "value": ("yes" if value else "no") if units[code] == "yesno" else value})
    return {"version": version, "submit": submit, "values": out}


async def _issue(client, organisation: str) -> str:
    await sign_in(client, "admin@england.test")
    response = await post_form(client, "/admin/api-tokens", {"name": "EMIS Web", "organisation": organisation})
    assert response.status_code == 201, response.text[:500]
    token = re.search(r'id="new-token"[^>]*>([^<]+)<', response.text).group(1)
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/")})
    client.cookies.clear()
    return token


async def test_api_read_and_submit_with_a_practice_token(client):
    await setup_catalogue()
    await make_org_tree()
    token = await _issue(client, "A81001")
    assert token.startswith("ptk_")
    row = await ApiToken.select().first()
    assert row["token_hash"] != token and len(row["token_hash"]) == 64
    auth = {"Authorization": f"Bearer {token}"}
    doc = (await client.get(API, headers=auth)).json()
    assert doc["state"] == "not_started" and doc["version"] == 0 and doc["editable"] is True
    # Invalid values: 422 with errors by field, like the form.
    bad = _body(complete_values(PO_REG_PCT=140.0), submit=True)
    bad["values"].append({"indicator": "NOPE", "value": 1})
    response = await client.put(API, json=bad, headers=auth)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "between 0 and 100" in errors["PO_REG_PCT"] and "NOPE" in errors
    # Numerator > denominator.
    body = _body()
    body["values"][0] = {"indicator": "PO_REG_PCT", "numerator": 90, "denominator": 10}
    response = await client.put(API, json=body, headers=auth)
    assert response.json()["errors"]["PO_REG_PCT-numerator"] == "Numerator must not be more than the denominator"
    # A good submission.
    response = await client.put(API, json=_body(submit=True), headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "submitted" and response.json()["version"] == 1
    # Stale version: 409; submitted: 409.
    response = await client.put(API, json=_body(version=0), headers=auth)
    assert response.status_code == 409 and "changed since version 0" in response.json()["detail"]
    response = await client.put(API, json=_body(version=1), headers=auth)
    assert response.status_code == 409 and "waiting for the CCG" in response.json()["detail"]
    listing = (await client.get("/api/v1/practices/A81001/returns", headers=auth)).json()
    assert listing["returns"][0] == {**listing["returns"][0], "period": "2017-18-Q4", "state": "submitted"}
    assert await audit.count("return.submitted") == 1
    events = await audit.count("return.value_changed")
    assert events == 16


async def test_api_refuses_without_token_with_revoked_token_and_for_another_practice(client):
    await setup_catalogue()
    tree = await make_org_tree()
    await make_return(tree["practices"][2], "2017/18-Q4", "draft")
    token = await _issue(client, "A81001")
    assert (await client.get(API)).status_code == 401
    assert (await client.get(API, headers={"Authorization": "Bearer ptk_wrong"})).status_code == 401
    assert (await client.get(API, headers={"Authorization": f"Basic {token}"})).status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    other = f"/api/v1/practices/J81001/returns/{OPEN_URL}"
    response = await client.get(other, headers=auth)
    assert response.status_code == 403 and response.json()["status_code"] == 403
    response = await client.put(other, json=_body(version=1), headers=auth)
    assert response.status_code == 403
    assert (await PracticeReturn.select(PracticeReturn.version).first())["version"] == 1
    # Revoked: refused.
    await sign_in(client, "admin@england.test")
    token_id = (await ApiToken.select(ApiToken.id).first())["id"]
    response = await post_form(
        client, f"/admin/api-tokens/{token_id}/revoke", {}, token_from="/admin/api-tokens", follow_redirects=False
    )
    assert response.status_code == 303
    client.cookies.clear()
    assert (await client.get(API, headers=auth)).status_code == 401
    assert await audit.count("api_token.revoked") == 1


async def test_ccg_token_works_for_its_practices_only(client):
    await setup_catalogue()
    await make_org_tree()
    token = await _issue(client, "00K")
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get(f"/api/v1/practices/A81002/returns/{OPEN_URL}", headers=auth)).status_code == 200
    assert (await client.get(f"/api/v1/practices/J81002/returns/{OPEN_URL}", headers=auth)).status_code == 403


async def test_api_is_documented_in_the_schema(client):
    await make_org_tree()
    token = await _issue(client, "A81001")  # the document is for API token holders (and administrators)
    schema = (await client.get("/schema/openapi.json", headers={"Authorization": f"Bearer {token}"})).json()
    assert "/api/v1/practices/{ods_code}/returns/{period_code}" in schema["paths"]
    assert "ReturnSubmission" in str(schema["components"]["schemas"])


async def test_token_form_errors_and_only_admins(client):
    await setup_catalogue()
    await make_org_tree()
    await sign_in(client, "admin@england.test")
    page = await client.get("/admin/api-tokens")
    check_page(page.text)
    response = await post_form(client, "/admin/api-tokens", {"name": "", "organisation": "ZZZ"})
    assert response.status_code == 422
    assert "Enter the name of the system supplier" in response.text
    response = await post_form(client, "/admin/api-tokens", {"name": "TPP", "organisation": "ZZZ"})
    assert "There is no practice or CCG with the code ZZZ" in response.text
    assert await ApiToken.count() == 0
    for email in ("lead@00k.test", "practice@a81001.test", "national@england.test"):
        await sign_in(client, email)
        assert (await client.get("/admin/api-tokens")).status_code == 403
        assert (await client.get("/admin/lock-exceptions")).status_code == 403


async def test_admin_grants_and_withdraws_lock_exceptions(client):
    await setup_catalogue()
    tree = await make_org_tree()
    await sign_in(client, "admin@england.test")
    page = await client.get("/admin/lock-exceptions")
    check_page(page.text)
    response = await post_form(
        client,
        "/admin/lock-exceptions",
        {
            "practices": "A81001 X1 Z99999",
            "period": "",
            "until-day": "31",
            "until-month": "2",
            "until-year": "2018",
            "reason": "",
        },
    )
    assert response.status_code == 422
    for message in (
        "These are not practice codes",
        "Select the period",
        "Last day of the exception must be a real date",
        "Enter the reason",
    ):
        assert message in response.text
    assert 'href="#until-day"' in response.text and 'name="until-day"' in response.text
    assert 'value="31"' in response.text and 'value="2018"' in response.text, "what was typed is kept"
    response = await post_form(
        client,
        "/admin/lock-exceptions",
        {
            "practices": "A81001",
            "period": PREVIOUS,
            "until-day": "1",
            "until-month": "1",
            "until-year": "2018",
            "reason": "x",
        },
    )
    assert "must be today or later" in response.text
    response = await post_form(
        client,
        "/admin/lock-exceptions",
        {
            "practices": "a81001, A81002",
            "period": PREVIOUS,
            "until-day": "15",
            "until-month": "5",
            "until-year": "2018",
            "reason": "Practice manager was ill",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert await LockException.count() == 2
    assert await audit.count("lock_exception.granted") == 2
    # The practice can now change its locked return.
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/")})
    await sign_in(client, "practice@a81001.test")
    page = await client.get(f"/practices/A81001/returns/{PREVIOUS_URL}/sections/online-services")
    assert 'name="version"' in page.text
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/")})
    await sign_in(client, "admin@england.test")
    exception_id = (
        await LockException.select(LockException.id).where(LockException.practice == tree["practices"][0]["id"]).first()
    )["id"]
    response = await post_form(
        client,
        f"/admin/lock-exceptions/{exception_id}/withdraw",
        {},
        token_from="/admin/lock-exceptions",
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert await LockException.count() == 1
    assert await audit.count("lock_exception.withdrawn") == 1

"""The API's PUT (whole return) and PATCH (only what is sent), its RFC 9457 problems, and the
OpenAPI description of its operations."""

from __future__ import annotations

from tests.factories import make_org_tree
from tests.returns.factories import PREVIOUS_URL, complete_values, make_return, setup_catalogue
from tests.returns.test_api_and_admin import API, _body, _issue
from tracker.audit import service as audit


async def _auth(client) -> dict[str, str]:
    await setup_catalogue()
    client.tree = await make_org_tree()
    return {"Authorization": f"Bearer {await _issue(client, 'A81001')}"}


async def test_patch_of_one_value_keeps_all_others(client):
    auth = await _auth(client)
    assert (await client.put(API, json=_body(), headers=auth)).status_code == 200
    before = {v["indicator"]: v["value"] for v in (await client.get(API, headers=auth)).json()["values"]}
    events = await audit.count("return.value_changed")
    body = {"version": 1, "values": [{"indicator": "PO_REG_PCT", "value": 31}]}
    response = await client.patch(API, json=body, headers=auth)
    assert response.status_code == 200, response.text
    after = {v["indicator"]: v["value"] for v in response.json()["values"]}
    assert after == {**before, "PO_REG_PCT": 31.0}
    assert response.json()["version"] == 2
    assert await audit.count("return.value_changed") == events + 1  # only the one value sent


async def test_a_partial_put_is_refused_listing_what_is_missing(client):
    auth = await _auth(client)
    body = {"version": 0, "values": [{"indicator": "PO_REG_PCT", "value": 31}]}
    response = await client.put(API, json=body, headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/incomplete") and problem["status"] == 422
    assert "PO_APPT_ENABLED" in problem["missing"] and "PO_REG_PCT" not in problem["missing"]
    assert len(problem["missing"]) == 15
    assert (await client.get(API, headers=auth)).json()["state"] == "not_started"


async def test_numbers_are_read_as_meant_and_refused_with_a_reason(client):
    auth = await _auth(client)
    cases = {"9,5": "Use a full stop for decimals", "1_0": "underscores", "٥٥": "digits 0 to 9", "1e1": "exponent"}
    for text, message in cases.items():
        body = {"version": 0, "values": [{"indicator": "PO_REG_PCT", "value": text}]}
        response = await client.patch(API, json=body, headers=auth)
        assert response.status_code == 422 and message in response.json()["errors"]["PO_REG_PCT"], text
    body = {"version": 0, "values": [{"indicator": "PO_REG_PCT", "value": "12%"}]}
    response = await client.patch(API, json=body, headers=auth)
    assert response.status_code == 200 and response.json()["values"][0]["value"] == 12.0


async def test_a_locked_period_says_locked_even_with_a_stale_version(client):
    auth = await _auth(client)
    await make_return(client.tree["practices"][0], "2017/18-Q3", "draft", complete_values())
    url = API.replace("2017-18-Q4", PREVIOUS_URL)
    response = await client.patch(url, json={"version": 99, "values": []}, headers=auth)
    assert response.status_code == 409
    assert response.json()["type"].endswith("/locked") and "locked" in response.json()["detail"]


async def test_errors_are_problem_details_with_www_authenticate_on_401(client):
    auth = await _auth(client)
    response = await client.get(API)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401 and response.json()["title"]
    missing = await client.get("/api/v1/practices/Z99999/returns", headers=auth)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


async def test_the_api_operations_document_their_responses_and_scheme(client):
    auth = await _auth(client)  # the document is for API token holders (and administrators)
    schema = (await client.get("/schema/openapi.json", headers=auth)).json()
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    path = schema["paths"]["/api/v1/practices/{ods_code}/returns/{period_code}"]
    for method in ("put", "patch"):
        assert {"401", "403", "404", "409", "422"} <= set(path[method]["responses"]), method
        assert path[method]["security"] == [{"BearerToken": []}]
    assert {"401", "403", "404"} <= set(path["get"]["responses"])


async def test_a_body_of_the_wrong_types_is_refused_not_coerced(client):
    auth = await _auth(client)
    for body in (
        {"version": 0, "values": [], "submit": 0},
        {"version": "0", "values": []},
        {"version": True, "values": []},
        {"version": 0, "values": [{"indicator": "PO_REG_PCT", "numerator": "5", "denominator": 10}]},
    ):
        response = await client.patch(API, json=body, headers=auth)
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(API, headers=auth)).json()["state"] == "not_started"


async def test_an_unsupported_method_names_the_methods_that_are(client):
    auth = await _auth(client)
    response = await client.delete(API, headers=auth)
    assert response.status_code == 405
    assert {"GET", "PUT", "PATCH"} <= {m.strip() for m in response.headers["allow"].split(",")}
    assert response.headers["content-type"].startswith("application/problem+json")

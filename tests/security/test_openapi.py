"""The OpenAPI document: only for administrators and API token holders, describing only the API,
with no viewer page that loads scripts from elsewhere."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.factories import make_org_tree
from tracker.accounts.principal import Role
from tracker.returns import api_service
from tracker.returns.service import Actor
from tracker.settings import Settings

pytestmark = pytest.mark.security

DOCUMENTS = ["/schema", "/schema/openapi.json"]
VIEWERS = ["/schema/swagger", "/schema/redoc", "/schema/elements", "/schema/rapidoc", "/schema/scalar"]


async def _token(settings: Settings) -> str:
    issued = await api_service.issue("Supplier", "A81001", actor=Actor(None, "test", ""), now=settings.now())
    assert issued is not None
    return issued[0]


async def test_signed_out_visitors_cannot_read_the_document(client):
    for path in DOCUMENTS:
        page = await client.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")
        program = await client.get(path, headers={"accept": "application/json"}, follow_redirects=False)
        assert program.status_code == 401
    bad = await client.get(DOCUMENTS[1], headers={"Authorization": "Bearer ptk_forged"}, follow_redirects=False)
    assert bad.status_code in (303, 401)


@pytest.mark.parametrize("role", [Role.PRACTICE, Role.CCG, Role.REGION, Role.NATIONAL])
async def test_signed_in_people_other_than_administrators_are_refused(client, role):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][role]["email"])
    for path in DOCUMENTS:
        assert (await client.get(path, follow_redirects=False)).status_code == 403


async def test_an_administrator_reads_a_document_of_the_api_only(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.ADMIN]["email"])
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert paths and all(path.startswith("/api/") for path in paths), sorted(paths)
    assert (await client.get("/schema")).json()["paths"] == paths


async def test_an_api_token_holder_reads_it(client, clean_db):
    await make_org_tree()
    token = await _token(clean_db)
    response = await client.get(DOCUMENTS[1], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "/api/v1/practices/{ods_code}/returns/{period_code}" in response.json()["paths"]


async def test_there_is_no_viewer_page(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.ADMIN]["email"])
    for path in VIEWERS:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert '<script src="http' not in response.text

"""CSRF on every unsafe route: without the token, a request from someone who may use the route is
refused and changes nothing. Routes are taken from the route matrix, which covers every route."""

from __future__ import annotations

import pytest

from tests.conftest import CSRF
from tests.factories import make_org_tree
from tests.route_matrix.matrix import Entry, app_routes, build, fill
from tests.route_matrix.test_route_matrix import ENTRIES
from tests.security.probes import act_as, allowed_role, changed, table_checksums

pytestmark = pytest.mark.security

UNSAFE = [e for e in ENTRIES if e.method != "GET"]


async def test_every_unsafe_route_is_probed(client):
    unsafe_routes = {(m, p) for m, p in app_routes(client.app) if m != "GET"}
    assert unsafe_routes == {e.key for e in UNSAFE}


@pytest.mark.parametrize("entry", UNSAFE, ids=lambda e: f"{e.method} {e.path}")
async def test_an_unsafe_request_without_the_csrf_token_is_refused(client, entry: Entry):
    tree = await make_org_tree()
    role = allowed_role(entry)
    await act_as(client, tree, role)
    path = fill(entry.path, await build(entry.params, tree))
    form = await build(entry.form, tree)
    page = await client.get("/sign-in")  # the CSRF cookie is set: only the token is missing
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    before = await table_checksums()
    if path.startswith("/api/"):
        # The API takes no cookies: it is exempt from CSRF and needs a bearer token instead.
        response = await client.request(entry.method, path, json=form, follow_redirects=False)
        assert response.status_code in (401, 403)
    else:
        without = await client.request(entry.method, path, data=form, follow_redirects=False)
        forged = await client.request(
            entry.method, path, data={"_csrf_token": token[:-4] + "AAAA", **form}, follow_redirects=False
        )
        header = await client.request(
            entry.method, path, json=form, headers={"x-csrf-token": "forged"}, follow_redirects=False
        )
        assert (without.status_code, forged.status_code, header.status_code) == (403, 403, 403)
    assert changed(before, await table_checksums()) == []

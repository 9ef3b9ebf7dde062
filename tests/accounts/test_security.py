"""Web security: CSRF on every state-changing request, headers, cookie flags, error pages."""

from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import csrf_token, sign_in
from tests.factories import PASSWORD, make_org_tree
from tracker.accounts.principal import Role
from tracker.app import create_app
from tracker.tables import Account

pytestmark = pytest.mark.security


async def test_a_form_post_without_the_csrf_token_is_refused(client):
    tree = await make_org_tree()
    response = await client.post(
        "/sign-in", data={"email": tree["users"][Role.CCG]["email"], "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert client.cookies.get("tracker_session") is None
    await client.get("/sign-in")  # a CSRF cookie, but a wrong token
    forged = await client.post(
        "/sign-in",
        data={"_csrf_token": "forged", "email": tree["users"][Role.CCG]["email"], "password": PASSWORD},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    # The person is told what happened and what to do, not that they lack access
    assert "This form has expired" in forged.text and "Nothing was saved" in forged.text


async def test_files_and_probes_never_set_a_form_token(client):
    # A page's late request for its icon must not replace the token its form holds.
    for path in ("/assets/images/favicon.svg", "/static/tracker.css", "/health"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "tracker_csrf" not in response.headers.get("set-cookie", ""), path
    assert "tracker_csrf" in (await client.get("/sign-in")).headers["set-cookie"]


async def test_a_signed_in_admin_cannot_be_made_to_post_without_a_token(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.ADMIN]["email"])
    target = tree["users"][Role.CCG]
    response = await client.post(f"/admin/users/{target['id']}/disable", follow_redirects=False)
    assert response.status_code == 403
    assert not (await Account.select(Account.disabled).where(Account.id == target["id"]).first())["disabled"]


async def test_non_form_posts_need_the_csrf_header(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.REGION]["email"])
    without = await client.post("/account/sign-out-everywhere", json={}, follow_redirects=False)
    assert without.status_code == 403
    assert (await client.get("/", follow_redirects=False)).status_code == 200  # still signed in
    token = await csrf_token(client, "/account")
    with_header = await client.post(
        "/account/sign-out-everywhere", json={}, headers={"x-csrf-token": token}, follow_redirects=False
    )
    assert with_header.status_code == 303


async def test_security_headers(client):
    response = await client.get("/sign-in")
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "'nonce-" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in headers
    csrf_cookie = next(v for k, v in headers.multi_items() if k == "set-cookie" and "tracker_csrf=" in v)
    assert "HttpOnly" in csrf_cookie and "samesite=lax" in csrf_cookie.lower()


async def test_over_https_cookies_are_secure_and_hsts_is_sent(clean_db):
    tree = await make_org_tree()
    app = create_app(replace(clean_db, https=True), configure_database=False)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as secure:
        page = await secure.get("/sign-in")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert any("Secure" in v for k, v in page.headers.multi_items() if k == "set-cookie")
        await sign_in(secure, tree["users"][Role.CCG]["email"])


async def test_large_bodies_are_refused(client):
    big = "x" * 6_000_000
    response = await client.post("/sign-in", content=big, headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code in (403, 413)


async def test_errors_show_no_stack_trace(client, monkeypatch):
    from tracker.accounts import presenters

    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])

    def broken(user):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(presenters, "home_context", broken)
    response = await client.get("/")
    assert response.status_code == 500
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert "Sorry, there is a problem with the service" in response.text

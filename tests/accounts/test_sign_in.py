"""Sign-in: session renewal, throttling and locks, disabled and demo accounts, sign-out, audit."""

import datetime as dt

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import PASSWORD, make_account, make_org_tree
from tests.pages import check_page
from tracker import clock
from tracker.accounts import throttle
from tracker.accounts.principal import Role
from tracker.audit import service as audit
from tracker.tables import Account, AuditEvent, KeyValue


async def _attempt(client, email, password="wrong password here", **kwargs):
    return await post_form(client, "/sign-in", {"email": email, "password": password}, follow_redirects=False, **kwargs)


async def _actions():
    return [r["action"] for r in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)]


async def test_session_id_is_renewed_at_sign_in_and_the_old_one_is_worthless(client):
    tree = await make_org_tree()
    await client.get("/sign-in")
    token = await csrf_token(client)
    # A session planted before sign-in (session fixation): give the client a known session id.
    client.cookies.set("tracker_session", "planted-session-id-123456", domain="testserver.local", path="/")
    response = await client.post(
        "/sign-in",
        data={"_csrf_token": token, "email": tree["users"][Role.CCG]["email"], "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    new_id = client.cookies.get("tracker_session")
    assert new_id and new_id != "planted-session-id-123456"
    assert not await KeyValue.exists().where(KeyValue.key == "session:planted-session-id-123456")
    home = await client.get("/")
    assert home.status_code == 200
    assert await audit.count("sign_in.succeeded") == 1


async def test_sign_in_cookie_flags(client):
    tree = await make_org_tree()
    await client.get("/sign-in")
    token = await csrf_token(client)
    response = await client.post(
        "/sign-in",
        data={"_csrf_token": token, "email": tree["users"][Role.CCG]["email"], "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "tracker_session=" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # not served over HTTPS in tests: see test_security for TRACKER_HTTPS


async def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    await make_org_tree()
    wrong = await _attempt(client, "lead@00k.test")
    unknown = await _attempt(client, "nobody@00k.test")
    assert wrong.status_code == unknown.status_code == 422
    check_page(wrong.text)
    assert "The email address or password is not right" in wrong.text
    assert "The email address or password is not right" in unknown.text
    assert await audit.count("sign_in.failed") == 2


async def test_account_is_locked_after_five_failures_and_the_person_is_told(client):
    tree = await make_org_tree()
    email = tree["users"][Role.CCG]["email"]
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        assert (await _attempt(client, email)).status_code == 422
    locked = await _attempt(client, email)
    assert locked.status_code == 429
    check_page(locked.text)
    assert "locked for 15 minutes" in locked.text
    # Even the right password is refused while locked.
    refused = await _attempt(client, email, PASSWORD)
    assert refused.status_code == 429
    assert (await client.get("/", follow_redirects=False)).status_code == 303
    actions = await _actions()
    assert actions.count("sign_in.failed") == 5
    assert "account.locked" in actions and "sign_in.refused_locked" in actions
    row = await Account.select(Account.locked_until).where(Account.email == email).first()
    assert row["locked_until"] is not None
    # Another account from the same address is not affected (the per-address limit is higher).
    await sign_in(client, tree["users"][Role.REGION]["email"])


async def test_unknown_emails_lock_too_so_a_lock_reveals_nothing(client):
    for _ in range(throttle.ACCOUNT_LIMIT):
        response = await _attempt(client, "nobody@nowhere.test")
    assert response.status_code == 429
    assert "locked for 15 minutes" in response.text


async def test_the_lock_ends_after_15_minutes(client):
    tree = await make_org_tree()
    email = tree["users"][Role.CCG]["email"]
    for _ in range(throttle.ACCOUNT_LIMIT):
        await _attempt(client, email)
    # Move the lock's expiry into the past, as if 15 minutes had gone by.
    past = clock.now() - dt.timedelta(seconds=1)
    await KeyValue.update({KeyValue.expires_at: past}).where(KeyValue.key.like("signin:lock:%"))
    await sign_in(client, email)


async def test_one_address_is_locked_after_twenty_failures_across_accounts(client):
    await make_org_tree()
    statuses = []
    for n in range(throttle.ADDRESS_LIMIT):
        statuses.append((await _attempt(client, f"guess{n}@example.test")).status_code)
    assert statuses[:-1] == [422] * (throttle.ADDRESS_LIMIT - 1)
    assert statuses[-1] == 429
    blocked = await _attempt(client, "lead@00k.test", PASSWORD)
    assert blocked.status_code == 429
    assert "too many attempts to sign in from your network" in blocked.text
    assert await audit.count("address.locked") == 1


async def test_a_disabled_user_cannot_sign_in(client):
    tree = await make_org_tree()
    ccg = tree["ccgs"][0]
    account = await make_account(Role.CCG, email="gone@00k.test", ccg=ccg, disabled=True)
    response = await _attempt(client, account["email"], PASSWORD)
    assert response.status_code == 422
    assert "This account has been disabled" in response.text
    wrong = await _attempt(client, account["email"])
    assert "The email address or password is not right" in wrong.text  # nothing revealed without the password
    assert await audit.count("sign_in.refused_disabled") == 1


async def test_disabling_ends_a_running_session(client):
    tree = await make_org_tree()
    user = tree["users"][Role.CCG]
    await sign_in(client, user["email"])
    assert (await client.get("/")).status_code == 200
    await Account.update({Account.disabled: True}).where(Account.id == user["id"])
    assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_demo_accounts_sign_in_only_in_demo_mode(client):
    await make_org_tree()
    await make_account(Role.NATIONAL, email="demo@demo.test")
    await Account.update({Account.demo: True}).where(Account.email == "demo@demo.test")
    response = await _attempt(client, "demo@demo.test", PASSWORD)
    assert response.status_code == 422  # the test settings have TRACKER_DEMO=false
    events = await AuditEvent.select(AuditEvent.detail).where(AuditEvent.action == "sign_in.failed")
    assert "demo account outside demo mode" in events[0]["detail"]


async def test_an_account_without_a_password_cannot_be_signed_into(client):
    await make_org_tree()
    await make_account(Role.NATIONAL, email="invited@england.test")
    await Account.update({Account.password_hash: ""}).where(Account.email == "invited@england.test")
    for password in ("", "not-a-real-password-for-timing", PASSWORD):
        response = await _attempt(client, "invited@england.test", password)
        assert response.status_code == 422


async def test_sign_out_and_sign_out_everywhere(client, clean_db):
    from litestar.testing import AsyncTestClient

    from tracker.app import create_app

    tree = await make_org_tree()
    email = tree["users"][Role.REGION]["email"]
    await sign_in(client, email)
    async with AsyncTestClient(app=create_app(clean_db, configure_database=False)) as other:
        await sign_in(other, email)
        assert (await other.get("/")).status_code == 200
        response = await post_form(
            client, "/account/sign-out-everywhere", {}, token_from="/account", follow_redirects=False
        )
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
        # The other device's session ended too.
        assert (await other.get("/", follow_redirects=False)).status_code == 303
    assert (await client.get("/", follow_redirects=False)).status_code == 303
    await sign_in(client, email)  # and signing in again works
    response = await post_form(client, "/sign-out", {}, token_from="/account", follow_redirects=False)
    assert response.status_code == 303
    assert (await client.get("/", follow_redirects=False)).status_code == 303
    actions = await _actions()
    assert "sign_out.everywhere" in actions and "sign_out" in actions


async def test_sessions_end_after_the_absolute_limit(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    assert (await client.get("/")).status_code == 200
    client.app.state["session_absolute_limit"] = dt.timedelta(seconds=0)
    assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_idle_sessions_expire_in_the_store(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    sid = client.cookies.get("tracker_session")
    row = await KeyValue.select(KeyValue.expires_at).where(KeyValue.key == f"session:{sid}").first()
    idle = row["expires_at"] - clock.now()
    assert dt.timedelta(minutes=55) < idle <= dt.timedelta(minutes=60)
    await KeyValue.update({KeyValue.expires_at: clock.now() - dt.timedelta(seconds=1)}).where(
        KeyValue.key == f"session:{sid}"
    )
    assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_next_never_leaves_the_site(client):
    tree = await make_org_tree()
    for target, expected in (("//evil.test/x", "/"), ("https://evil.test", "/"), ("/practices", "/practices")):
        await client.get("/sign-in")
        response = await post_form(
            client,
            "/sign-in",
            {"email": tree["users"][Role.NATIONAL]["email"], "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == expected
        client.cookies.clear()

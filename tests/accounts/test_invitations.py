"""Invitations and password resets: single-use, expiring links; emails in the outbox; audit."""

import datetime as dt
import re

from tests.conftest import post_form, sign_in
from tests.factories import PASSWORD, make_org_tree
from tests.pages import check_page, h1
from tracker import clock
from tracker.accounts import tokens_service
from tracker.accounts.principal import Role
from tracker.audit import service as audit
from tracker.tables import Account, AccountToken, OutboxEmail

NEW_PASSWORD = "purple kettle orbit gravel"
LINK = re.compile(r"http://[^\s]+/set-password/([A-Za-z0-9_-]+)")


async def _invite(client, **fields):
    data = {"email": "New.Person@Example.nhs.test", "name": "New Person", "role": "practice", "org": "A81001"}
    data.update(fields)
    return await post_form(client, "/admin/users/invite", data, follow_redirects=False)


async def _token_from_outbox(to: str) -> str:
    row = (
        await OutboxEmail.select(OutboxEmail.body_text)
        .where(OutboxEmail.to_address == to)
        .order_by(OutboxEmail.id, ascending=False)
        .first()
    )
    return LINK.search(row["body_text"]).group(1)


async def test_admin_invites_a_user_who_sets_a_password_once(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.ADMIN]["email"])
    response = await _invite(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?done=invited"
    listing = await client.get("/admin/users?done=invited")
    check_page(listing.text)
    assert "new.person@example.nhs.test" in listing.text and "Invited" in listing.text
    email = await OutboxEmail.select().where(OutboxEmail.to_address == "new.person@example.nhs.test").first()
    assert email["kind"] == "account_invitation"
    assert "http://127.0.0.1:8000/set-password/" in email["body_text"]  # settings.base_url
    token = await _token_from_outbox("new.person@example.nhs.test")
    # Only the token's hash is stored.
    stored = await AccountToken.select(AccountToken.token_hash).first()
    assert stored["token_hash"] == tokens_service.token_hash(token) and token not in stored["token_hash"]

    client.cookies.clear()
    page = await client.get(f"/set-password/{token}")
    assert page.status_code == 200
    check_page(page.text)
    assert h1(page.text) == "Choose your password"
    weak = await post_form(client, f"/set-password/{token}", {"password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422 and "too easy to guess" in weak.text
    short = await post_form(client, f"/set-password/{token}", {"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "12 characters or more" in short.text
    mismatch = await post_form(client, f"/set-password/{token}", {"password": NEW_PASSWORD, "confirm": "other"})
    assert mismatch.status_code == 422 and "do not match" in mismatch.text
    done = await post_form(
        client, f"/set-password/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?done=password-set"
    await sign_in(client, "new.person@example.nhs.test", NEW_PASSWORD)
    home = await client.get("/")
    assert "Your practice" in home.text

    # Single use: the same link again is refused and changes nothing.
    client.cookies.clear()
    again = await client.get(f"/set-password/{token}")
    assert again.status_code == 410 and "already been used" in again.text
    reuse = await post_form(
        client,
        f"/set-password/{token}",
        {"password": "another long passphrase", "confirm": "another long passphrase"},
        token_from="/forgot-password",
    )
    assert reuse.status_code == 410
    await sign_in(client, "new.person@example.nhs.test", NEW_PASSWORD)
    assert await audit.count("account.created") == 1
    assert await audit.count("password.set") == 1


async def test_expired_and_wrong_links_are_refused(client):
    tree = await make_org_tree()
    account = tree["users"][Role.PRACTICE]
    _, token = await tokens_service.issue(account["id"], tokens_service.RESET)
    await AccountToken.update({AccountToken.expires_at: clock.now() - dt.timedelta(seconds=1)}).where(
        AccountToken.account == account["id"]
    )
    expired = await client.get(f"/set-password/{token}")
    assert expired.status_code == 410 and "expired" in expired.text
    check_page(expired.text)
    posted = await post_form(
        client, f"/set-password/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from="/sign-in"
    )
    assert posted.status_code == 410
    row = await Account.select(Account.password_hash).where(Account.id == account["id"]).first()
    from tracker.accounts.passwords import verify_password

    assert await verify_password(row["password_hash"], PASSWORD)  # unchanged
    wrong = await client.get("/set-password/not-a-real-token")
    assert wrong.status_code == 410 and "not right" in wrong.text


async def test_a_new_link_replaces_the_old_one(client):
    tree = await make_org_tree()
    account = tree["users"][Role.PRACTICE]
    _, first = await tokens_service.issue(account["id"], tokens_service.RESET)
    _, second = await tokens_service.issue(account["id"], tokens_service.RESET)
    assert (await client.get(f"/set-password/{first}")).status_code == 410
    assert (await client.get(f"/set-password/{second}")).status_code == 200


async def test_forgot_password_says_the_same_whether_or_not_the_email_exists(client):
    tree = await make_org_tree()
    known = await post_form(
        client, "/forgot-password", {"email": tree["users"][Role.CCG]["email"]}, follow_redirects=False
    )
    unknown = await post_form(client, "/forgot-password", {"email": "nobody@nowhere.test"}, follow_redirects=False)
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/forgot-password/sent"
    page = await client.get("/forgot-password/sent")
    check_page(page.text)
    assert await OutboxEmail.count() == 1  # only the real account gets an email
    token = await _token_from_outbox(tree["users"][Role.CCG]["email"])
    await post_form(client, f"/set-password/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    await sign_in(client, tree["users"][Role.CCG]["email"], NEW_PASSWORD)
    assert await audit.count("password.reset_requested") == 1
    assert await audit.count("password.reset_not_sent") == 1


async def test_reset_ends_sessions_and_clears_a_lock(client, clean_db):
    from litestar.testing import AsyncTestClient

    from tracker.accounts import throttle
    from tracker.app import create_app

    tree = await make_org_tree()
    email = tree["users"][Role.REGION]["email"]
    async with AsyncTestClient(app=create_app(clean_db, configure_database=False)) as other:
        await sign_in(other, email)
        for _ in range(throttle.ACCOUNT_LIMIT):
            await post_form(client, "/sign-in", {"email": email, "password": "wrong guess here"})
        await post_form(client, "/forgot-password", {"email": email})
        token = await _token_from_outbox(email)
        await post_form(client, f"/set-password/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert (await other.get("/", follow_redirects=False)).status_code == 303  # signed out everywhere
    await sign_in(client, email, NEW_PASSWORD)  # and no longer locked


async def test_reset_emails_are_limited_per_address(client):
    tree = await make_org_tree()
    for _ in range(5):
        await post_form(client, "/forgot-password", {"email": tree["users"][Role.CCG]["email"]})
    assert await OutboxEmail.count() == 3


async def test_disabled_and_demo_accounts_get_no_reset_email(client):
    tree = await make_org_tree()
    await Account.update({Account.disabled: True}).where(Account.id == tree["users"][Role.CCG]["id"])
    await Account.update({Account.demo: True}).where(Account.id == tree["users"][Role.REGION]["id"])
    for role in (Role.CCG, Role.REGION):
        await post_form(client, "/forgot-password", {"email": tree["users"][role]["email"]})
    assert await OutboxEmail.count() == 0


async def test_forgot_password_form_errors(client):
    response = await post_form(client, "/forgot-password", {"email": "not an email"})
    assert response.status_code == 422
    check_page(response.text)
    assert "correct format" in response.text and 'value="not an email"' in response.text

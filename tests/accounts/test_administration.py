"""Administration pages: users (list, search, pages, invite, change, disable), the CCG's own
practice users, the audit trail viewer, and the /admin landing page."""

import json

from tests.conftest import post_form, sign_in
from tests.factories import make_account, make_org_tree
from tests.pages import check_page, h1
from tracker.accounts.principal import Role
from tracker.audit import service as audit
from tracker.tables import Account, AccountPractice, AuditEvent


async def _admin(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.ADMIN]["email"])
    return tree


async def test_admin_landing_lists_the_sections(client):
    await _admin(client)
    page = await client.get("/admin")
    check_page(page.text)
    assert h1(page.text) == "Administration"
    assert 'href="/admin/users"' in page.text and 'href="/admin/audit"' in page.text


async def test_user_list_searches_filters_and_pages(client):
    tree = await _admin(client)
    for n in range(30):
        await make_account(Role.PRACTICE, email=f"bulk{n:02d}@example.nhs.test", practices=[tree["practices"][1]])
    first = await client.get("/admin/users")
    check_page(first.text)
    assert "38 users, page 1 of 2" in first.text
    second = await client.get("/admin/users?page=2")
    assert "page 2 of 2" in second.text
    found = await client.get("/admin/users", params={"q": "BULK07"})
    assert "1 user." in found.text and "bulk07@example.nhs.test" in found.text
    by_code = await client.get("/admin/users", params={"q": "a81002"})
    assert "30 users" in by_code.text
    by_role = await client.get("/admin/users", params={"role": "ccg"})
    assert "2 users." in by_role.text and "lead@00k.test" in by_role.text
    for hostile in ("%", "_", "'; DROP TABLE account; --", "\\", "9" * 50):
        response = await client.get("/admin/users", params={"q": hostile, "page": hostile})
        assert response.status_code == 200


async def test_invite_errors_keep_what_was_typed(client):
    await _admin(client)
    response = await post_form(
        client, "/admin/users/invite", {"email": "bad", "name": "", "role": "practice", "org": "Z99999"}
    )
    assert response.status_code == 422
    check_page(response.text)
    assert "There is a problem" in response.text
    assert 'href="#email"' in response.text and 'href="#name"' in response.text
    assert 'value="bad"' in response.text
    unknown = await post_form(
        client, "/admin/users/invite", {"email": "x@example.nhs.test", "name": "X", "role": "practice", "org": "Z99999"}
    )
    assert unknown.status_code == 422 and "No practice has the code Z99999" in unknown.text
    assert 'value="Z99999"' in unknown.text
    ccg_two = await post_form(
        client, "/admin/users/invite", {"email": "x@example.nhs.test", "name": "X", "role": "ccg", "org": "00K, 11J"}
    )
    assert ccg_two.status_code == 422 and "one CCG" in ccg_two.text
    national_org = await post_form(
        client, "/admin/users/invite", {"email": "x@example.nhs.test", "name": "X", "role": "national", "org": "00K"}
    )
    assert national_org.status_code == 422 and "leave this empty" in national_org.text
    duplicate = await post_form(
        client, "/admin/users/invite", {"email": "LEAD@00k.test", "name": "X", "role": "ccg", "org": "00K"}
    )
    assert duplicate.status_code == 422 and "already exists" in duplicate.text
    no_role = await post_form(
        client, "/admin/users/invite", {"email": "x@example.nhs.test", "name": "X", "role": "emperor", "org": ""}
    )
    assert no_role.status_code == 422 and "Select the person" in no_role.text
    assert not await Account.exists().where(Account.email == "x@example.nhs.test")


async def test_admin_changes_role_and_organisations_with_an_audit_of_old_and_new(client):
    tree = await _admin(client)
    target = tree["users"][Role.PRACTICE]
    page = await client.get(f"/admin/users/{target['id']}")
    check_page(page.text)
    response = await post_form(
        client,
        f"/admin/users/{target['id']}",
        {"name": "Moved Person", "role": "practice", "org": "A81001, A81002"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    links = await AccountPractice.count().where(AccountPractice.account == target["id"])
    assert links == 2
    response = await post_form(
        client,
        f"/admin/users/{target['id']}",
        {"name": "Moved Person", "role": "ccg", "org": "11J"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    row = await Account.select(Account.role, Account.ccg).where(Account.id == target["id"]).first()
    assert row["role"] == "ccg" and row["ccg"] == tree["ccgs"][1]["id"]
    assert await AccountPractice.count().where(AccountPractice.account == target["id"]) == 0
    events = (
        await AuditEvent.select(AuditEvent.detail).where(AuditEvent.action == "user.updated").order_by(AuditEvent.id)
    )
    last = json.loads(events[-1]["detail"])
    assert last["old"]["role"] == "practice" and last["new"] == {"name": "Moved Person", "role": "ccg", "org": "11J"}
    bad = await post_form(
        client, f"/admin/users/{target['id']}", {"name": "Moved Person", "role": "region", "org": "Q1"}
    )
    assert bad.status_code == 422 and "No region has the code Q1" in bad.text
    # An administrator cannot demote or disable themselves.
    me = tree["users"][Role.ADMIN]
    self_demote = await post_form(client, f"/admin/users/{me['id']}", {"name": "Me", "role": "national", "org": ""})
    assert self_demote.status_code == 422 and "your own role" in self_demote.text


async def test_disable_and_re_enable(client):
    tree = await _admin(client)
    target = tree["users"][Role.CCG]
    page = f"/admin/users/{target['id']}"
    response = await post_form(client, f"{page}/disable", {}, token_from=page, follow_redirects=False)
    assert response.status_code == 303
    assert (await Account.select(Account.disabled).where(Account.id == target["id"]).first())["disabled"]
    shown = await client.get(page)
    assert "Re-enable account" in shown.text
    await post_form(client, f"{page}/enable", {}, token_from=page)
    assert not (await Account.select(Account.disabled).where(Account.id == target["id"]).first())["disabled"]
    assert await audit.count("user.disabled") == 1 and await audit.count("user.enabled") == 1
    me = tree["users"][Role.ADMIN]
    own = await post_form(client, f"/admin/users/{me['id']}/disable", {}, token_from=page)
    assert own.status_code == 422


async def test_missing_users_are_404(client):
    await _admin(client)
    for path in ("/admin/users/999999", "/admin/users/0", f"/admin/users/{2**63 - 1}"):
        assert (await client.get(path)).status_code == 404


async def test_ccg_lead_invites_and_manages_its_own_practice_users_only(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    listing = await client.get("/users")
    check_page(listing.text)
    assert "practice@a81001.test" in listing.text and "practice@j81001.test" not in listing.text
    assert "lead@00k.test" not in listing.text  # only practice users
    foreign = await post_form(client, "/users/invite", {"email": "p@example.nhs.test", "name": "P", "org": "J81001"})
    assert foreign.status_code == 422 and "J81001 is not one of your CCG" in foreign.text
    sneaky = await post_form(
        client, "/users/invite", {"email": "p@example.nhs.test", "name": "P", "role": "admin", "org": ""}
    )
    assert sneaky.status_code == 422  # the role field is ignored: a CCG lead invites practice users
    assert not await Account.exists().where(Account.email == "p@example.nhs.test")
    ok = await post_form(
        client, "/users/invite", {"email": "p@example.nhs.test", "name": "P", "org": "A81002"}, follow_redirects=False
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/users?done=invited"
    row = await Account.select(Account.role).where(Account.email == "p@example.nhs.test").first()
    assert row["role"] == "practice"
    own = tree["users"][Role.PRACTICE]
    other = tree["foreign_users"][Role.PRACTICE]
    assert (await client.get(f"/users/{own['id']}")).status_code == 200
    assert (await client.get(f"/users/{other['id']}")).status_code == 403
    assert (await client.get(f"/users/{tree['users'][Role.REGION]['id']}")).status_code == 403
    response = await post_form(client, f"/users/{own['id']}/disable", {}, token_from=f"/users/{own['id']}")
    assert response.status_code == 200
    assert (await Account.select(Account.disabled).where(Account.id == own["id"]).first())["disabled"]
    refused = await post_form(client, f"/users/{other['id']}/disable", {}, token_from="/users")
    assert refused.status_code == 403
    assert not (await Account.select(Account.disabled).where(Account.id == other["id"]).first())["disabled"]


async def test_audit_trail_filters_and_pages(client):
    tree = await _admin(client)
    await audit.record_many(
        [
            {"action": "return.approved", "actor": "lead@00k.test", "entity_type": "return", "entity_id": n}
            for n in range(60)
        ]
    )
    page = await client.get("/admin/audit")
    check_page(page.text)
    assert "page 1 of 2" in page.text
    assert "sign_in.succeeded" in page.text
    filtered = await client.get("/admin/audit", params={"action": "sign_in.succeeded"})
    assert "1 event." in filtered.text
    by_actor = await client.get("/admin/audit", params={"actor": "LEAD@00K"})
    assert "60 events" in by_actor.text
    by_entity = await client.get("/admin/audit", params={"entity_type": "return", "entity_id": "7"})
    assert "1 event." in by_entity.text
    today = await client.get("/admin/audit", params={"from": "2000-01-01", "to": "2100-01-01"})
    assert "61 events" in today.text
    bad = await client.get("/admin/audit", params={"from": "yesterday", "to": "1999-01-01"})
    assert bad.status_code == 422
    check_page(bad.text)
    assert "YYYY-MM-DD" in bad.text
    # Read-only: no route changes an event.
    assert (await client.delete("/admin/audit")).status_code in (403, 405)
    assert tree


async def test_non_admins_cannot_open_administration(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.NATIONAL]["email"])
    for path in ("/admin", "/admin/users", "/admin/audit", "/users"):
        response = await client.get(path)
        assert response.status_code == 403, path
        check_page(response.text)

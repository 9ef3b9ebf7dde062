"""Contact addresses and imports through the app: who may change which organisation's address,
the CSV import's preview then confirm (all or nothing, audited), and inviting users from a file
through the invitation flow and the outbox."""

import re

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page
from tracker.accounts.principal import Role
from tracker.tables import Account, AuditEvent, Ccg, OutboxEmail, Practice

KEY = re.compile(r'name="key" value="([^"]+)"')


async def contact_of(code: str) -> str:
    row = await Practice.select(Practice.contact_email).where(Practice.ods_code == code).first()
    if row is None:
        row = await Ccg.select(Ccg.contact_email).where(Ccg.code == code).first()
    return row["contact_email"]


async def upload(client, path: str, text: str, token_from: str):
    token = await csrf_token(client, token_from)
    return await client.post(
        path, data={"_csrf_token": token}, files={"file": ("contacts.csv", text.encode(), "text/csv")}
    )


async def test_a_ccg_lead_edits_its_practices_contact_and_not_another_ccgs(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    page = await client.get("/contacts")
    check_page(page.text)
    assert "A81001" in page.text and "00K" in page.text and "J81001" not in page.text
    saved = await post_form(client, "/contacts/A81001", {"email": "Manager@A81001.test"}, follow_redirects=False)
    assert saved.status_code == 303
    assert await contact_of("A81001") == "manager@a81001.test"
    event = await AuditEvent.select().where(AuditEvent.action == "contact.updated").first()
    assert event["entity_id"] == "A81001" and '"old": {"contact_email": ""}' in event["detail"]
    bad = await post_form(client, "/contacts/A81001", {"email": "not an email"})
    assert bad.status_code == 422 and 'value="not an email"' in bad.text and 'href="#email"' in bad.text
    # Another CCG's practice: refused, and nothing changes.
    assert (await client.get("/contacts/J81001")).status_code == 403
    token = await csrf_token(client, "/contacts")
    refused = await client.post("/contacts/J81001", data={"_csrf_token": token, "email": "x@evil.test"})
    assert refused.status_code == 403
    assert await contact_of("J81001") == ""
    # An address no one reads any more is removed from its page, and that is audited too.
    form = await client.get("/contacts/A81001")
    check_page(form.text)
    assert "Remove manager@a81001.test if no one reads it any more" in form.text
    removed = await post_form(
        client, "/contacts/A81001/remove", {}, token_from="/contacts/A81001", follow_redirects=False
    )
    assert removed.status_code == 303 and removed.headers["location"] == "/contacts?done=removed"
    assert await contact_of("A81001") == ""
    assert "Contact address removed." in (await client.get("/contacts?done=removed")).text
    assert "Remove contact address" not in (await client.get("/contacts/A81001")).text
    assert await AuditEvent.count().where(AuditEvent.action == "contact.updated") == 2
    token = await csrf_token(client, "/contacts")
    assert (await client.post("/contacts/J81001/remove", data={"_csrf_token": token})).status_code == 403


async def test_a_practice_user_edits_its_own_contact_and_cannot_import(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.PRACTICE]["email"])
    page = await client.get("/contacts")
    assert "A81001" in page.text and "A81002" not in page.text and "Import" not in page.text
    assert (await client.get("/contacts/00K")).status_code == 403
    assert (await client.get("/contacts/A81002")).status_code == 403
    assert (await client.get("/contacts/import")).status_code == 403
    token = await csrf_token(client, "/contacts")
    refused = await client.post(
        "/contacts/import", data={"_csrf_token": token}, files={"file": ("c.csv", b"ODS code,Email\nA81001,a@b.test\n")}
    )
    assert refused.status_code == 403
    assert await contact_of("A81001") == ""
    ok = await post_form(client, "/contacts/A81001", {"email": "me@a81001.test"}, follow_redirects=False)
    assert ok.status_code == 303 and await contact_of("A81001") == "me@a81001.test"


async def test_a_contacts_import_is_previewed_then_written_whole(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    preview = await upload(
        client, "/contacts/import", "ODS code,Email\nA81001,one@a81001.test\n00K,gp-it@00k.test\n", "/contacts/import"
    )
    assert preview.status_code == 200
    check_page(preview.text)
    assert "Check the contact addresses before saving them" in preview.text
    assert await contact_of("A81001") == ""  # a preview writes nothing
    key = KEY.search(preview.text).group(1)
    done = await post_form(
        client, "/contacts/import/confirm", {"key": key}, token_from="/contacts", follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/contacts?done=imported-2"
    assert await contact_of("A81001") == "one@a81001.test" and await contact_of("00K") == "gp-it@00k.test"
    assert await AuditEvent.count().where(AuditEvent.action == "contact.updated") == 2
    # The same key again: gone, nothing more happens.
    again = await post_form(client, "/contacts/import/confirm", {"key": key}, token_from="/contacts")
    assert again.status_code == 422 and "upload the file again" in again.text


async def test_a_contacts_import_with_a_foreign_row_writes_nothing(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    refused = await upload(
        client,
        "/contacts/import",
        "ODS code,Email\nA81001,one@a81001.test\nJ81001,x@evil.test\n",
        "/contacts/import",
    )
    assert refused.status_code == 422
    check_page(refused.text)
    assert "Row 3: J81001 is not your CCG or one of its practices" in refused.text
    assert 'name="key"' not in refused.text
    assert await contact_of("A81001") == "" and await contact_of("J81001") == ""


async def test_another_persons_preview_cannot_be_confirmed(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.ADMIN]["email"])
    preview = await upload(client, "/contacts/import", "ODS code,Email\nJ81001,x@j.test\n", "/contacts/import")
    key = KEY.search(preview.text).group(1)
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/account")})
    await sign_in(client, tree["users"][Role.CCG]["email"])
    stolen = await post_form(client, "/contacts/import/confirm", {"key": key}, token_from="/contacts")
    assert stolen.status_code == 422
    assert await contact_of("J81001") == ""


async def test_an_admin_invites_users_from_a_file_once_each(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.ADMIN]["email"])
    text = (
        "Email,Name,Role,Organisation code\nnew1@a81001.test,Ann One,practice,A81001\nlead2@11j.test,Ben Two,ccg,11J\n"
    )
    preview = await upload(client, "/admin/users/import", text, "/admin/users/import")
    assert preview.status_code == 200 and "Check the people before inviting them" in preview.text
    check_page(preview.text)
    assert await Account.count().where(Account.email == "new1@a81001.test") == 0
    key = KEY.search(preview.text).group(1)
    done = await post_form(
        client, "/admin/users/import/confirm", {"key": key}, token_from="/admin/users", follow_redirects=False
    )
    assert done.status_code == 303
    invitations = await OutboxEmail.select(OutboxEmail.to_address).where(OutboxEmail.kind == "account_invitation")
    assert sorted(r["to_address"] for r in invitations) == ["lead2@11j.test", "new1@a81001.test"]
    # The same file again: everyone has an account now, so no one is invited twice.
    again = await upload(client, "/admin/users/import", text, "/admin/users/import")
    assert again.status_code == 422 and "Row 2: new1@a81001.test already has an account" in again.text
    assert await OutboxEmail.count().where(OutboxEmail.kind == "account_invitation") == 2


async def test_a_ccg_lead_invites_only_its_practices_users(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    text = (
        "Email,Name,Role,Organisation code\n"
        "ok@a81001.test,Ann,practice,A81001\n"
        "no@j81001.test,Bob,practice,J81001\n"
        "boss@x.test,Cy,admin,\n"
    )
    refused = await upload(client, "/users/import", text, "/users/import")
    assert refused.status_code == 422
    assert "Row 3: J81001 is not one of your CCG&#39;s practices" in refused.text
    assert "Row 4: you can invite practice users only" in refused.text
    assert await Account.count().where(Account.email.is_in(["ok@a81001.test", "no@j81001.test"])) == 0
    assert await OutboxEmail.count() == 0
    assert (await client.get("/admin/users/import")).status_code == 403


async def test_the_admin_list_searches_and_pages_every_organisation(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.ADMIN]["email"])
    page = await client.get("/contacts")
    assert all(code in page.text for code in ("00K", "11J", "A81001", "J81001"))
    found = await client.get("/contacts", params={"q": "j81"})
    assert "J81001" in found.text and "A81001" not in found.text
    for hostile in ("%", "a&page=2#x", "'; DROP TABLE practice; --", "9" * 150):
        response = await client.get("/contacts", params={"q": hostile, "page": hostile})
        assert response.status_code == 200
    assert (await client.get("/contacts/ZZZZZZ")).status_code == 404
    assert 'href="/contacts"' in (await client.get("/admin")).text

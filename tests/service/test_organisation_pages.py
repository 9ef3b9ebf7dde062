"""The organisation browser, as each role sees it."""

from tests.conftest import sign_in
from tests.factories import make_org_tree
from tests.pages import check_page, h1
from tracker.accounts.principal import Role


async def test_signed_out_people_are_sent_to_sign_in(client):
    response = await client.get("/organisations", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Forganisations"


async def test_national_user_browses_england_region_ccg_practice(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.NATIONAL]["email"])
    page = await client.get("/organisations")
    check_page(page.text)
    assert h1(page.text) == "Organisations in England"
    assert "North East and Yorkshire" in page.text
    region = await client.get("/organisations/regions/Y63")
    assert "NHS Hartlepool and Stockton-on-Tees CCG" in region.text
    ccg = await client.get("/organisations/ccgs/00K")
    check_page(ccg.text)
    assert "The Densham Surgery" in ccg.text and "Dorset" not in ccg.text
    practice = await client.get("/practices/A81001")
    check_page(practice.text)
    assert h1(practice.text) == "The Densham Surgery" and "GP practice A81001" in practice.text


async def test_search_finds_by_code_or_name_within_scope(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    by_code = await client.get("/practices", params={"q": "a81001"})
    check_page(by_code.text)
    assert "1 practice found" in by_code.text
    by_name = await client.get("/practices", params={"q": "surgery"})
    assert "The Densham Surgery" in by_name.text
    assert "Dorset Surgery" not in by_name.text  # another CCG's practice


async def test_practice_user_sees_only_their_practice(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.PRACTICE]["email"])
    own = await client.get("/practices/A81001")
    assert own.status_code == 200
    foreign = await client.get("/practices/J81001")
    assert foreign.status_code == 403
    check_page(foreign.text)
    assert "Dorset" not in foreign.text
    region = await client.get("/organisations/regions/Y63")
    assert region.status_code == 403


async def test_ccg_user_cannot_open_another_ccg(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    assert (await client.get("/organisations/ccgs/00K")).status_code == 200
    assert (await client.get("/organisations/ccgs/11J")).status_code == 403
    assert (await client.get("/practices/J81001")).status_code == 403


async def test_unknown_pages_and_records_are_404_in_the_nhs_style(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.NATIONAL]["email"])
    for path in ("/practices/Z99999", "/organisations/ccgs/ZZZ", "/no-such-page"):
        response = await client.get(path)
        assert response.status_code == 404
        assert h1(response.text) == "Page not found"


async def test_sign_in_keeps_the_email_and_says_what_is_wrong(client):
    from tests.conftest import post_form

    response = await post_form(client, "/sign-in", {"email": "someone@nhs.net", "password": "wrong password!"})
    assert response.status_code == 422
    check_page(response.text)
    assert "There is a problem" in response.text
    assert 'value="someone@nhs.net"' in response.text
    assert 'href="#email"' in response.text


async def test_a_form_without_its_csrf_token_is_refused(client):
    response = await client.post("/sign-in", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 403

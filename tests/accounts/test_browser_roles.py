"""In a real browser: each role signs in and sees its own home page; a practice user who opens
another practice's page gets the 403 page."""

import pytest

from tests.factories import make_org_tree
from tests.fixtures_server import browser_sign_in, screenshot
from tracker.accounts.principal import Role

pytestmark = pytest.mark.browser

EXPECTED = {
    Role.PRACTICE: ("Your practice's progress", ["Your returns", "Your practice", "Dashboards"]),
    Role.CCG: ("Your CCG's practices", ["Review returns", "Your practices", "Practice users"]),
    Role.REGION: ("Your region", ["Your region", "Dashboards", "Funding"]),
    Role.NATIONAL: ("The national picture", ["Dashboards", "Organisations", "Funding"]),
    Role.ADMIN: ("Administration and oversight", ["Administration", "Users", "Audit trail"]),
}


async def test_each_role_sees_its_own_home_page(page):
    tree = await make_org_tree()
    for role, (heading, cards) in EXPECTED.items():
        await page.context.clear_cookies()
        await browser_sign_in(page, tree["users"][role]["email"])
        assert await page.locator("h1").inner_text() == heading
        for card in cards:
            assert await page.get_by_role("link", name=card, exact=True).first.is_visible(), (role, card)
        await screenshot(page, f"home-{role.value}")
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url("**/sign-in?done=signed-out")
        assert await page.get_by_text("You have signed out.").is_visible()


async def test_practice_user_gets_the_403_page_for_a_foreign_practice(page):
    tree = await make_org_tree()
    await browser_sign_in(page, tree["users"][Role.PRACTICE]["email"])
    response = await page.goto("/practices/J81001")
    assert response.status == 403
    assert await page.locator("h1").inner_text() == "You do not have access to this page"
    assert "Dorset" not in await page.content()
    await screenshot(page, "practice-user-foreign-practice-403")


async def test_a_locked_account_is_told_in_the_browser(page):
    tree = await make_org_tree()
    email = tree["users"][Role.CCG]["email"]
    await page.goto("/sign-in")
    for _ in range(5):
        await page.get_by_label("Email address").fill(email)
        await page.get_by_label("Password").fill("not the password at all")
        await page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "locked for 15 minutes" in await summary.inner_text()
    await screenshot(page, "sign-in-locked")


async def test_admin_invites_a_user_and_sees_it_in_the_audit_trail(page):
    tree = await make_org_tree()
    await browser_sign_in(page, tree["users"][Role.ADMIN]["email"])
    await page.goto("/admin/users/invite")
    await page.get_by_role("button", name="Send invitation").click()
    assert "There is a problem" in await page.locator(".nhsuk-error-summary").inner_text()
    await screenshot(page, "admin-invite-errors")
    await page.get_by_label("Email address").fill("new.lead@example.nhs.test")
    await page.get_by_label("Full name").fill("New Lead")
    await page.get_by_label("Role").select_option("ccg")
    await page.get_by_label("Organisation code(s)").fill("00K")
    await page.get_by_role("button", name="Send invitation").click()
    await page.wait_for_url("**/admin/users?done=invited")
    assert await page.get_by_role("link", name="new.lead@example.nhs.test").is_visible()
    await screenshot(page, "admin-users")
    await page.goto("/admin/audit")
    assert await page.get_by_role("cell", name="account.created").first.is_visible()
    await screenshot(page, "admin-audit")

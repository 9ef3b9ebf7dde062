"""In a real browser at 1280 x 900: England's and a region's dashboards with many CCGs are at most
three screens tall and start with the CCGs furthest behind (England's with a search too); the
changed pages pass axe at 1280 and 320 px without sideways scrolling; screenshots go to
/tmp/rates-shots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.a11y.test_axe import _axe, _horizontal_overflow
from tests.fixtures_server import browser_sign_in, offline, settled
from tests.maturity.scenario import scored_world
from tests.maturity.test_finding_ccgs import add_ccgs
from tracker.accounts.principal import Role

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/rates-shots")
SCREEN = 900


async def _checked(page: Any, path: str, shot: str) -> list[str]:
    await page.set_viewport_size({"width": 1280, "height": SCREEN})
    response = await page.goto(path)
    assert response is not None and response.status == 200, path
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    problems = [f"[1280px] {p}" for p in await _axe(page)]
    await page.set_viewport_size({"width": 320, "height": 800})
    await settled(page)
    overflow = await _horizontal_overflow(page)
    if overflow > 1:
        problems.append(f"[320px] scrolls sideways by {overflow}px")
    problems += [f"[320px] {p}" for p in await _axe(page)]
    await page.screenshot(path=str(SHOTS / f"{shot}-320.png"), full_page=True)
    return [f"{path}: {p}" for p in problems]


async def test_england_and_a_region_fit_three_screens_and_the_changed_pages_pass_axe(
    browser: Any, live_server: str, clean_db: Any
) -> None:
    world = await scored_world()
    await add_ccgs(world, 80)
    context = await offline(
        await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": SCREEN}, bypass_csp=True)
    )
    try:
        page = await context.new_page()
        await browser_sign_in(page, world["users"][Role.NATIONAL]["email"])
        await page.goto("/dashboards/england?period=2017/18-Q3")
        SHOTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(SHOTS / "england-first.png"), full_page=True)
        height = await page.evaluate("document.body.scrollHeight")
        assert height <= 3 * SCREEN, f"England's dashboard is {height}px tall"
        # The first screen: the CCGs furthest behind, and the search.
        first = await page.evaluate(
            """() => [document.querySelector('#ccgs').getBoundingClientRect().top,
                      document.querySelector('#ccg-search').getBoundingClientRect().bottom]"""
        )
        assert first[0] < SCREEN and first[1] < SCREEN, first
        # Searching works without JavaScript: a GET form.
        await page.get_by_label("Find a CCG by name or code").fill("Hartlepool")
        await page.get_by_role("button", name="Search").click()
        await page.wait_for_url(lambda url: "q=Hartlepool" in url)
        assert await page.get_by_role("link", name="NHS Hartlepool and Stockton-on-Tees CCG").count() == 1

        # A region with many CCGs: the ones furthest behind first, the full lists on request.
        await page.goto("/dashboards/regions/Y63?period=2017/18-Q3")
        height = await page.evaluate("document.body.scrollHeight")
        assert height <= 3 * SCREEN, f"the region's dashboard is {height}px tall"
        top = await page.evaluate("document.querySelector('#behind').getBoundingClientRect().top")
        assert top < SCREEN, top

        problems = await _checked(page, "/dashboards/england?period=2017/18-Q3", "england")
        problems += await _checked(page, "/dashboards/england/ccgs?period=2017/18-Q3&sort=name&dir=asc", "england-ccgs")
        problems += await _checked(page, "/dashboards/regions/Y63?period=2017/18-Q3", "region")
        assert not problems, "\n".join(problems)
    finally:
        await context.close()

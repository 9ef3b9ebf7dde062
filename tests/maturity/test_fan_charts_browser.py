"""In a real browser: the practice dashboard's fan charts at 1280 and 320 px wide. No sideways
scrolling at 320 px, axe passes, every chart label lies inside its chart and the peer strip's
marker covers none of its labels; a provisional period is drawn hollow and dashed.
Screenshots go to /tmp/fan-shots (docs/screenshots holds the chosen ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.a11y.test_axe import _axe, _horizontal_overflow
from tests.fixtures_server import browser_sign_in, offline, settled
from tests.maturity.scenario import crowded_world
from tracker.accounts.principal import Role

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/fan-shots")

# Text elements of each chart that stick out of their chart's box (by more than a pixel).
CLIPPED = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.app-chart')) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.push(`${svg.querySelector('title').textContent}: "${t.textContent}"`);
    }
  }
  return out;
}"""

# Labels of the position strips that the marker (its triangle and line) overlaps.
COVERED = """() => {
  const out = [];
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  for (const svg of document.querySelectorAll('svg.app-chart')) {
    const marks = [...svg.querySelectorAll('path[fill="#005eb8"], line[stroke="#005eb8"]')].map(m => m.getBoundingClientRect());
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (marks.some(m => hit(m, r))) out.push(`${svg.querySelector('title').textContent}: "${t.textContent}"`);
    }
  }
  return out;
}"""


async def _look(page: Any, width: int, name: str, section: str = "#against-england") -> list[str]:
    await page.set_viewport_size({"width": width, "height": 900})
    await settled(page)
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True)
    # The fan charts' section on its own, as the README shows it.
    top = await page.evaluate(f"window.scrollY + document.querySelector('{section}').getBoundingClientRect().top")
    await page.screenshot(
        path=str(SHOTS / f"{name}.png"), full_page=True, clip={"x": 0, "y": top - 16, "width": width, "height": 1200}
    )
    problems = [f"[{width}px] {p}" for p in await _axe(page)]
    overflow = await _horizontal_overflow(page)
    if overflow > 1:
        problems.append(f"[{width}px] scrolls sideways by {overflow}px")
    problems += [f"[{width}px] label outside its chart: {p}" for p in await page.evaluate(CLIPPED)]
    problems += [f"[{width}px] label under the marker: {p}" for p in await page.evaluate(COVERED)]
    return problems


async def test_practice_dashboard_fans_at_1280_and_320_px(browser: Any, live_server: str, clean_db: Any) -> None:
    # Given a scored world of many practices, whose returns for the open quarter are approved
    world = await crowded_world()
    context = await offline(
        await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    )
    try:
        page = await context.new_page()
        await browser_sign_in(page, world["users"][Role.PRACTICE]["email"])

        # When the practice looks at its dashboard as at the open quarter
        response = await page.goto("/dashboards/practices/A81001?period=2017/18-Q4")
        assert response is not None and response.status == 200

        # Then each percentage indicator has its fan, the open quarter hollow and marked provisional
        fans = page.locator("svg.app-chart--fan")
        assert await fans.count() >= 8
        hollow, dashed = await page.evaluate(
            """() => { const svg = document.querySelector('svg.app-chart--fan');
                       return [svg.querySelectorAll('circle[fill="#ffffff"]').length,
                               svg.querySelectorAll('line[stroke="#b35900"][stroke-dasharray]').length]; }"""
        )
        assert (hollow, dashed) == (1, 1)
        assert await page.get_by_text("Provisional: the period is still open").is_visible()
        assert await page.get_by_role("table", name="Similar practices").count() == 1

        # And it reads well and fits at both widths
        problems = await _look(page, 1280, "dashboard-practice-fan")
        problems += await _look(page, 320, "dashboard-practice-320")
        assert not problems, "\n".join(problems)
    finally:
        await context.close()


async def test_ccg_dashboard_fans_at_1280_and_320_px(browser: Any, live_server: str, clean_db: Any) -> None:
    world = await crowded_world()
    context = await offline(
        await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    )
    try:
        page = await context.new_page()
        await browser_sign_in(page, world["users"][Role.CCG]["email"])
        response = await page.goto("/dashboards/ccgs/00K?period=2017/18-Q4")
        assert response is not None and response.status == 200
        assert await page.locator("svg.app-chart--fan").count() >= 10  # yes/no indicators too, as shares
        problems = await _look(page, 1280, "dashboard-ccg-fan", "#against-ccgs")
        problems += await _look(page, 320, "dashboard-ccg-320", "#against-ccgs")
        assert not problems, "\n".join(problems)
    finally:
        await context.close()

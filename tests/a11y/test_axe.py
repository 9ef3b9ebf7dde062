"""Every page of the tracker passes axe-core's WCAG 2.2 AA rules with no serious or critical
violation, reflows at 320 px wide and survives 200% text.

The pages come from the app's own route table through the route matrix's entries (so a new page
is checked as soon as it has an entry), each opened in Chromium against the real server, signed
in as a role that may see it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.factories import make_org_tree
from tests.fixtures_server import offline, settled
from tests.route_matrix.matrix import OWN, Entry, all_entries, build, fill
from tracker import clock
from tracker.accounts.principal import Role
from tracker.web.stores import DatabaseStore

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Who looks at a page: the most local role allowed to, as a person of that organisation would.
ROLE_ORDER = (Role.PRACTICE, Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN)


def _is_page(entry: Entry) -> bool:
    path = entry.path
    return (
        entry.method == "GET"
        and not path.startswith("/api/")
        and not path.startswith("/exports/")
        and path not in ("/health", "/ready")
        and not path.endswith((".xlsx", ".csv", "/csv"))
        and not entry.json
    )


PAGES = [e for e in all_entries() if _is_page(e)]


def _viewer(entry: Entry) -> Role | None:
    for role in ROLE_ORDER:
        if OWN in entry.allow.get(role, ()):
            return role
    return None


@pytest.fixture
async def a11y_context(browser: Any, live_server: str, clean_db: Any) -> AsyncIterator[Any]:
    # axe is injected as a script: the page's own CSP (nonce-only scripts) would refuse it.
    context = await offline(
        await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    )
    try:
        yield context
    finally:
        await context.close()


async def _sign_in_cookie(context: Any, base: str, account_id: int) -> None:
    sid = secrets.token_hex(16)
    data = {"account_id": account_id, "signed_in_at": clock.now().isoformat()}
    await DatabaseStore("session").set(sid, json.dumps(data).encode(), expires_in=3600)
    await context.add_cookies([{"name": "tracker_session", "value": sid, "url": base}])


async def _axe(page: Any) -> list[str]:
    # A page reached by a click may still be building its document: axe needs its <head>.
    await page.wait_for_load_state("load")
    await page.add_script_tag(path=str(AXE))
    # Only violations are read: `resultTypes` spares axe the details of every passing node, which
    # it otherwise gathers for each rule (the same rules run on the same nodes either way).
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    problems = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return problems


async def _horizontal_overflow(page: Any) -> int:
    return int(await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


WIDEST = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.right <= width + 1 || r.width === 0) continue;
    let p = e.parentElement, clipped = false;
    while (p && p !== document.body) { if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break } p = p.parentElement }
    if (!clipped) out.push(`${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0]} (right edge ${Math.round(r.right)}px)`);
  }
  return out.slice(-3);
}"""


@pytest.mark.parametrize("entry", PAGES, ids=lambda e: e.path)
async def test_page_is_accessible(a11y_context: Any, live_server: str, entry: Entry):
    tree = await make_org_tree()
    role = _viewer(entry)
    if role is not None:
        await _sign_in_cookie(a11y_context, live_server, tree["users"][role]["id"])
    path = fill(entry.path, await build(entry.params, tree))
    page = await a11y_context.new_page()
    response = await page.goto(path)
    assert response is not None and response.status < 400, f"{path} answered {response and response.status}"
    who = role.value if role else "signed out"

    problems = [f"[1280px] {p}" for p in await _axe(page)]

    await page.set_viewport_size({"width": 320, "height": 800})
    await settled(page)
    overflow = await _horizontal_overflow(page)
    if overflow > 1:
        culprits = ", ".join(await page.evaluate(WIDEST))
        problems.append(f"[320px] the page scrolls sideways by {overflow}px (WCAG 1.4.10 reflow): {culprits}")
    problems += [f"[320px] {p}" for p in await _axe(page)]

    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.add_style_tag(content="html { font-size: 200% !important; }")
    await page.evaluate("window.dispatchEvent(new Event('resize'))")
    await settled(page)
    overflow = await _horizontal_overflow(page)
    if overflow > 1:
        problems.append(f"[200% text] the page scrolls sideways by {overflow}px (WCAG 1.4.4 resize text)")
    await page.close()
    assert not problems, f"{path} as {who}:\n" + "\n".join(problems)


async def test_every_page_route_is_checked():
    """The pages checked here are the route matrix's GET pages: nothing is left out silently."""
    skipped = [e for e in all_entries() if e.method == "GET" and not _is_page(e)]
    for entry in skipped:
        assert (
            entry.path.startswith(("/api/", "/exports/"))
            or entry.path.endswith((".xlsx", ".csv", "/csv"))
            or entry.path in ("/health", "/ready")
        )
    assert len(PAGES) > 30

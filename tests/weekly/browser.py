"""What the weekly-work browser tests share: a page that axe can be injected into, and the
accessibility check each of their pages passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.a11y.test_axe import _axe, _horizontal_overflow
from tests.fixtures_server import offline, settled


@pytest.fixture
async def axe_page(browser: Any, live_server: str, clean_db: Any) -> AsyncIterator[Any]:
    # axe is injected as a script: the page's own CSP (nonce-only scripts) would refuse it.
    context = await offline(
        await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def accessibility_problems(page: Any, *, zoomed_text: bool = False) -> list[str]:
    """axe's findings at 1280 px and 320 px, sideways scrolling at 320 px, and (with `zoomed_text`)
    sideways scrolling with 200% text."""
    problems = [f"[1280px] {p}" for p in await _axe(page)]
    await page.set_viewport_size({"width": 320, "height": 800})
    await settled(page)
    if (overflow := await _horizontal_overflow(page)) > 1:
        problems.append(f"[320px] the page scrolls sideways by {overflow}px")
    problems += [f"[320px] {p}" for p in await _axe(page)]
    await page.set_viewport_size({"width": 1280, "height": 900})
    if zoomed_text:
        style = await page.add_style_tag(content="html { font-size: 200% !important; }")
        await settled(page)
        if (overflow := await _horizontal_overflow(page)) > 1:
            problems.append(f"[200% text] the page scrolls sideways by {overflow}px")
        await style.evaluate("s => s.remove()")
    return problems

"""Checks every page a test fetches should pass (after notifications-admin's page checker)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.title = ""
        self._in_title = False
        self.forms: list[dict[str, Any]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "h1":
            self.h1 += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "csrf": False, "action": a.get("action")})
        elif tag == "input" and a.get("name") == "_csrf_token" and self.forms:
            self.forms[-1]["csrf"] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def check_page(html: str) -> _Page:
    """One h1, a title naming the service, CSRF on every POST form, no stray None, unique ids,
    and an error summary whose links each lead to something on the page."""
    page = _Page()
    page.feed(html)
    assert page.h1 == 1, f"expected one <h1>, found {page.h1}"
    assert "Paperless Tracker" in page.title, f"title {page.title!r} does not name the service"
    for form in page.forms:
        if form["method"] == "post":
            assert form["csrf"], f"POST form to {form['action']} has no CSRF field"
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\bNone\b", text), "the page shows a stray 'None'"
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    if "nhsuk-error-summary" in html:
        # Each message in the error summary takes the person to something on this page.
        at = html.index("nhsuk-error-summary")
        targets = re.findall(r'href="#([^"]+)"', html[at : html.index("</ul>", at)])
        missing = [t for t in targets if t not in page.ids]
        assert not missing, f"the error summary links to nothing on the page: {missing}"
    return page


def h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""

"""The one email renderer: a kind's three templates under templates/emails/ made into an Email. Pure.

Each kind of email is three Jinja templates that content designers edit without touching code:

    templates/emails/<kind>.subject.txt   one line
    templates/emails/<kind>.html          the HTML part (extends emails/_layout.html): autoescaped
    templates/emails/<kind>.txt           the plain-text part (extends emails/_layout.txt): not escaped,
                                          as plain text has nothing to escape

Sentences both parts share are written once, as macros in a `.words` file: HTML parts import it as
`"emails/_x.words.html"` (compiled with escaping) and plain-text parts as `"emails/_x.words.txt"`
(without), so the same words are escaped in one part and plain in the other. (A macro's output is
trusted by the template that calls it, so one compiled copy cannot serve both.)

Rendering checks what a wording change could break: every link in the HTML part is absolute (an
email is read outside the tracker, so "/practices/..." would go nowhere) and appears in the
plain-text part too, so both parts carry the same content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from html import unescape
from typing import Any

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.web.formatting import FILTERS
from tracker.web.templating import TEMPLATES

FOLDER = "emails"
SIGN_OFF = ("The Paperless Tracker", "NHS England digital maturity programme")

_HREF = re.compile(r'href="([^"]*)"')
_BLANK_LINES = re.compile(r"\n{3,}")


class TemplateProblem(ValueError):
    """A template produced an email that cannot be sent as it is (a relative link, a link missing
    from the plain-text part, a subject over more than one line)."""


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    links: tuple[str, ...] = field(default=())


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 day', '3 days': the templates' way to agree a noun with its number."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


class _WordsLoader(BaseLoader):
    """Templates as files, except that `x.words.html` and `x.words.txt` are both the file `x.words`."""

    def __init__(self) -> None:
        self.files = FileSystemLoader(TEMPLATES)

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Any]:
        for suffix in (".words.html", ".words.txt"):
            if template.endswith(suffix):
                return self.files.get_source(environment, template.removesuffix(suffix) + ".words")
        return self.files.get_source(environment, template)


def first_lower(text: str) -> str:
    """'Items sent by EPS' -> 'items sent by EPS', but 'EPS items' stays: for names inside a sentence."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def ordinal(value: float) -> str:
    """A percentile in words: 1st, 22nd, 43rd, 99th (never 0th or 100th, which read oddly)."""
    n = min(99, max(1, round(value)))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@cache
def environment() -> Environment:
    """Templates from templates/emails/ only; StrictUndefined so a misspelt value fails the tests
    instead of leaving a hole in an email that has gone."""
    env = Environment(
        loader=_WordsLoader(),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # As for pages: checking each template file's date on every render (nine an email, a
        # third of a reminder run's time) is only worth it while someone edits them; the app turns
        # it on with TRACKER_TEMPLATE_RELOAD (reload_templates below).
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.filters.update({"plural": plural, "first_lower": first_lower, "ordinal": ordinal})
    env.globals["sign_off"] = SIGN_OFF
    return env


def reload_templates(on: bool) -> None:
    """Re-read an email template when its file changes (TRACKER_TEMPLATE_RELOAD, for editing them)."""
    environment().auto_reload = on


def kinds() -> list[str]:
    """Every kind that has its three templates (files starting with _ are shared layouts)."""
    folder = TEMPLATES / FOLDER
    return sorted(
        p.name.removesuffix(".subject.txt")
        for p in folder.glob("*.subject.txt")
        if not p.name.startswith("_")
        and (folder / p.name.replace(".subject.txt", ".html")).exists()
        and (folder / p.name.replace(".subject.txt", ".txt")).exists()
    )


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)) + "\n"


def render(kind: str, **context: Any) -> Email:
    """The email of one kind for these values (plain values: the templates do the wording)."""
    env = environment()
    subject = " ".join(env.get_template(f"{FOLDER}/{kind}.subject.txt").render(**context).split())
    html = env.get_template(f"{FOLDER}/{kind}.html").render(subject=subject, **context)
    text = _tidy_text(env.get_template(f"{FOLDER}/{kind}.txt").render(subject=subject, **context))
    links = tuple(dict.fromkeys(unescape(h) for h in _HREF.findall(html)))
    for link in links:
        if not link.startswith(("https://", "http://")):
            raise TemplateProblem(f"{kind}: the link {link!r} is not absolute")
        if link not in text:
            raise TemplateProblem(f"{kind}: the link {link} is in the HTML part but not in the plain-text part")
    if not subject:
        raise TemplateProblem(f"{kind}: the subject is empty")
    return Email(subject, text, html, links)

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

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from html import unescape
from typing import Any

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from tracker.web.formatting import FILTERS
from tracker.web.templating import TEMPLATES, DictFirstEnvironment

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
    env = DictFirstEnvironment(
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
    _stencils.clear()  # made from the templates as they were


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
    return _checked(kind, *_parts(kind, context))


def _parts(kind: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """The subject, HTML part and plain-text part, unchecked."""
    env = environment()
    subject = " ".join(env.get_template(f"{FOLDER}/{kind}.subject.txt").render(**context).split())
    html = env.get_template(f"{FOLDER}/{kind}.html").render(subject=subject, **context)
    text = _tidy_text(env.get_template(f"{FOLDER}/{kind}.txt").render(subject=subject, **context))
    return subject, html, text


def _checked(kind: str, subject: str, html: str, text: str) -> Email:
    links = tuple(dict.fromkeys(unescape(h) for h in _HREF.findall(html)))
    for link in links:
        if not link.startswith(("https://", "http://")):
            raise TemplateProblem(f"{kind}: the link {link!r} is not absolute")
        if link not in text:
            raise TemplateProblem(f"{kind}: the link {link} is in the HTML part but not in the plain-text part")
    if not subject:
        raise TemplateProblem(f"{kind}: the subject is empty")
    return Email(subject, text, html, links)


# --- Many emails of one shape -----------------------------------------------------------------
#
# A reminder run renders thousands of emails that differ only in a few plain strings (the
# practice, its link, the address's own leave link): Jinja's rendering was most of a run. The
# emails of one shape (the values they share) are rendered once with a marker in place of each
# email's own strings, and each email is that stencil with its strings put in: escaped as the
# autoescape does in the HTML part, as they are in the subject and plain-text part. The result is
# the same as `render` byte for byte (tests/notifications/test_stencils.py compares them for
# arbitrary values); whenever that could not be certain, the email is rendered directly instead.

_STENCILS_MAX = 256
_MARK = "ZqX"  # every marker starts so: any trace of it left after filling is a marker a template changed
_MARKED = re.compile(_MARK, re.IGNORECASE)


def _marker(n: int) -> str:
    """The n-th marker: no whitespace (the subject's and plain text's tidying leave it as it is),
    mixed case (a case filter would change it) and characters that HTML escaping changes (so
    that the HTML part shows whether the template escaped it exactly once)."""
    return f"{_MARK}{n}Mk<&>"


@dataclass(frozen=True, slots=True)
class _Part:
    """A part with markers, split at them: its text, with an empty piece where each marker was, and
    which value goes in each of those places. Filling it copies the pieces, puts the values in and
    joins them once, with no second look at what is put in."""

    pieces: tuple[str, ...]
    holes: tuple[tuple[int, int], ...]  # (place among the pieces, index of the value)

    @classmethod
    def of(cls, part: str, markers: tuple[str, ...]) -> _Part:
        split = re.split(f"({'|'.join(re.escape(m) for m in markers)})", part)
        holes = tuple((n, markers.index(p)) for n, p in enumerate(split) if n % 2)
        return cls(tuple("" if n % 2 else p for n, p in enumerate(split)), holes)

    def filled(self, values: list[str]) -> str:
        out = list(self.pieces)
        for at, n in self.holes:
            out[at] = values[n]
        return "".join(out)


@dataclass(frozen=True)
class _Stencil:
    """One shape's email with markers, as parts; `fill` puts in each email's own strings."""

    names: tuple[str, ...]
    subject: _Part
    html: _Part  # its markers escaped, as the autoescape escaped them
    text: _Part

    def fill(self, kind: str, values: Mapping[str, str]) -> Email:
        plain = [values[name] for name in self.names]
        return _checked(
            kind,
            self.subject.filled(plain),
            self.html.filled([str(escape(v)) for v in plain]),
            self.text.filled(plain),
        )


_stencils: dict[tuple[Any, ...], _Stencil | None] = {}


def _fills_faithfully(value: Any) -> bool:
    """A value a marker can stand for: a plain string that neither the subject's whitespace
    folding nor the plain text's line tidying would change, wherever it stands."""
    return type(value) is str and value != "" and " ".join(value.split()) == value


_PLAIN = (str, int, float, bool, type(None), dt.date, dt.datetime)


def _frozen(value: Any) -> Any:
    """The value as part of a dictionary key, with its type (1, 1.0 and True are equal keys but
    render differently); TypeError for anything but plain values and lists of them, whose
    rendering might not follow from their equality, ValueError for a string with a marker's start."""
    if isinstance(value, list | tuple):
        if all(type(v) is str for v in value):  # the usual list (missing answers), in one step
            if any(_MARKED.search(v) for v in value):
                raise ValueError("a shared value looks like a marker")
            return (type(value), tuple(value))
        return (type(value), tuple(_frozen(v) for v in value))
    if type(value) not in _PLAIN:
        raise TypeError(type(value).__name__)
    if type(value) is str and _MARKED.search(value):
        raise ValueError("a shared value looks like a marker")  # it would be filled in as one
    return (type(value), value)


def _make_stencil(kind: str, names: tuple[str, ...], shared: Mapping[str, Any]) -> _Stencil | None:
    """The shape's stencil, or None if a template does not use each value as one opaque string."""
    markers = [_marker(n) for n in range(len(names))]
    try:
        subject, html, text = _parts(kind, {**shared, **dict(zip(names, markers, strict=True))})
    except Exception:  # what the values themselves would raise, `render` raises
        return None
    escaped = [str(escape(m)) for m in markers]
    plain_parts = subject + "\n" + text
    for marker, in_html in zip(markers, escaped, strict=True):
        # Used somewhere; in the HTML part escaped exactly once, in the others never escaped.
        if marker not in plain_parts and in_html not in html:
            return None
        if marker in html or in_html in plain_parts:
            return None
    left = html + plain_parts
    for m in (*markers, *escaped):
        left = left.replace(m, "")
    if _MARKED.search(left):
        return None  # a marker cut, cased or otherwise changed by a filter
    return _Stencil(
        names, _Part.of(subject, tuple(markers)), _Part.of(html, tuple(escaped)), _Part.of(text, tuple(markers))
    )


class Shape:
    """Emails of one kind that share `shared`: `render(each)` is `render(kind, **shared, **each)`,
    the same email byte for byte, with the shared values looked at once for all the emails rather
    than once an email (a reminder run fills thousands of emails from a handful of shapes). So the
    shared values must not change while the shape is in use (a list given as `missing` stays as it
    was given). `each` holds plain strings, such as names and links.

    The templates must use `each` values as text only, never test or change them (no
    `{% if name|length %}`, no `| replace`): a marker shows most changes (a case or escaping
    filter, a cut) but not all. tests/notifications/test_stencils.py holds each kind rendered so
    to that, for arbitrary values."""

    __slots__ = ("_by_names", "_key", "kind", "shared")

    def __init__(self, kind: str, **shared: Any) -> None:
        self.kind = kind
        self.shared = shared
        try:
            self._key: tuple[Any, ...] | None = tuple([(k, _frozen(v)) for k, v in shared.items()])
        except (TypeError, ValueError):
            self._key = None  # values a stencil cannot be trusted with: every email rendered directly
        # The stencil by the names given and those filled in (an empty value stays in the shape).
        self._by_names: dict[tuple[tuple[str, ...], tuple[str, ...]], _Stencil | None] = {}

    def render(self, each: Mapping[str, Any]) -> Email:
        if environment().auto_reload or self._key is None:
            return self._direct(each)  # templates being edited: a stencil could be out of date
        # An empty string stays in the shape (templates test them: "{% if leave_link %}").
        fill = {}
        for k, v in each.items():
            if v == "":
                continue
            if not _fills_faithfully(v) or k in self.shared:
                return self._direct(each)
            fill[k] = v
        if not fill:
            return self._direct(each)
        given = (tuple(each), tuple(fill))  # the names given and filled, in the caller's order
        try:
            stencil = self._by_names[given]
        except KeyError:
            stencil = self._by_names[given] = self._stencil(tuple(sorted(fill)), each)
        if stencil is None:
            return self._direct(each)
        return stencil.fill(self.kind, fill)

    def _direct(self, each: Mapping[str, Any]) -> Email:
        return render(self.kind, **{**self.shared, **each})

    def _stencil(self, names: tuple[str, ...], each: Mapping[str, Any]) -> _Stencil | None:
        """The stencil of these names, shared with every other run through the module's cache."""
        assert self._key is not None
        unfilled = {k: v for k, v in each.items() if k not in names}
        key = (self.kind, names, self._key + tuple([(k, _frozen(v)) for k, v in unfilled.items()]))
        if key not in _stencils:
            if len(_stencils) >= _STENCILS_MAX:
                _stencils.clear()
            _stencils[key] = _make_stencil(self.kind, names, {**self.shared, **unfilled})
        return _stencils[key]

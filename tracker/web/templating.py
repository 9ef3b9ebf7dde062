"""The Jinja environment: our templates first, then the NHS.UK design system's macros."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    Template,
)
from jinja2.bccache import Bucket
from jinja2.runtime import Context

from tracker.organisations.presenters import practice_title
from tracker.web.chrome import page_footer, page_header
from tracker.web.formatting import FILTERS
from tracker.web.navigation import navigation

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
SERVICE_NAME = "Paperless Tracker"

# The NHS.UK macros every page may call, made once per environment and given to every template as
# globals. Imported by the layout instead, each would be looked up again on every render (some
# 60 us a page, most of what a short page costs beyond its own work).
PAGE_MACROS = {
    "backLink": "back-link",
    "breadcrumb": "breadcrumb",
    "button": "button",
    "errorSummary": "error-summary",
    "input": "input",
    "table": "tables",
    "summaryList": "summary-list",
    "tag": "tag",
    "card": "card",
    "insetText": "inset-text",
    "warningCallout": "warning-callout",
}


_DICT_ATTRIBUTES = frozenset(dir(dict))


class QuickImportTemplate(Template):
    """A template whose `{% import %}` finds the imported template's module as quickly as Jinja
    would like to.

    On every import Jinja asks which of the importing template's globals the imported one lacks,
    as `set - dict.keys()`: the set cannot subtract a keys view, so the view's own Python-level
    subtraction runs, element by element, over some 30 globals (about 15 us an import, two or
    three a page). `set.difference` gives the same answer in C. When nothing is missing (always,
    for our templates) Jinja's own method is asked for its cached module; otherwise it works the
    answer out itself, as before."""

    def _get_default_module(self, ctx: Context | None = None) -> Any:
        if ctx is not None and not ctx.globals_keys.difference(self.globals):
            ctx = None
        return super()._get_default_module(ctx)


class DictFirstEnvironment(Environment):
    """Jinja with a quicker `x.name` on a plain dict, and the same answer.

    Jinja looks for an attribute first and, when that fails, for the key. A dict has no attributes
    but its methods, so for any other name the attribute lookup can only fail, and an exception
    raised and caught for every `row.value` in a table (some 2,500 on a CCG's review queue) cost
    more than the rest of the lookup. For a dict, a name that is not one of dict's own goes
    straight to the key; anything else is Jinja's own lookup."""

    template_class = QuickImportTemplate

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the whole process, shared by every environment it
    builds (each app, each CLI command, each test's app), so a template is compiled once per
    process rather than once per app. Jinja checks each entry against the template source's
    checksum, so an edited template is compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _ProcessBytecodeCache()


def build_environment(extra_globals: dict[str, Any] | None = None, *, reload: bool = False) -> Environment:
    env = DictFirstEnvironment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES), PackageLoader("nhsuk_frontend_jinja")]),
        autoescape=True,
        # Checking every template file's date on every render (about 1,700 a return form) is only
        # worth it while someone edits them: TRACKER_TEMPLATE_RELOAD.
        auto_reload=reload,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_BYTECODE,
    )
    env.filters.update(FILTERS)
    env.filters["practice_name"] = practice_title  # the one rule for a practice's name (not `title`)
    env.globals.update(
        {
            "service_name": SERVICE_NAME,
            "navigation": navigation,
            "page_header": page_header,
            "page_footer": page_footer,
            **(extra_globals or {}),
        }
    )
    for name, component in PAGE_MACROS.items():
        env.globals[name] = getattr(env.get_template(f"nhsuk/components/{component}/macro.jinja").module, name)
    return env

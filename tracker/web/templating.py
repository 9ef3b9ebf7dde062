"""The Jinja environment: our templates first, then the NHS.UK design system's macros."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader

from tracker.web.formatting import FILTERS
from tracker.web.navigation import navigation

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
SERVICE_NAME = "Paperless Tracker"


def build_environment(extra_globals: dict[str, Any] | None = None, *, reload: bool = False) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES), PackageLoader("nhsuk_frontend_jinja")]),
        autoescape=True,
        # Checking every template file's date on every render (about 1,700 a return form) is only
        # worth it while someone edits them: TRACKER_TEMPLATE_RELOAD.
        auto_reload=reload,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.globals.update({"service_name": SERVICE_NAME, "navigation": navigation, **(extra_globals or {})})
    return env

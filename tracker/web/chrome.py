"""The header and footer of every page, drawn by the NHS.UK macros once for each user name and
menu rather than on every request: the two macros took about 4 ms of every page. Only the sign-out
form (it carries the request's CSRF token) is put in afresh."""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment, pass_environment
from markupsafe import Markup

SIGN_OUT_SLOT = "<!-- sign-out form -->"

Menu = tuple[tuple[tuple[str, Any], ...], ...]


@functools.lru_cache(maxsize=1024)
def _header(env: Environment, service_name: str, user_name: str | None, menu: Menu) -> str:
    header = env.get_template("nhsuk/components/header/macro.jinja").module.header  # type: ignore[attr-defined]
    account = [{"text": user_name, "icon": True}, {"html": Markup(SIGN_OUT_SLOT)}]  # noqa: S704 (a fixed comment)
    return str(
        header(
            {
                "service": {"text": service_name, "href": "/"},
                "account": {"items": account} if user_name is not None else None,
                "navigation": {"items": [dict(item) for item in menu]},
            }
        )
    )


@pass_environment
def page_header(
    env: Environment, service_name: str, user_name: str | None, menu: dict[str, Any], sign_out: str
) -> Markup:
    """The NHS.UK header: the service, the signed-in user's name (None: nobody) with `sign_out`
    (markup) beside it, and `menu` as `navigation()` gives it."""
    frozen = tuple(tuple(item.items()) for item in menu["items"])  # `navigation` writes every item's keys in one order
    return Markup(_header(env, service_name, user_name, frozen).replace(SIGN_OUT_SLOT, str(sign_out)))  # noqa: S704 (macro output and the caller's markup)


@pass_environment
@functools.lru_cache(maxsize=16)
def page_footer(env: Environment) -> Markup:
    """The NHS.UK footer: the same on every page."""
    footer = env.get_template("nhsuk/components/footer/macro.jinja").module.footer  # type: ignore[attr-defined]
    return Markup(footer({"meta": {"items": [{"href": "/schema", "text": "API documentation"}]}}))  # noqa: S704 (macro output)

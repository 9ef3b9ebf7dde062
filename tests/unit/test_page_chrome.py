"""Every page's header and footer, drawn once per user name and menu, are the NHS.UK macros' own,
with this request's sign-out form (its CSRF token) in each."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import Markup

from tracker.accounts.principal import Principal, Role
from tracker.web.navigation import navigation
from tracker.web.templating import SERVICE_NAME, build_environment

ENV = build_environment()


def normal(html: str) -> str:
    return re.sub(r"\s+<", "<", re.sub(r">\s+", ">", re.sub(r"\s+", " ", str(html)))).strip()


def _macro_header(user: Principal | None, menu: dict[str, Any], sign_out: Markup) -> str:
    source = '{% from "nhsuk/components/header/macro.jinja" import header %}{{ header(params) }}'
    account = {"items": [{"text": user.display_name, "icon": True}, {"html": sign_out}]} if user else None
    params = {"service": {"text": SERVICE_NAME, "href": "/"}, "account": account, "navigation": menu}
    return ENV.from_string(source).render(params=params)


@pytest.mark.parametrize("role", [None, Role.PRACTICE, Role.ADMIN])
@pytest.mark.parametrize("path", ["/", "/dashboards/ccgs/00K"])
def test_header_is_the_macros_with_this_requests_sign_out_form(role: Role | None, path: str) -> None:
    user = Principal(1, "a@b.test", "Ann <O'Neil> & co", role) if role else None
    menu = navigation(user, path)
    for token in ("first", "second"):
        sign_out = (
            Markup(f'<form><input type="hidden" name="_csrf_token" value="{token}" /></form>') if user else Markup()
        )
        got = ENV.from_string("{{ page_header(service_name, name, menu, sign_out) }}").render(
            name=user.display_name if user else None, menu=menu, sign_out=sign_out
        )
        assert normal(got) == normal(_macro_header(user, menu, sign_out))
        assert (f'value="{token}"' in got) == bool(user)


def test_footer_is_the_macros() -> None:
    source = '{% from "nhsuk/components/footer/macro.jinja" import footer %}{{ footer(params) }}'
    expected = ENV.from_string(source).render(
        params={"meta": {"items": [{"href": "/schema", "text": "API documentation"}]}}
    )
    assert normal(ENV.from_string("{{ page_footer() }}").render()) == normal(expected)


@pytest.mark.parametrize("nonce", [None, "n0nce"])
def test_the_page_skeleton_is_the_nhs_uk_templates(nonce: str | None) -> None:
    """templates/page.html writes what nhsuk/template.jinja writes for the same blocks."""
    blocks = (
        "{% block pageTitle %}A page – NHS{% endblock %}"
        '{% block head %}<link rel="stylesheet" href="/x.css">{% endblock %}'
        '{% block skipLink %}<a href="#maincontent">Skip</a>{% endblock %}'
        "{% block header %}<header>H</header>{% endblock %}"
        "{% block beforeContent %}<nav>crumbs</nav>{% endblock %}"
        "{% block content %}<h1>Hello</h1>{% endblock %}"
        "{% block footer %}<footer>F</footer>{% endblock %}"
    )

    def page(base: str) -> str:
        source = f'{{% extends "{base}" %}}{{% set cspNonce = nonce %}}{blocks}'
        return ENV.from_string(source).render(nonce=nonce)

    assert normal(page("page.html")) == normal(page("nhsuk/template.jinja"))

"""The return form's plain field partials (templates/returns/_fields.html) emit the HTML the NHS.UK
design system's macros emit for the same question: every field type, with and without an error,
empty, filled and with characters that need escaping."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

from tracker.web.templating import build_environment

ENV = build_environment()

NHS = """\
{% from "nhsuk/components/radios/macro.jinja" import radios %}
{% from "nhsuk/components/textarea/macro.jinja" import textarea %}
{% from "nhsuk/components/fieldset/macro.jinja" import fieldset %}
{% from "nhsuk/components/input/macro.jinja" import input %}
{% from "nhsuk/components/button/macro.jinja" import button %}
"""
OURS = '{% import "returns/_fields.html" as fields %}\n'

ERRORS = [None, "Select yes or no for <b>Wi-Fi</b> & 'others'"]
VALUES = ["", "yes", "no", "maybe", '12.5"><script>alert(1)</script>']
LEGEND = "Patients' records & <GP2GP>"
HINT = Markup("Records sent &amp; received.<br><strong>National target:</strong> 95%")


def normalised(html: str) -> str:
    """HTML with whitespace runs collapsed and none beside tags: the partials may lay out lines differently."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def render(source: str, **context: Any) -> str:
    return ENV.from_string(source).render(**context)


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("error", ERRORS)
def test_yes_no_is_the_nhs_radios(value: str, error: str | None) -> None:
    context = {"code": "WIFI_LIVE", "legend": LEGEND, "hint": HINT, "value": value, "error": error}
    nhs = render(
        NHS
        + """{{ radios({
          "idPrefix": code,
          "name": code,
          "classes": "nhsuk-radios--inline",
          "fieldset": {"legend": {"text": legend, "classes": "nhsuk-fieldset__legend--s"}},
          "hint": {"html": hint},
          "errorMessage": {"text": error} if error else none,
          "value": value,
          "items": [{"value": "yes", "text": "Yes"}, {"value": "no", "text": "No"}]
        }) }}""",
        **context,
    )
    ours = render(OURS + "{{ fields.yes_no(code, legend, hint, value, error) }}", **context)
    assert normalised(ours) == normalised(nhs)
    assert ("checked" in ours) == (value in ("yes", "no"))


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("error", ERRORS)
@pytest.mark.parametrize(
    ("label", "inputmode", "width", "suffix"),
    [
        ("Percentage", "decimal", "nhsuk-input--width-4", "%"),
        ("Number", "decimal", "nhsuk-input--width-4", ""),
        ("Numerator (optional)", "numeric", "nhsuk-input--width-5", ""),
    ],
)
def test_text_input_is_the_nhs_input(
    value: str, error: str | None, label: str, inputmode: str, width: str, suffix: str
) -> None:
    context = {
        "id": "GP2GP_UTIL_PCT-numerator",
        "label": label,
        "value": value,
        "inputmode": inputmode,
        "width": width,
        "suffix": suffix,
        "error": error,
    }
    nhs = render(
        NHS
        + """{{ input({
          "id": id,
          "name": id,
          "label": {"text": label},
          "value": value,
          "inputmode": inputmode,
          "spellcheck": false,
          "suffix": suffix or none,
          "classes": width,
          "errorMessage": {"text": error} if error else none
        }) }}""",
        **context,
    )
    ours = render(
        OURS + "{{ fields.text_input(id, label, value, inputmode, width, error, suffix=suffix) }}",
        **context,
    )
    assert normalised(ours) == normalised(nhs)


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("error", ERRORS)
@pytest.mark.parametrize("label", ["Comment on SCR (optional)", "Comment on <SCR> & 'more' (needed to submit)"])
def test_indicator_comment_is_the_nhs_textarea(value: str, error: str | None, label: str) -> None:
    context = {"id": "SCR_PCT-comment", "label": label, "value": value, "error": error}
    nhs = render(
        NHS
        + """{{ textarea({
          "id": id,
          "name": id,
          "rows": 2,
          "label": {"text": label, "classes": "nhsuk-label--xs"},
          "value": value,
          "errorMessage": {"text": error} if error else none
        }) }}""",
        **context,
    )
    ours = render(OURS + "{{ fields.textarea(id, label, value, error) }}", **context)
    assert normalised(ours) == normalised(nhs)


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("error", ERRORS)
def test_return_comment_is_the_nhs_textarea_with_a_hint(value: str, error: str | None) -> None:
    context = {
        "label": "Add a comment for <your> CCG",
        "hint": "Your CCG & 'others' see it",
        "value": value,
        "error": error,
    }
    nhs = render(
        NHS
        + """{{ textarea({
          "id": "comment-text",
          "name": "comment",
          "rows": 3,
          "value": value,
          "label": {"text": label, "classes": "nhsuk-label--s"},
          "hint": {"text": hint},
          "errorMessage": {"text": error} if error else none
        }) }}""",
        **context,
    )
    ours = render(
        OURS
        + """{{ fields.textarea("comment-text", label, value, error, name="comment", rows=3, label_size="s",
                               hint=hint) }}""",
        **context,
    )
    assert normalised(ours) == normalised(nhs)


@pytest.mark.parametrize(
    "params",
    [
        {"text": "Submit return", "name": "action", "value": "submit"},
        {"text": "Save draft", "name": "action", "value": "draft", "classes": "nhsuk-button--secondary"},
        {"text": "Add <a> & 'comment'", "classes": "nhsuk-button--secondary"},
        {"text": "Go"},
    ],
)
def test_submit_button_is_the_nhs_button(params: dict[str, str]) -> None:
    nhs = render(NHS + "{{ button(params) }}", params=params)
    ours = render(OURS + "{{ fields.submit_button(**params) }}", params=params)
    assert normalised(ours) == normalised(nhs)


def test_question_is_the_nhs_fieldset_around_its_fields() -> None:
    inner = '<div class="nhsuk-hint">{{ hint }}</div><p>fields</p>'
    nhs = render(
        NHS
        + '{% call fieldset({"legend": {"text": legend, "classes": "nhsuk-fieldset__legend--s"}}) %}'
        + inner
        + "{% endcall %}",
        legend=LEGEND,
        hint=HINT,
    )
    ours = render(OURS + "{% call fields.question(legend) %}" + inner + "{% endcall %}", legend=LEGEND, hint=HINT)
    assert normalised(ours) == normalised(nhs)


def test_normalised_keeps_what_a_browser_would_show() -> None:
    assert normalised('<p>\n  A  b\n</p>  <span class="x">c</span>') == '<p>A b</p><span class="x">c</span>'
    assert normalised('<input value="a">') != normalised('<input value="b">')


@pytest.mark.parametrize("role", ["practice", "ccg"])
def test_breadcrumb_is_the_nhs_breadcrumb(role: str) -> None:
    context = {"user": SimpleNamespace(role=SimpleNamespace(value=role)), "practice": {"ods_code": "A81001"}}
    nhs = render(
        """{% from "nhsuk/components/breadcrumb/macro.jinja" import breadcrumb %}
        {{ breadcrumb({"items": [{"href": "/returns" if user.role.value == "practice" else "/practices/" ~ practice.ods_code ~ "/returns", "text": "Returns"}], "text": "2017/18 Q4"}) }}""",
        **context,
    )
    ours = render('{% include "returns/_breadcrumb.html" %}', **context)
    assert normalised(ours) == normalised(nhs)
    assert ("/practices/A81001/returns" in ours) == (role != "practice")

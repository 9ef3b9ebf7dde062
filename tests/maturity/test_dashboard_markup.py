"""The dashboards' fast markup (plain partials in templates/maturity/_markup.html, table rows
written in Python) gives the HTML the NHS.UK macros and the old Jinja loop gave, whitespace aside."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import Markup

from tracker.maturity.tables_view import Column, TableView, link, status_tag
from tracker.web.templating import build_environment

ENV = build_environment()

OLD_ROWS = """{% for row in view.rows %}
  <tr class="nhsuk-table__row">
  {% for c in row %}
    {% set tag = "th" if loop.first else "td" %}
    <{{ tag }}{% if loop.first %} scope="row"{% endif %} class="nhsuk-table__{{ 'header' if loop.first else 'cell' }}{% if c.format == 'numeric' %} nhsuk-table__{{ 'header' if loop.first else 'cell' }}--numeric{% endif %}">{% if c.html %}{{ c.html | safe }}{% else %}{{ c.text }}{% endif %}</{{ tag }}>
  {% endfor %}
  </tr>
{% endfor %}"""


def normal(html: str) -> str:
    """Whitespace aside: runs collapsed, none next to a tag."""
    return re.sub(r"\s+<", "<", re.sub(r">\s+", ">", re.sub(r"\s+", " ", str(html)))).strip()


def render(source: str, **context: Any) -> str:
    return ENV.from_string(source).render(**context)


def test_table_rows_are_the_markup_the_jinja_loop_wrote() -> None:
    view = TableView("t", "T", [Column("a", "A"), Column("b", "B", numeric=True), Column("c", "C")])
    view.add([("html", link("/x?a=1&b=<2>", "A & B")), "1,234", ("html", status_tag("off_track"))], [0, 0, 0])
    view.add(["<script>", "–", 'It\'s "quoted"'], [0, 0, 0])
    first_numeric = TableView("n", "N", [Column("n", "N", numeric=True), Column("t", "T")])
    first_numeric.add(["12", ("html", "")], [0, 0])
    first_numeric.add([7, None], [0, 0])  # not text: written as Jinja would write it
    for v in (view, first_numeric):
        assert normal(v.body_html()) == normal(render(OLD_ROWS, view=v))
    assert "&lt;script&gt;" in view.body_html()


def _macro(component: str, name: str, params: dict[str, Any]) -> str:
    return render(
        f'{{% from "nhsuk/components/{component}/macro.jinja" import {name} %}}{{{{ {name}(params) }}}}', params=params
    )


def _partial(call: str, **context: Any) -> str:
    return render(
        '{% from "maturity/_markup.html" import select_field, input_field, submit_button, summary_list, '
        "details_html, card_html, inset_text, breadcrumb_nav %}{{ " + call + " }}",
        **context,
    )


@pytest.mark.parametrize("classes", ["", "app-period-form__select"])
def test_select(classes: str) -> None:
    items = [
        {"value": "", "text": "Any status", "selected": False},
        {"value": "2017/18-Q3", "text": "2017/18 Q3", "selected": True},
        {"value": 'a"<b>', "text": "Fish & <chips>", "selected": False},
    ]
    params = {"id": "period", "name": "period", "label": {"text": "As at <period>"}, "items": items}
    if classes:
        params["classes"] = classes
    expected = _macro("select", "select", params)
    got = _partial(
        "select_field('period', label, items, classes)", label="As at <period>", items=items, classes=classes
    )
    assert normal(got) == normal(expected)


@pytest.mark.parametrize("value", ["", 'dens "<&>"'])
def test_input(value: str) -> None:
    params = {"id": "q", "name": "q", "label": {"text": "Name"}, "value": value, "classes": "nhsuk-input--width-20"}
    got = _partial("input_field('q', 'Name', value, 'nhsuk-input--width-20')", value=value)
    assert normal(got) == normal(_macro("input", "input", params))


def test_button() -> None:
    expected = _macro(
        "button", "button", {"text": "Show <all>", "classes": "nhsuk-button--secondary nhsuk-button--small"}
    )
    got = _partial("submit_button('Show <all>', 'nhsuk-button--secondary nhsuk-button--small')")
    assert normal(got) == normal(expected)


def test_summary_list() -> None:
    rows = [{"key": {"text": k}, "value": {"text": v}} for k, v in (("Maturity <index>", "75.3 & up"), ("B", ""))]
    assert normal(_partial("summary_list(rows)", rows=rows)) == normal(
        _macro("summary-list", "summaryList", {"rows": rows})
    )


def test_details() -> None:
    html = Markup('<table class="nhsuk-table"><tr><td>1 &amp; 2</td></tr></table>')
    expected = _macro("details", "details", {"summaryText": "Show the <figures>", "html": html})
    assert normal(_partial("details_html('Show the <figures>', html)", html=html)) == normal(expected)


def test_card() -> None:
    body = Markup('<p class="tracker-figure">75.3<span class="nhsuk-body-s"> out of 100</span></p>')
    params = {
        "heading": "Maturity & index",
        "headingLevel": 2,
        "headingClasses": "nhsuk-heading-s",
        "descriptionHtml": body,
    }
    assert normal(_partial("card_html('Maturity & index', body)", body=body)) == normal(_macro("card", "card", params))


def test_inset_text() -> None:
    text = "There is no approved return for 2017/18 Q4 <provisional> & more"
    assert normal(_partial("inset_text(text)", text=text)) == normal(_macro("inset-text", "insetText", {"text": text}))


@pytest.mark.parametrize("count", [1, 3])
def test_breadcrumb(count: int) -> None:
    crumbs = [{"href": f"/d/{i}?a=1&b=2", "text": f"Place <{i}> & co"} for i in range(count)]
    expected = _macro("breadcrumb", "breadcrumb", {"items": crumbs, "text": "This page"})
    assert normal(_partial("breadcrumb_nav(crumbs)", crumbs=crumbs)) == normal(expected)


def test_a_chart_drawn_over_the_same_periods_again_has_the_same_axes() -> None:
    from tracker.maturity import charts

    labels = ["2017/18 Q1", "2017/18 Q2", "2017/18 Q3 <x>"]

    def drawn(points: list[tuple[float, float | None]]) -> str:
        svg = charts.time_chart("T", "D", labels, [charts.Line("A & B", points, markers=True)])
        return re.sub(r"chart-\d+-", "chart-N-", svg)

    first = drawn([(0, 10.0), (1, None), (2, 30.0)])
    assert "2017/18 Q3 &lt;x&gt;" in first and first.count("<line") >= 6 + 3 + 1
    assert drawn([(0, 10.0), (1, None), (2, 30.0)]) == first
    assert drawn([(0, 50.0), (2, 60.0)]) != first  # the lines are the chart's own

"""The return's task list, written as a plain partial (templates/returns/_task_list.html), gives the
HTML of nhsuk-frontend-jinja's `taskList` for every kind of item the return page shows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.maturity.test_dashboard_markup import normal, render
from tracker.indicators.catalogue import load_catalogue
from tracker.returns import presenters
from tracker.returns.calculations import Entry

SPECS = load_catalogue()


def _macro(prefix: str, items: list[dict[str, Any]]) -> str:
    return render(
        '{% from "nhsuk/components/task-list/macro.jinja" import taskList %}'
        "{{ taskList({'idPrefix': prefix, 'items': items}) }}",
        prefix=prefix,
        items=items,
    )


def _partial(prefix: str, items: list[dict[str, Any]]) -> str:
    return render(
        '{% from "returns/_task_list.html" import task_list %}{{ task_list(prefix, items) }}',
        prefix=prefix,
        items=items,
    )


def _entries(answered: int) -> dict[str, Entry]:
    return {s.code: Entry(value=1.0 if s.unit == "yesno" else 50.0) for s in SPECS[:answered]}


@pytest.mark.parametrize("answered", [0, 5, len(SPECS)])
def test_the_return_task_list_is_the_macros_markup(answered: int) -> None:
    tasks = presenters.task_list(SPECS, _entries(answered), {}, "/practices/A81001/returns/2017-18-Q4")
    for prefix, items in (("section", tasks["sections"]), ("submit", [tasks["check"]])):
        assert normal(_partial(prefix, items)) == normal(_macro(prefix, items))


def test_text_is_escaped_as_the_macro_escapes_it() -> None:
    items = [
        {
            "title": {"text": 'Fish & <chips> "now"'},
            "hint": "1 < 2 & 3",
            "href": "/x?a=1&b=2",
            "status": {"tag": {"text": "<b>", "classes": "nhsuk-tag--blue"}},
        },
        {"title": {"text": "No link"}, "href": None, "status": {"text": "Cannot & start", "classes": "c"}},
    ]
    got = _partial("section", items)
    assert normal(got) == normal(_macro("section", items))
    assert "&lt;chips&gt;" in got and "<b>" not in got

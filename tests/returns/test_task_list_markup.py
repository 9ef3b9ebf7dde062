"""The return's task list, written in Python (`presenters.task_list_html`), gives the HTML of
nhsuk-frontend-jinja's `taskList` for every kind of item the return page shows."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    return str(presenters.task_list_html(prefix, items))


def _entries(answered: int) -> dict[str, Entry]:
    return {s.code: Entry(value=1.0 if s.unit == "yesno" else 50.0) for s in SPECS[:answered]}


@pytest.mark.parametrize("answered", [0, 5, len(SPECS)])
def test_the_return_task_list_is_the_macros_markup(answered: int) -> None:
    tasks = presenters.task_list(SPECS, _entries(answered), {}, "/practices/A81001/returns/2017-18-Q4")
    for prefix, items in (("section", tasks["sections"]), ("submit", [tasks["check"]])):
        assert normal(_partial(prefix, items)) == normal(_macro(prefix, items))
    assert tasks["sections_html"] == presenters.task_list_html("section", tasks["sections"])


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


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


@given(
    title=TEXT,
    hint=st.none() | TEXT,
    href=st.none() | TEXT,
    status=st.sampled_from(["tag", "text"]),
    words=TEXT,
)
def test_any_words_give_the_macros_markup(title: str, hint: str | None, href: str | None, status: str, words: str):
    item: dict[str, Any] = {
        "title": {"text": title},
        "hint": hint,
        "href": href,
        "status": {"tag": {"text": words, "classes": "nhsuk-tag--blue"}}
        if status == "tag"
        else {"text": words, "classes": "nhsuk-task-list__status--completed"},
    }
    assert normal(_partial("section", [item, item])) == normal(_macro("section", [item, item]))

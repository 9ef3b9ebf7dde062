"""Emails filled in from a stencil (render.Shape) are the emails `render` makes, byte for
byte, whatever the values: names with &, <, quotes, unicode, odd whitespace, empty links."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import ChoiceLoader, DictLoader

from tracker.notifications import messages, render

# Characters that escaping, whitespace folding, line tidying or the markers themselves care about.
AWKWARD = st.sampled_from(list("&<>\"'` \n\r\t\x0b\x1c\x85\xa0\u2028;#/:?=ZqXMk0123é😀"))
PIECES = st.text(st.one_of(AWKWARD, st.characters()), max_size=12)
# Pieces of text, now and then the markers themselves or an entity already escaped.
ANY_TEXT = st.lists(st.one_of(PIECES, st.sampled_from(["&amp;", "ZqX0Mk<&>", "ZqX1Mk&lt;&amp;&gt;"])), max_size=3).map(
    "".join
)
# Mostly text as names are (whitespace folded), which stencils fill in; now and then anything.
TEXT = st.one_of(ANY_TEXT.map(lambda t: " ".join(t.split())), ANY_TEXT)
ABSOLUTE = TEXT.map(lambda t: "https://tracker.test/" + t)
LINK = st.one_of(ABSOLUTE, ABSOLUTE, ABSOLUTE, st.just(""), TEXT)


def _outcome(call: Any) -> Any:
    try:
        return call()
    except render.TemplateProblem as problem:
        return ("TemplateProblem", str(problem))


def _reminder(each: dict[str, str], shared: dict[str, Any]) -> tuple[Any, Any]:
    direct = _outcome(lambda: render.render("reminder", **shared, **each))
    filled = _outcome(lambda: render.Shape("reminder", **shared).render(each))
    return direct, filled


@settings(max_examples=200, deadline=None)
@given(
    ods_code=TEXT,
    practice_name=TEXT,
    link=LINK,
    leave_link=LINK,
    period_label=TEXT,
    days_left=st.integers(-40, 40),
    state=st.sampled_from([None, "draft", "returned"]),
    missing=st.lists(TEXT, max_size=3),
)
def test_a_filled_reminder_is_the_rendered_one_for_any_values(
    ods_code: str,
    practice_name: str,
    link: str,
    leave_link: str,
    period_label: str,
    days_left: int,
    state: str | None,
    missing: list[str],
) -> None:
    each = {"ods_code": ods_code, "practice_name": practice_name, "link": link, "leave_link": leave_link}
    shared = {
        "leave_label": "reminders about your practice's return",
        "period_label": period_label,
        "due_on": dt.date(2018, 4, 30),
        "days_left": days_left,
        "state": state,
        "missing": missing,
    }
    direct, filled = _reminder(each, shared)
    assert filled == direct


EACH = st.fixed_dictionaries(
    {"ods_code": TEXT, "practice_name": TEXT, "link": LINK, "leave_link": LINK}, optional={"extra": st.just("")}
)


@settings(max_examples=100, deadline=None)
@given(
    emails=st.lists(EACH, min_size=1, max_size=4),
    period_label=TEXT,
    days_left=st.integers(-40, 40),
    state=st.sampled_from([None, "draft", "returned"]),
    missing=st.lists(TEXT, max_size=3),
)
def test_emails_of_one_shape_are_each_the_rendered_one(
    emails: list[dict[str, str]], period_label: str, days_left: int, state: str | None, missing: list[str]
) -> None:
    # One Shape fills in several emails (links empty or not, an extra empty value or not): each is
    # the email `render` makes of the same values.
    shared = {
        "leave_label": "reminders about your practice's return",
        "period_label": period_label,
        "due_on": dt.date(2018, 4, 30),
        "days_left": days_left,
        "state": state,
        "missing": missing,
    }
    shape = render.Shape("reminder", **shared)
    for each in emails:
        direct = _outcome(lambda each=each: render.render("reminder", **shared, **each))
        assert _outcome(lambda each=each: shape.render(each)) == direct


def test_a_reminders_shape_makes_the_reminder_of_its_values() -> None:
    alike = messages.reminders(
        period_label="2017/18 Q4", due_on=dt.date(2018, 4, 30), days_left=10, state="draft", missing=["A", "B & C"]
    )
    for ods, link, leave in [("A81001", "https://t.test/a", "https://t.test/l"), ("A81002", "https://t.test/b", "")]:
        assert (
            alike.reminder(ods_code=ods, practice_name="The Surgery", link=link, leave_link=leave)
            == messages.reminder(
                ods_code=ods,
                practice_name="The Surgery",
                period_label="2017/18 Q4",
                due_on=dt.date(2018, 4, 30),
                days_left=10,
                state="draft",
                missing=["A", "B & C"],
                link=link,
                leave_link=leave,
            )
            == render.render(
                "reminder",
                ods_code=ods,
                practice_name="The Surgery",
                leave_label="reminders about your practice's return",
                period_label="2017/18 Q4",
                due_on=dt.date(2018, 4, 30),
                days_left=10,
                state="draft",
                missing=["A", "B & C"],
                link=link,
                leave_link=leave,
            )
        )


def test_typical_reminders_are_filled_from_one_stencil_per_shape() -> None:
    render._stencils.clear()
    shared = {"period_label": "2017/18 Q4", "due_on": dt.date(2018, 4, 30), "days_left": 10, "state": None}
    for ods, name in [("A81001", "The Densham Surgery"), ("A81034", 'Thornaby & Barwick <Medical> "Group"')]:
        email = messages.reminder(
            ods_code=ods,
            practice_name=name,
            missing=[],
            link=f"https://tracker.test/practices/{ods}/returns/2017-18-Q4",
            leave_link=f"https://tracker.test/reports/leave/{ods}?a=1&b=2",
            **shared,
        )
        assert "Thornaby &amp; Barwick &lt;Medical&gt; &#34;Group&#34;" in email.html or ods == "A81001"
        assert email.links == (
            f"https://tracker.test/practices/{ods}/returns/2017-18-Q4",
            f"https://tracker.test/reports/leave/{ods}?a=1&b=2",
        )
    assert len(render._stencils) == 1 and None not in render._stencils.values()


def test_values_a_marker_cannot_stand_for_are_rendered_directly() -> None:
    # Whitespace that the subject's folding or the plain text's tidying would change.
    for value in ["A  B", " A", "A ", "A\nB", "A\tB", "A\xa0B", "", None]:
        assert not render._fills_faithfully(value)
    assert render._fills_faithfully("Thornaby & Barwick <Medical> 'Group' é😀")


@pytest.mark.parametrize(
    "use",
    [
        "{{ name | upper }}",  # a filter changes the value: the marker is not there to fill
        "{{ name | safe }}",  # not escaped in the HTML part
        "{{ name[:4] }}",  # cut
        "{{ name | urlencode }}",  # escaped otherwise
    ],
)
def test_a_template_that_does_not_use_a_value_as_it_is_is_rendered_directly(use: str) -> None:
    templates = {
        "emails/t.subject.txt": "Hello {{ name }}",
        "emails/t.html": f"<p>{{{{ name }}}} and {use}</p>",
        "emails/t.txt": "{{ name }}",
    }
    env = render.environment()
    loader = env.loader
    env.loader = ChoiceLoader([DictLoader(templates), loader])  # type: ignore[list-item]
    if env.cache is not None:
        env.cache.clear()
    render._stencils.clear()
    try:
        for name in ["Thornaby & Barwick", "Ab"]:
            assert render.Shape("t").render({"name": name}) == render.render("t", name=name)
        assert list(render._stencils.values()) == [None]
    finally:
        env.loader = loader
        if env.cache is not None:
            env.cache.clear()
        render._stencils.clear()

"""Plain words: every generated validation and status message is capitalised correctly, and no
internal indicator code (LG_DIGITISED_PCT, WIFI_LIVE ...) shows on the return form, its history or
the practice's home page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from html.parser import HTMLParser

import pytest

from tests.conftest import post_form, sign_in
from tests.factories import make_org_tree
from tests.returns.factories import OPEN_URL, complete_values, form_data, make_return, setup_catalogue
from tracker.accounts.principal import Role
from tracker.indicators.catalogue import load_catalogue
from tracker.returns import calculations as calc
from tracker.returns import comments, lifecycle, presenters, todo
from tracker.returns.service import PeriodReturn
from tracker.web import wording
from tracker.web.templating import build_environment

SPECS = load_catalogue()
CODES = [s.code for s in SPECS]
WINDOW = calc.Window(dt.date(2018, 4, 1), dt.date(2018, 4, 30), dt.date(2018, 5, 31))
FORM = f"/practices/A81001/returns/{OPEN_URL}"

# What people type wrongly into each kind of field: every error message the checks can make.
BAD_INPUTS: dict[str, list[dict[str, str]]] = {
    "yesno": [{"value": "maybe"}],
    "count": [{"value": "lots"}, {"value": "-5"}, {"value": "1e12"}],
    "percent": [
        {"value": "abc"},
        {"value": "150"},
        {"value": "1,2.3"},
        {"numerator": "5"},
        {"denominator": "5"},
        {"numerator": "x", "denominator": "y"},
        {"numerator": "1", "denominator": "0"},
        {"numerator": "9", "denominator": "3"},
        {"value": "10", "numerator": "1", "denominator": "2"},
        {"comment": "x" * 1001},
    ],
}


def generated_messages() -> list[str]:
    out: list[str] = []
    for spec in SPECS:
        for raw in BAD_INPUTS[spec.unit]:
            checked = calc.Checked()
            calc.check_indicator(spec, raw, checked)
            out += checked.errors.values()
        # Submitting with nothing, and with a sharp fall since last period.
        submitted = calc.check_return([spec], {}, {}, submitting=True)
        out += submitted.errors.values()
        fallen = calc.check_return([spec], {spec.code: {"value": "0"}}, {spec.code: 100.0}, submitting=True)
        out += fallen.errors.values()
        out += fallen.warnings.values()
    days = [dt.date(2018, 3, 20), dt.date(2018, 4, 20), dt.date(2018, 5, 10), dt.date(2018, 6, 5)]
    for state, event, party, day in itertools.product(
        [None, *calc.STATES], list(lifecycle.Event), list(lifecycle.Party), days
    ):
        refused = lifecycle.check(state, event, party, WINDOW, day, None)
        if refused:
            out.append(refused[1])
    out += [calc.deadline_status(WINDOW, day) for day in days]
    out += [str(label) for label in calc.STATE_LABELS.values()]
    out += [s["label"] for state in [None, *calc.STATES] for s in presenters.lifecycle_steps(state, "Check it")]
    out += [m for m in (comments.check_comment("")[1], comments.check_comment("x" * 2000)[1]) if m]
    out += [f"As {wording.lower_first(role.label)} you receive:" for role in Role]
    out += [wording.upper_first(wording.plural(n, "practice")) + " off track" for n in (0, 1, 2, 2809)]
    row = PeriodReturn(1, "2017/18-Q4", WINDOW.opens_on, WINDOW.due_on, WINDOW.locks_on, 1, returned_reason="")
    for state in todo.TO_DO:
        now = dt.datetime(2018, 5, 10, tzinfo=dt.UTC)
        [item] = todo.todo_items("A81001", [dataclasses.replace(row, state=state)], answered={1: 8}, total=16,
                                 exceptions={}, now=now, today=now.date())  # fmt: skip
        out += [item.sentence, item.due_sentence]
    return out


def test_the_wording_helpers_keep_acronyms() -> None:
    assert wording.lower_first("NHS Wi-Fi for patients and staff") == "NHS Wi-Fi for patients and staff"
    assert wording.lower_first("IG Toolkit level 2") == "IG Toolkit level 2"
    assert wording.lower_first("CCG GP IT lead") == "CCG GP IT lead"
    assert wording.lower_first("Practice staff") == "practice staff"
    assert wording.upper_first("online consultation offered") == "Online consultation offered"
    assert [wording.plural(n, "practice") for n in (1, 2, 2809)] == ["1 practice", "2 practices", "2,809 practices"]
    assert wording.capitalisation_problems("Select yes or no for nHS Wi-Fi")
    assert wording.capitalisation_problems("As ccg gp it lead you receive:")
    assert wording.capitalisation_problems("enter a number")
    assert not wording.capitalisation_problems("Select yes or no for NHS Wi-Fi for patients and staff")


def test_every_generated_message_is_capitalised_correctly() -> None:
    messages = generated_messages()
    assert len(messages) > 200
    assert "Select yes or no for NHS Wi-Fi for patients and staff" in messages
    assert "Select yes or no for IG Toolkit level 2 on every requirement" in messages
    problems = [p for m in messages for p in wording.capitalisation_problems(m)]
    assert not problems, "\n".join(problems[:20])


def test_every_generated_message_is_free_of_indicator_codes() -> None:
    found = [m for m in generated_messages() for c in CODES if re.search(rf"\b{c}\b", m)]
    assert not found, found[:10]


def test_the_role_sentence_on_the_emails_page_keeps_its_acronyms() -> None:
    env = build_environment()
    template = env.from_string("As {{ label | lower_first }} you receive:")
    assert template.render(label=Role.CCG.label) == "As CCG GP IT lead you receive:"
    assert template.render(label=Role.PRACTICE.label) == "As practice staff you receive:"


class _VisibleText(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def codes_in(html: str) -> list[str]:
    text = visible_text(html)
    return [c for c in CODES if re.search(rf"\b{c}\b", text)]


@pytest.mark.parametrize("role_email", ["practice@a81001.test", "lead@00k.test"])
async def test_no_indicator_code_on_the_form_its_history_or_the_home_page(client, role_email: str) -> None:
    await setup_catalogue()
    tree = await make_org_tree()
    await make_return(tree["practices"][0], state="draft", values=complete_values(WIFI_LIVE=0.0), version=1)
    await sign_in(client, "practice@a81001.test")
    # A save that changes values: the history then holds value changes of several indicators.
    data = form_data(complete_values(LG_DIGITISED_PCT=40.0, WIFI_LIVE=1.0), version=1)
    assert (await post_form(client, FORM, data, follow_redirects=False)).status_code == 303
    bad = form_data(complete_values(), version=2, WIFI_LIVE="maybe", LG_DIGITISED_PCT="lots")
    response = await post_form(client, FORM, bad, token_from=FORM)
    assert response.status_code == 422 and "There is a problem" in response.text
    assert codes_in(response.text) == []
    await sign_in(client, role_email)
    page = (await client.get(FORM)).text
    assert "History of this return" in page and "NHS Wi-Fi for patients and staff: 0 → 1" in page
    assert codes_in(page) == []
    assert codes_in((await client.get("/")).text) == []


PAGES = {
    "national@england.test": [
        "/",
        "/dashboards/england",
        "/dashboards/regions/Y63",
        "/dashboards/ccgs/00K",
        "/dashboards/practices/A81001",
        "/organisations",
        "/funding",
    ],
    "lead@00k.test": [
        "/",
        "/review",
        "/review/grid",
        "/review/grid?show=outstanding",
        "/dashboards/ccgs/00K",
        "/funding/ccgs/00K",
        "/funding/impact",
    ],
}


async def test_no_indicator_code_on_any_page_a_person_reads(client) -> None:
    await setup_catalogue()
    tree = await make_org_tree()
    submitted = dt.datetime(2018, 4, 10, 10, tzinfo=dt.UTC)
    await make_return(tree["practices"][0], state="submitted", values=complete_values(), submitted_at=submitted)
    from tracker.maturity import service as maturity

    await maturity.refresh_all(dt.date(2018, 4, 20))
    found: dict[str, list[str]] = {}
    for email, paths in PAGES.items():
        await sign_in(client, email)
        for path in paths:
            response = await client.get(path)
            assert response.status_code == 200, path
            if codes := codes_in(response.text):
                found[path] = codes
    assert not found, found


async def test_no_indicator_code_in_a_workbook_header(client) -> None:
    """Workbook columns are headed by the indicator's name; the code is data in a column of its own
    (the Indicators sheet of the summaries, the Instructions sheet of the returns workbook)."""
    import io

    import openpyxl

    await setup_catalogue()
    tree = await make_org_tree()
    submitted = dt.datetime(2018, 1, 10, 10, tzinfo=dt.UTC)
    await make_return(tree["practices"][0], "2017/18-Q3", "approved", complete_values(), submitted_at=submitted)
    from tracker.maturity import service as maturity

    await maturity.refresh_all(dt.date(2018, 4, 20))
    found = []
    for email, path in [
        ("national@england.test", "/exports/national.xlsx?period=2017/18-Q3"),
        ("lead@00k.test", "/review/workbook.xlsx"),  # the CCG's returns workbook
    ]:
        await sign_in(client, email)
        response = await client.get(path)
        assert response.status_code == 200, path
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                continue
            for row in sheet.iter_rows(max_row=1, values_only=True):
                for cell in row:
                    if isinstance(cell, str) and any(re.search(rf"\b{c}\b", cell) for c in CODES):
                        found.append(f"{path} {sheet.title}: {cell}")
    assert not found, found[:10]

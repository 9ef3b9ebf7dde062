"""A practice's home page is its to-do list: its open and returned returns with due date, state
and what is left to answer, a link to its own funding, and what its CCG last said."""

from __future__ import annotations

import datetime as dt

from tests.conftest import sign_in
from tests.factories import make_org_tree
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tracker.audit import service as audit
from tracker.returns import todo

DUE = dt.date(2018, 4, 30)


def _row(code: str = OPEN, state: str | None = "draft", return_id: int | None = 7, **over: object) -> dict:
    row = {
        "period_id": 1,
        "code": code,
        "opens_on": dt.date(2018, 4, 1),
        "due_on": DUE,
        "locks_on": dt.date(2018, 5, 31),
        "return_id": return_id,
        "state": state,
        "returned_reason": "",
    }
    row.update(over)
    return row


def _items(rows: list[dict], now: dt.datetime, answered: dict[int, int] | None = None) -> list[todo.TodoItem]:
    return todo.todo_items("A81001", rows, answered=answered or {}, total=16, exceptions={}, now=now, today=now.date())


def test_a_draft_reads_as_one_plain_sentence() -> None:
    [item] = _items([_row()], dt.datetime(2018, 4, 20, 9, tzinfo=dt.UTC), {7: 8})
    assert item.sentence == "2017/18 Q4 return: due 30 April 2018, draft, 8 of 16 answered"
    assert item.href == "/practices/A81001/returns/2017-18-Q4"


def test_overdue_is_the_figures_rule_end_of_the_due_date_uk_time() -> None:
    # 23:30 UTC on 30 April is 00:30 on 1 May in London (summer time): past the due instant.
    late = dt.datetime(2018, 4, 30, 23, 30, tzinfo=dt.UTC)
    on_day = dt.datetime(2018, 4, 30, 22, 30, tzinfo=dt.UTC)
    assert _items([_row()], late)[0].overdue
    assert not _items([_row()], on_day)[0].overdue
    assert _items([_row()], late)[0].due_text == "overdue (was due 30 April 2018)"


def test_only_returns_the_practice_can_still_work_on_or_waits_for() -> None:
    now = dt.datetime(2018, 4, 20, 9, tzinfo=dt.UTC)
    rows = [
        _row(state=None, return_id=None),
        _row(state="returned", returned_reason="Check e-RS", return_id=8),
        _row(state="submitted", return_id=9),
        _row(state="approved", return_id=10),
        _row(code="2017/18-Q3", locks_on=dt.date(2018, 3, 1)),  # locked
    ]
    items = _items(rows, now)
    assert [i.state for i in items] == [None, "returned", "submitted"]
    assert items[0].sentence.endswith("not started, 0 of 16 answered")
    assert items[1].returned_reason == "Check e-RS"
    assert items[2].waiting and not items[2].overdue


def test_the_ccg_last_word_is_its_newest_reason_or_comment_never_the_practice_s() -> None:
    at = dt.datetime(2018, 4, 10, 9, tzinfo=dt.UTC)
    events = [
        {"id": 1, "at": at, "actor": "lead@x", "action": "return.returned", "entity_id": "7", "detail": {"reason": "A"}},
        {"id": 2, "at": at + dt.timedelta(hours=1), "actor": "lead@x", "action": "return.comment",
         "entity_id": "7", "detail": {"by": "ccg", "name": "Pat Lead", "text": "B"}},
        {"id": 3, "at": at + dt.timedelta(hours=2), "actor": "me@x", "action": "return.comment",
         "entity_id": "7", "detail": {"by": "practice", "name": "Me", "text": "C"}},
    ]  # fmt: skip
    word = todo.last_ccg_word(events, {"7": ("2017/18 Q4", "/r")})
    assert word is not None and (word.text, word.by, word.href) == ("B", "Pat Lead", "/r")
    assert todo.last_ccg_word(events[2:], {"7": ("2017/18 Q4", "/r")}) is None


async def test_practice_home_page_lists_its_returns_funding_and_ccg_words(client) -> None:
    await setup_catalogue()
    tree = await make_org_tree()
    practice = tree["practices"][0]
    values = dict(list(complete_values().items())[:8])
    row = await make_return(practice, state="returned", values=values)
    await audit.record(
        "return.returned",
        actor="lead@00k.test",
        entity_type="practice_return",
        entity_id=row["id"],
        detail={"reason": "Please check e-RS", "practice": "A81001", "period": OPEN},
    )
    await sign_in(client, "practice@a81001.test")
    page = (await client.get("/")).text
    assert "To do for The Densham Surgery (A81001)" in page
    assert "2017/18 Q4 return" in page and "Due 30 April 2018" in page and "8 of 16 answered" in page
    assert "Returned to practice" in page and "Please check e-RS" in page
    assert "What your CCG last said</h3>" in page and "&lt;h3" not in page
    assert 'href="/funding/practices/A81001"' in page
    # Its own funding page opens; another practice's does not.
    assert (await client.get("/funding/practices/A81001")).status_code == 200
    assert (await client.get("/funding/practices/A81002")).status_code == 403
    assert (await client.get("/funding/practices/J81001")).status_code == 403


async def test_other_roles_have_no_practice_to_do_list(client) -> None:
    await setup_catalogue()
    await make_org_tree()
    await sign_in(client, "lead@00k.test")
    page = (await client.get("/")).text
    assert "To do for" not in page and "Review returns" in page

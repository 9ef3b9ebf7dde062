"""A practice's home page is its to-do list: its open and returned returns with due date, state
and what is left to answer, a link to its own funding, and what its CCG last said."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from tests.conftest import sign_in
from tests.factories import make_org_tree
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tests.weekly.chase_world import chase_world
from tracker.audit import service as audit
from tracker.returns import review_service, todo
from tracker.returns.service import PeriodReturn
from tracker.web import wording

DUE = dt.date(2018, 4, 30)


def _row(code: str = OPEN, state: str | None = "draft", return_id: int | None = 7, **over: Any) -> PeriodReturn:
    row = PeriodReturn(
        period_id=1,
        code=code,
        opens_on=dt.date(2018, 4, 1),
        due_on=DUE,
        locks_on=dt.date(2018, 5, 31),
        return_id=return_id,
        state=state,
        returned_reason="",
    )
    return dataclasses.replace(row, **over)


def _items(rows: list[PeriodReturn], now: dt.datetime, answered: dict[int, int] | None = None) -> list[todo.TodoItem]:
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


def _event(
    event_id: int, at: dt.datetime, actor: str, action: str, entity_id: str, detail: dict[str, Any]
) -> audit.AuditEventRow:
    return audit.AuditEventRow(event_id, at, actor, action, "practice_return", entity_id, detail, "")


def test_the_ccg_last_word_is_its_newest_reason_or_comment_never_the_practice_s() -> None:
    at = dt.datetime(2018, 4, 10, 9, tzinfo=dt.UTC)
    events = [
        _event(1, at, "lead@x", "return.returned", "7", {"reason": "A"}),
        _event(2, at + dt.timedelta(hours=1), "lead@x", "return.comment",
               "7", {"by": "ccg", "name": "Pat Lead", "text": "B"}),
        _event(3, at + dt.timedelta(hours=2), "me@x", "return.comment",
               "7", {"by": "practice", "name": "Me", "text": "C"}),
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


# --- A CCG lead's week -------------------------------------------------------------------------

NOW = dt.datetime(2018, 4, 20, 9, tzinfo=dt.UTC)


def test_a_lead_reads_the_queue_and_the_open_period_in_sentences() -> None:
    sent = dt.datetime(2018, 4, 12, 10, tzinfo=dt.UTC)
    t = todo.ccg_todo(waiting=3, oldest_sent=sent, period_code=OPEN, due_on=DUE, expected=32, outstanding=12, now=NOW)
    assert t.review_sentence == "3 returns are waiting for your review (the oldest sent on 12 April 2018)."
    assert (
        t.period_sentence == "2017/18 Q4 returns are due on 30 April 2018: 12 of 32 practices have not sent theirs yet."
    )
    one = todo.ccg_todo(waiting=1, oldest_sent=None, period_code=OPEN, due_on=DUE, expected=1, outstanding=1, now=NOW)
    assert one.review_sentence == "1 return is waiting for your review."
    assert one.period_sentence.endswith("1 of 1 practice has not sent theirs yet.")
    for sentence in (t.review_sentence, t.period_sentence, one.review_sentence, one.period_sentence):
        assert wording.capitalisation_problems(sentence) == []


def test_late_is_the_figures_rule_and_nothing_outstanding_says_so() -> None:
    # 23:30 UK time on the due date (22:30 UTC in summer) is still on time; 00:30 the next day is late.
    on_time = dt.datetime(2018, 4, 30, 22, 30, tzinfo=dt.UTC)
    late = dt.datetime(2018, 4, 30, 23, 30, tzinfo=dt.UTC)
    kw = {"waiting": 0, "oldest_sent": None, "period_code": OPEN, "due_on": DUE, "expected": 5}
    assert "not sent theirs yet" in todo.ccg_todo(**kw, outstanding=2, now=on_time).period_sentence
    assert todo.ccg_todo(**kw, outstanding=2, now=late).period_sentence.endswith("2 of 5 practices are late.")
    done = todo.ccg_todo(**kw, outstanding=0, now=late)
    assert done.period_sentence == "Every practice expected has sent its 2017/18 Q4 return."
    assert done.review_sentence == "No return is waiting for your review."
    assert todo.ccg_todo(**{**kw, "period_code": None, "due_on": None}, outstanding=0, now=late).period_sentence == ""


async def test_a_lead_s_home_page_gives_the_queue_and_grid_s_own_numbers(client) -> None:
    tree = await chase_world()
    await sign_in(client, "lead@00k.test")
    home = (await client.get("/")).text
    assert "To do this week" in home
    # The review queue's own rows.
    assert len(await review_service.queue(tree["ccgs"][0]["id"])) == 1
    assert "1 return is waiting for your review" in home
    # The grid's own count of outstanding practices, in the same words of number.
    grid = (await client.get("/review/grid?show=outstanding")).text
    assert "4 of 5 practices have an outstanding 2017/18 Q4 return" in grid
    assert "4 of 5 practices have not sent theirs yet." in home
    assert 'href="/review/grid?show=outstanding"' in home

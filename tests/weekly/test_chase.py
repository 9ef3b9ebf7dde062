"""Chasing from the CCG's grid: "Missed" for locked periods without a return, the filter to
outstanding returns, and reminders sent now through the outbox at most once per practice a day,
audited, only to the lead's own practices."""

from __future__ import annotations

import datetime as dt

from tests.conftest import post_form, sign_in
from tests.weekly.chase_world import OUTSTANDING, TODAY, chase_world
from tracker.audit import service as audit
from tracker.notifications import calculations as notify_calc
from tracker.notifications import leaving, subscriptions_service
from tracker.returns import calculations as calc
from tracker.returns import chase_service, review_service
from tracker.returns.review_service import GridRow
from tracker.tables import OutboxEmail

LOCKED = dt.date(2018, 3, 1)
NOW = dt.datetime(2018, 4, 20, 9, 30, tzinfo=dt.UTC)
URL = "https://t.nhs.test"
SECRET = "chase-test-secret"


# --- The rules, pure ---------------------------------------------------------------------------


def test_a_locked_period_without_a_return_from_an_expected_practice_is_missed() -> None:
    after = LOCKED + dt.timedelta(days=1)
    assert calc.grid_state(None, expected=True, received=False, locks_on=LOCKED, today=after) == "missed"
    assert calc.grid_state("draft", expected=True, received=False, locks_on=LOCKED, today=after) == "missed"


def test_an_open_period_a_received_return_or_an_unexpected_practice_is_not_missed() -> None:
    after = LOCKED + dt.timedelta(days=1)
    # On the lock date itself the period is still provisional (figures.rules).
    assert calc.grid_state(None, expected=True, received=False, locks_on=LOCKED, today=LOCKED) == "none"
    assert calc.grid_state("returned", expected=True, received=True, locks_on=LOCKED, today=after) == "returned"
    assert calc.grid_state(None, expected=False, received=False, locks_on=LOCKED, today=after) == "none"
    assert calc.grid_state("approved", expected=True, received=True, locks_on=LOCKED, today=after) == "approved"


def test_outstanding_is_not_started_draft_or_returned() -> None:
    assert [s for s in (None, "draft", "submitted", "approved", "returned") if calc.outstanding(s)] == [
        None,
        "draft",
        "returned",
    ]


def test_the_chase_key_names_practice_period_and_uk_date() -> None:
    day = chase_service.chase_day(dt.datetime(2018, 4, 20, 23, 30, tzinfo=dt.UTC))
    assert day == dt.date(2018, 4, 21)  # 00:30 in London (BST)
    assert (
        notify_calc.chase_key("A81001", "2017/18-Q4", day, "Pat@X.test")
        == "chase:A81001:2017/18-Q4:2018-04-21:pat@x.test"
    )


def test_choosing_splits_outstanding_own_and_foreign_codes() -> None:
    rows = [GridRow(1, "A81001", "", (), outstanding=True), GridRow(2, "A81002", "", (), outstanding=False)]
    chosen, not_outstanding, foreign = chase_service.choose(rows, ["a81001", "A81002", "J81001", "A81001"])
    assert [p.ods_code for p in chosen] == ["A81001"]
    assert not_outstanding == ["A81002"] and foreign == ["J81001"]
    assert [p.ods_code for p in chase_service.choose(rows, None)[0]] == ["A81001"]


# --- The grid, with a real database -----------------------------------------------------------


async def test_the_grid_marks_missed_and_counts_outstanding(clean_db) -> None:
    tree = await chase_world()
    data = await review_service.grid(tree["ccgs"][0]["id"], TODAY)
    period = {p.code: p.id for p in data.periods}
    q3 = {r.ods_code: r.cells[data.column(period["2017/18-Q3"])].state for r in data.rows}
    assert q3["A81001"] == "missed" and q3["A81002"] == "approved"
    q4 = {r.ods_code: r.cells[data.column(period["2017/18-Q4"])].state for r in data.rows}
    assert q4["A81001"] == "draft" and q4["A81003"] == "none" and q4["A81002"] == "submitted"
    assert data.open_period is not None and data.open_period.code == "2017/18-Q4"
    assert sorted(r.ods_code for r in data.outstanding) == OUTSTANDING


async def test_the_grid_page_filters_to_outstanding_and_says_how_many(client) -> None:
    await chase_world()
    await sign_in(client, "lead@00k.test")
    page = (await client.get("/review/grid?show=outstanding")).text
    assert "4 of 5 practices have an outstanding 2017/18 Q4 return" in page
    assert 'value="A81003"' in page and "Queens Park" not in page
    assert "tracker-state--missed" in page
    everyone = (await client.get("/review/grid")).text
    assert "Queens Park" in everyone and 'value="A81002"' not in everyone


# --- Chasing -----------------------------------------------------------------------------------


async def _outbox() -> list[dict]:
    return await OutboxEmail.select(OutboxEmail.idempotency_key, OutboxEmail.to_address, OutboxEmail.kind).order_by(
        OutboxEmail.idempotency_key
    )


async def test_a_chase_queues_one_reminder_per_practice_once_a_day_and_is_audited(clean_db) -> None:
    tree = await chase_world()
    ccg_id = tree["ccgs"][0]["id"]
    chase = await chase_service.plan(ccg_id, OUTSTANDING, today=TODAY, now=NOW, base_url=URL, secret=SECRET)
    assert [t.ods_code for t in chase.sendable] == ["A81001", "A81003", "A81004"]
    assert [t.ods_code for t in chase.no_address] == ["A81005"]
    draft = chase.targets[0].email
    assert (
        "Still to answer (2)" in draft.text and "https://t.nhs.test/practices/A81001/returns/2017-18-Q4" in draft.text
    )
    sent = await chase_service.send(chase, account_id=None, actor="lead@00k.test")
    assert sent.queued == ["A81001", "A81003", "A81004"] and sent.no_address == ["A81005"]
    rows = await _outbox()
    assert [(r["to_address"], r["kind"]) for r in rows] == [
        ("practice@a81001.test", "chase_reminder"),
        ("practice@a81003.test", "chase_reminder"),
        ("contact@a81004.test", "chase_reminder"),
    ]
    assert rows[0]["idempotency_key"] == "chase:A81001:2017/18-Q4:2018-04-20:practice@a81001.test"
    # Each address gets its own link to stop getting reminders, as the scheduled reminders carry.
    bodies = await OutboxEmail.select(OutboxEmail.to_address, OutboxEmail.body_text, OutboxEmail.body_html)
    for row in bodies:
        link = leaving.link(URL, SECRET, row["to_address"], "chase_reminder")
        assert link and link in row["body_text"] and link in row["body_html"]
        assert leaving.read_token(SECRET, link.rsplit("/", 1)[1]) == (row["to_address"], leaving.REPORTS["reminders"])

    # The same day again: nothing more, and it says so.
    again = await chase_service.plan(
        ccg_id, OUTSTANDING, today=TODAY, now=NOW + dt.timedelta(hours=5), base_url=URL, secret=SECRET
    )
    assert [t.ods_code for t in again.already] == ["A81001", "A81003", "A81004"] and again.sendable == []
    second = await chase_service.send(again, account_id=None, actor="lead@00k.test")
    assert second.queued == [] and second.already == ["A81001", "A81003", "A81004"]
    assert len(await _outbox()) == 3

    # The next day, one more each.
    tomorrow = await chase_service.plan(
        ccg_id, ["A81003"], today=TODAY, now=NOW + dt.timedelta(days=1), base_url=URL, secret=SECRET
    )
    assert (await chase_service.send(tomorrow, account_id=None, actor="lead@00k.test")).queued == ["A81003"]
    assert len(await _outbox()) == 4

    events = await audit.events_of("ccg", [ccg_id], ("review.chase",))
    assert [e.detail["reminded"] for e in events] == [["A81001", "A81003", "A81004"], [], ["A81003"]]
    assert events[1].detail["already_reminded_today"] == ["A81001", "A81003", "A81004"]


async def test_the_preview_shows_the_email_and_who_it_goes_to(client) -> None:
    await chase_world()
    await sign_in(client, "lead@00k.test")
    response = await post_form(
        client, "/review/chase", {"practice": ["A81001", "A81005"], "select": "selected"}, token_from="/review/grid"
    )
    assert response.status_code == 200, response.text
    page = response.text
    assert "practice@a81001.test" in page and "A81005 North Road Surgery has no one to email" in page
    assert "Send 1 reminder" in page and "Still to answer (2)" in page
    assert await _outbox() == []


async def test_select_all_outstanding_works_without_javascript(client) -> None:
    await chase_world()
    await sign_in(client, "lead@00k.test")
    response = await post_form(client, "/review/chase", {"select": "outstanding"}, token_from="/review/grid")
    assert response.status_code == 200 and "Send 3 reminders" in response.text


async def test_choosing_nobody_shows_the_error_summary_and_keeps_the_filter(client) -> None:
    await chase_world()
    await sign_in(client, "lead@00k.test")
    response = await post_form(
        client, "/review/chase", {"select": "selected", "show": "outstanding"}, token_from="/review/grid"
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text and "Select at least one practice" in response.text
    assert "Queens Park" not in response.text  # still filtered


async def test_sending_twice_the_same_day_says_who_was_already_reminded(client) -> None:
    await chase_world()
    await sign_in(client, "lead@00k.test")
    data = {"practice": ["A81001", "A81003"]}
    first = await post_form(client, "/review/chase/send", data, token_from="/review/grid")
    assert first.status_code == 200 and "2 reminders sent" in first.text
    second = await post_form(client, "/review/chase/send", data, token_from="/review/grid")
    assert "A81001 was already reminded today" in second.text and "No reminders sent" in second.text
    assert len(await _outbox()) == 2


async def test_a_foreign_practice_in_the_form_is_refused_and_nothing_is_queued(client) -> None:
    await chase_world()
    await sign_in(client, "lead@00k.test")
    for path in ("/review/chase", "/review/chase/send"):
        response = await post_form(client, path, {"practice": ["A81001", "J81001"]}, token_from="/review/grid")
        assert response.status_code == 403
    assert await _outbox() == [] and await audit.count("review.chase") == 0


async def test_chasing_needs_the_csrf_token(client) -> None:
    await chase_world()
    await sign_in(client, "lead@00k.test")
    response = await client.post("/review/chase/send", data={"practice": "A81001"})
    assert response.status_code == 403
    assert await _outbox() == []


async def test_an_address_that_left_reminders_is_not_chased_by_hand_either(clean_db) -> None:
    """A chase is a reminder: whoever left reminders from an email's link gets none from a grid,
    and a practice left with no one to email says so in the preview."""
    tree = await chase_world()
    await subscriptions_service.leave("practice@a81003.test", "reminders", via="link")
    chase = await chase_service.plan(
        tree["ccgs"][0]["id"], OUTSTANDING, today=TODAY, now=NOW, base_url=URL, secret=SECRET
    )
    assert [t.ods_code for t in chase.sendable] == ["A81001", "A81004"]
    assert [t.ods_code for t in chase.no_address] == ["A81003", "A81005"]
    await chase_service.send(chase, account_id=None, actor="lead@00k.test")
    assert "practice@a81003.test" not in [r["to_address"] for r in await _outbox()]

"""The one lifecycle: its transition table, withdrawing, uploads that leave untouched returns
alone, scores refreshed with the approval, and proof that nothing else writes a return."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.conftest import post_form, sign_in
from tests.factories import make_org_tree
from tests.returns import workbooks
from tests.returns.factories import OPEN, OPEN_URL, complete_values, make_return, setup_catalogue
from tracker import db
from tracker.returns import lifecycle
from tracker.returns.calculations import Window
from tracker.returns.lifecycle import Event, Party, Refusal
from tracker.tables import AuditEvent, PracticeReturn

ROOT = Path(__file__).resolve().parents[2]
WINDOW = Window(dt.date(2018, 4, 1), dt.date(2018, 4, 30), dt.date(2018, 5, 31))
OPEN_DAY = dt.date(2018, 4, 20)
LOCKED_DAY = dt.date(2018, 6, 5)
FORM = f"/practices/A81001/returns/{OPEN_URL}"

ALLOWED = [
    (None, Event.SAVE, Party.PRACTICE, "draft"),
    (None, Event.SUBMIT, Party.PRACTICE, "submitted"),
    ("draft", Event.SAVE, Party.PRACTICE, "draft"),
    ("draft", Event.SUBMIT, Party.PRACTICE, "submitted"),
    ("returned", Event.SAVE, Party.PRACTICE, "returned"),
    ("returned", Event.SUBMIT, Party.PRACTICE, "submitted"),
    ("submitted", Event.WITHDRAW, Party.PRACTICE, "draft"),
    ("submitted", Event.APPROVE, Party.CCG, "approved"),
    ("submitted", Event.RETURN, Party.CCG, "returned"),
    ("approved", Event.REOPEN, Party.CCG, "returned"),
    ("approved", Event.SUBMIT, Party.CCG, "submitted"),
    ("submitted", Event.SAVE, Party.CCG, "draft"),
]
REFUSED = [
    ("submitted", Event.SAVE, Party.PRACTICE, "waiting for the CCG's review"),
    ("approved", Event.SUBMIT, Party.PRACTICE, "approved by the CCG"),
    ("draft", Event.WITHDRAW, Party.PRACTICE, "Only a submitted return"),
    ("approved", Event.WITHDRAW, Party.PRACTICE, "Only a submitted return"),
    ("submitted", Event.APPROVE, Party.PRACTICE, "Only a submitted return can be approved"),
    ("submitted", Event.WITHDRAW, Party.CCG, "Only a submitted return"),
    ("draft", Event.APPROVE, Party.CCG, "Only a submitted return can be approved"),
    ("returned", Event.RETURN, Party.CCG, "Only a submitted return can be returned"),
    ("submitted", Event.REOPEN, Party.CCG, "Only an approved return can be reopened"),
]


@pytest.mark.parametrize(("state", "event", "party", "to"), ALLOWED)
def test_allowed_transitions(state, event, party, to):
    assert lifecycle.check(state, event, party, WINDOW, OPEN_DAY, None) is None
    assert lifecycle.TRANSITIONS[(state, event)].to == to
    assert event in lifecycle.events_for(state, party)


@pytest.mark.parametrize(("state", "event", "party", "message"), REFUSED)
def test_refused_transitions(state, event, party, message):
    refusal, text = lifecycle.check(state, event, party, WINDOW, OPEN_DAY, None)
    assert refusal == Refusal.STATE and message in text


def test_a_locked_period_says_locked_and_still_allows_approval():
    for event in (Event.SAVE, Event.SUBMIT, Event.WITHDRAW):
        refusal, text = lifecycle.check(
            "submitted" if event == Event.WITHDRAW else "draft", event, Party.PRACTICE, WINDOW, LOCKED_DAY, None
        )
        assert refusal == Refusal.LOCKED and "locked on 31 May 2018" in text
    refusal, text = lifecycle.check("submitted", Event.RETURN, Party.CCG, WINDOW, LOCKED_DAY, None)
    assert refusal == Refusal.LOCKED and "locked" in text
    assert lifecycle.check("submitted", Event.APPROVE, Party.CCG, WINDOW, LOCKED_DAY, None) is None
    # A lock exception running until today lets the practice change it again.
    assert lifecycle.check("draft", Event.SAVE, Party.PRACTICE, WINDOW, LOCKED_DAY, LOCKED_DAY) is None
    refusal, text = lifecycle.check(None, Event.SAVE, Party.PRACTICE, WINDOW, dt.date(2018, 3, 1), None)
    assert refusal == Refusal.LOCKED and "opens for returns on 1 April 2018" in text


WRITES = re.compile(
    r"PracticeReturn\.(update|insert|delete|raw)\(|(?<!class )PracticeReturn\(|"
    r"(UPDATE|INSERT INTO|DELETE FROM)\s+\"?practice_return\b|bulk_insert\(\s*[\"']practice_return[\"']",
    re.IGNORECASE,
)
# The demo loader fills an empty database with years of synthetic history in bulk, through the
# returns feature's bulk writer: it records what happened, it does not move a live return through
# its lifecycle.
SEEDERS = {"tracker/returns/bulk_service.py"}


def test_the_lifecycle_is_the_only_writer_of_a_return():
    writers = set()
    for path in (ROOT / "tracker").rglob("*.py"):
        text = path.read_text()
        rel = path.relative_to(ROOT).as_posix()
        if WRITES.search(text):
            writers.add(rel)
    # The scan finds the seeder too: it would notice a new writer written the same way.
    assert writers == {"tracker/returns/lifecycle.py", *SEEDERS}, writers


async def _tree():
    await setup_catalogue()
    return await make_org_tree()


async def _row(practice_id: int) -> dict:
    return await PracticeReturn.select().where(PracticeReturn.practice == practice_id).first()


async def test_practice_withdraws_a_return_not_yet_reviewed(client):
    tree = await _tree()
    practice = tree["practices"][0]
    row = await make_return(practice, state="submitted", version=3)
    await sign_in(client, "practice@a81001.test")
    page = await client.get(FORM)
    assert "Withdraw return" in page.text
    response = await post_form(client, FORM, {"action": "withdraw", "version": "2"}, token_from=FORM)
    assert response.status_code == 409 and "changed since you opened it" in response.text
    assert (await _row(practice["id"]))["state"] == "submitted"
    response = await post_form(
        client, FORM, {"action": "withdraw", "version": "3"}, token_from=FORM, follow_redirects=False
    )
    assert response.status_code == 303
    after = await _row(practice["id"])
    assert after["state"] == "draft" and after["version"] == 4
    assert after["first_submitted_at"] == row["first_submitted_at"]  # timeliness keeps the first submission
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action) if e["action"].startswith("return.")]
    assert actions == ["return.withdrawn"]
    page = await client.get(FORM + "?saved=withdrawn")
    assert "withdrawn: it is a draft again" in page.text


async def test_an_approved_return_cannot_be_withdrawn(client):
    tree = await _tree()
    await make_return(tree["practices"][0], state="approved")
    await sign_in(client, "practice@a81001.test")
    assert "Withdraw return" not in (await client.get(FORM)).text
    response = await post_form(client, FORM, {"action": "withdraw", "version": "1"}, token_from=FORM)
    assert response.status_code == 409 and "Only a submitted return" in response.text
    assert (await _row(tree["practices"][0]["id"]))["state"] == "approved"


async def test_approval_refreshes_scores_in_the_same_transaction(client):
    tree = await _tree()
    practice = tree["practices"][0]
    row = await make_return(practice, state="submitted")
    await sign_in(client, "lead@00k.test")
    before = await db.fetch("SELECT COUNT(*) AS n FROM practice_score WHERE practice = {}", practice["id"])
    response = await post_form(
        client, "/review/decisions", {"return_id": str(row["id"]), "decision": "approve"}, token_from="/review"
    )
    assert response.status_code in (200, 303)
    scores = await db.fetch(
        "SELECT maturity FROM practice_score WHERE practice = {} AND period = {}", practice["id"], row["period"]
    )
    assert before == [{"n": 0}] and scores and scores[0]["maturity"] is not None


async def _preview_and_apply(client, data: bytes, mode: str):
    from tests.returns.test_workbook_routes import _upload

    response = await _upload(client, data, mode=mode)
    assert response.status_code == 200, response.text[:2000]
    if 'name="token" value="' not in response.text:
        return response
    token = response.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    return await post_form(
        client, "/review/workbook/apply", {"token": token}, token_from="/review/workbook", follow_redirects=False
    )


async def test_submit_mode_leaves_untouched_returns_alone(client):
    tree = await _tree()
    approved = await make_return(tree["practices"][0], OPEN, "approved", complete_values())
    draft = await make_return(tree["practices"][1], OPEN, "draft", complete_values())
    await sign_in(client, "lead@00k.test")
    downloaded = (await client.get("/review/workbook.xlsx")).content
    edited = workbooks.edit(downloaded, workbooks.set_cell("C3", 31))  # A81002 only
    response = await _preview_and_apply(client, edited, "submit")
    assert response.status_code == 303
    assert (await _row(tree["practices"][0]["id"]))["state"] == "approved"
    assert (await _row(tree["practices"][0]["id"]))["version"] == approved["version"]
    after = await _row(tree["practices"][1]["id"])
    assert after["state"] == "submitted" and after["version"] == draft["version"] + 1


async def test_an_unchanged_workbook_changes_nothing_in_either_mode(client):
    tree = await _tree()
    await make_return(tree["practices"][0], OPEN, "returned", complete_values())
    await make_return(tree["practices"][1], OPEN, "draft", complete_values())
    await sign_in(client, "lead@00k.test")
    downloaded = (await client.get("/review/workbook.xlsx")).content
    before = [(r["state"], r["version"]) for r in await PracticeReturn.select().order_by(PracticeReturn.id)]
    for mode in ("submit", "draft"):
        response = await _preview_and_apply(client, downloaded, mode)
        assert response.status_code == 200
        assert 'name="token"' not in response.text
    assert [(r["state"], r["version"]) for r in await PracticeReturn.select().order_by(PracticeReturn.id)] == before
    assert await AuditEvent.count().where(AuditEvent.action.like("return.%")) == 0

"""Comments on a return: practice and CCG talk on the return page; the thread is kept in the audit
trail and shown with names and dates; each side sees only the threads of its own returns."""

from __future__ import annotations

import dataclasses
import datetime as dt

from tests.conftest import post_form, sign_in
from tests.factories import make_org_tree
from tests.returns.factories import OPEN_URL, make_return, setup_catalogue
from tracker.accounts.policy import Scope
from tracker.accounts.principal import Principal, Role
from tracker.audit import service as audit
from tracker.returns import comments

FORM = f"/practices/A81001/returns/{OPEN_URL}"
COMMENTS = FORM + "/comments"
FOREIGN_FORM = f"/practices/J81001/returns/{OPEN_URL}"


def test_a_comment_must_have_words_and_not_too_many() -> None:
    assert comments.check_comment("  Looks right \r\n now ") == ("Looks right \n now", None)
    assert comments.check_comment("   ")[1] == "Enter your comment"
    assert comments.check_comment("x" * 1001)[1] == "Comment must be 1,000 characters or fewer"


def test_who_may_comment_is_the_policy_s_answer() -> None:
    scope = Scope(practice_id=1, ccg_id=2, region_id=3)
    practice = Principal(1, "p@x", "P", Role.PRACTICE, practice_ids=frozenset({1}))
    other_practice = Principal(2, "q@x", "Q", Role.PRACTICE, practice_ids=frozenset({9}))
    lead = Principal(3, "c@x", "C", Role.CCG, ccg_id=2)
    other_lead = Principal(4, "d@x", "D", Role.CCG, ccg_id=8)
    region = Principal(5, "r@x", "R", Role.REGION, region_id=3)
    assert comments.party_of(practice, scope) == "practice"
    assert comments.party_of(lead, scope) == "ccg"
    assert [comments.party_of(u, scope) for u in (other_practice, other_lead, region)] == [None, None, None]


def test_thread_rows_name_the_person_their_side_and_the_date() -> None:
    at = dt.datetime(2018, 4, 20, 14, 5, tzinfo=dt.UTC)
    [row] = comments.thread_rows(
        [
            audit.AuditEventRow(
                1,
                at,
                "lead@x",
                "return.comment",
                "practice_return",
                "7",
                {"by": "ccg", "name": "Pat Lead", "text": "Check Wi-Fi"},
                "",
            )
        ]
    )
    assert dataclasses.asdict(row) == {
        "name": "Pat Lead",
        "party": "CCG",
        "date": "20 April 2018",
        "time": "15:05",  # British Summer Time
        "iso": "2018-04-20T15:05:00+01:00",
        "text": "Check Wi-Fi",
    }


async def _two_returns() -> dict:
    await setup_catalogue()
    tree = await make_org_tree()
    await make_return(tree["practices"][0], state="submitted")
    await make_return(tree["practices"][2], state="submitted")
    return tree


async def test_practice_and_ccg_exchange_comments_kept_in_the_audit_trail(client) -> None:
    await _two_returns()
    await sign_in(client, "practice@a81001.test")
    response = await post_form(client, COMMENTS, {"comment": "We installed Wi-Fi in March."}, token_from=FORM)
    assert response.status_code == 200 and "Your comment has been added." in response.text
    await sign_in(client, "lead@00k.test")
    response = await post_form(client, COMMENTS, {"comment": "Thanks: <b>approved</b> soon."}, token_from=FORM)
    page = response.text
    assert "We installed Wi-Fi in March." in page and "Thanks: &lt;b&gt;approved&lt;/b&gt; soon." in page
    assert page.index("We installed Wi-Fi") < page.index("Thanks:")
    assert "(Practice)" in page and "(CCG)" in page and "20 April 2018" in page
    assert await audit.count("return.comment") == 2


async def test_an_empty_comment_shows_the_error_summary_and_keeps_nothing(client) -> None:
    await _two_returns()
    await sign_in(client, "practice@a81001.test")
    response = await post_form(client, COMMENTS, {"comment": "  "}, token_from=FORM)
    assert response.status_code == 422
    assert "There is a problem" in response.text and 'href="#comment-text"' in response.text
    long = "x" * 1001
    response = await post_form(client, COMMENTS, {"comment": long}, token_from=FORM)
    assert response.status_code == 422 and long in response.text  # what was typed is kept
    assert await audit.count("return.comment") == 0


async def test_each_side_sees_and_writes_only_its_own_threads(client) -> None:
    await _two_returns()
    await sign_in(client, "practice@j81001.test")
    await post_form(client, FOREIGN_FORM + "/comments", {"comment": "Dorset only"}, token_from=FOREIGN_FORM)
    # Another practice and another CCG: refused, and they cannot read the thread either.
    response = await post_form(client, COMMENTS, {"comment": "Not mine"}, token_from=FOREIGN_FORM)
    assert response.status_code == 403
    assert (await client.get(FORM)).status_code == 403
    await sign_in(client, "lead@11j.test")
    response = await post_form(client, COMMENTS, {"comment": "Not my CCG"}, token_from="/review")
    assert response.status_code == 403
    assert (await client.get(FORM)).status_code == 403
    # A region reads the thread of its practices but does not take part.
    await sign_in(client, "region@y58.test")
    assert "Dorset only" in (await client.get(FOREIGN_FORM)).text
    assert 'action="' + FOREIGN_FORM + '/comments"' not in (await client.get(FOREIGN_FORM)).text
    await sign_in(client, "practice@a81001.test")
    assert "Dorset only" not in (await client.get(FORM)).text
    assert await audit.count("return.comment") == 1


async def test_commenting_needs_the_csrf_token(client) -> None:
    await _two_returns()
    await sign_in(client, "practice@a81001.test")
    response = await client.post(COMMENTS, data={"comment": "Forged"})
    assert response.status_code == 403 and await audit.count("return.comment") == 0

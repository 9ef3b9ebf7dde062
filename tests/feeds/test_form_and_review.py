"""The national feeds beside the practice's own values: on the return form (pre-filled for a new
return, a large difference flagged) and in the CCG's review queue."""

import re

from tests.conftest import csrf_token, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page
from tests.returns.factories import OPEN_URL, complete_values, make_return, setup_catalogue
from tracker.feeds import service

FORM = f"/practices/A81001/returns/{OPEN_URL}"
# The section of the return form that asks about record transfers (GP2GP).
RECORDS = FORM + "/sections/records-and-transfers"
# January to March 2018 (2017/18 Q4, open on the tests' date): 12 of 30 records integrated.
GP2GP_Q4 = (
    b"RequestorODS,Month,RegistrationCount,RequestCount,IntegratedCount,SuppressedCount,SuccessRate\n"
    b"A81001,01,20,10,4,0,0.4\nA81001,02,20,10,4,0,0.4\nA81001,03,20,10,4,0,0.4\n"
)


async def _tree_with_feed():
    await setup_catalogue()
    tree = await make_org_tree()
    summary = await service.import_gp2gp(GP2GP_Q4, year=2018)
    assert summary.counts["created: feed values"] == 1 and summary.facts["periods"] == "2017/18-Q4"
    return tree


async def test_a_new_return_shows_the_feed_and_starts_from_it(client):
    await _tree_with_feed()
    await sign_in(client, "practice@a81001.test")
    page = await client.get(RECORDS)
    check_page(page.text)
    assert "National feed (GP2GP): <strong>40.0%</strong>" in page.text
    assert "IntegratedCount 12 ÷ RequestCount 30" in page.text
    assert re.search(r'<input[^>]*id="GP2GP_UTIL_PCT"[^>]*value="40.0"', page.text)
    assert re.search(r'<input[^>]*id="GP2GP_UTIL_PCT-denominator"[^>]*value="30"', page.text)
    assert "differs a lot" not in page.text


async def test_a_large_difference_is_flagged_on_the_form_and_in_the_review_queue(client):
    tree = await _tree_with_feed()
    practice = tree["practices"][0]
    await make_return(practice, state="draft", values=complete_values(GP2GP_UTIL_PCT=96.0))
    await sign_in(client, "practice@a81001.test")
    page = await client.get(RECORDS)
    assert "differs a lot from the national feed" in page.text
    # A saved return is never overwritten by the feed.
    assert re.search(r'<input[^>]*id="GP2GP_UTIL_PCT"[^>]*value="96"', page.text)

    await make_return(tree["practices"][1], state="submitted", values=complete_values(GP2GP_UTIL_PCT=96.0))
    await service.import_gp2gp(GP2GP_Q4.replace(b"A81001", b"A81002"), year=2018)
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/")})
    await sign_in(client, "lead@00k.test")
    queue = await client.get("/review")
    check_page(queue.text)
    row = queue.text.split('id="return-A81002"', 1)[1].split("</tr>", 1)[0]
    assert "Differs from national feed" in row and "GP2GP_UTIL_PCT" not in row  # named as on the form, not by code
    assert "Record transfers made by GP2GP" in row
    # The return the reviewer opens shows the feed beside the value too.
    opened = await client.get(f"/practices/A81002/returns/{OPEN_URL}")
    check_page(opened.text)
    assert "National feed (GP2GP): 40.0%: <strong>differs a lot</strong>" in opened.text


async def test_values_close_to_the_feed_are_not_flagged(client):
    tree = await _tree_with_feed()
    await make_return(tree["practices"][0], state="submitted", values=complete_values(GP2GP_UTIL_PCT=45.0))
    await sign_in(client, "lead@00k.test")
    queue = await client.get("/review")
    assert "A81001" in queue.text and "Differs from national feed" not in queue.text

"""Chasing from the region's and England's reporting rates: the outstanding returns by region and
by CCG, a drill to a CCG's practices, and reminders through the same chase_service as the CCG's
own grid: previewed, at most once per practice a day whoever sends them, audited; a region's team
only for its own region's practices."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import post_form, sign_in
from tests.weekly.chase_world import chase_world
from tracker.audit import service as audit
from tracker.organisations.service import CcgName, RegionName
from tracker.returns.review_presenters import outstanding_rows
from tracker.returns.review_service import CcgOutstanding
from tracker.tables import OutboxEmail

NAMES: dict[int, RegionName | CcgName] = {
    1: CcgName(1, "00K", "NHS Hartlepool CCG", 9),
    2: CcgName(2, "11J", "", 9),
    9: RegionName(9, "Y63", "North"),
}


def test_outstanding_rows_sum_ccgs_into_regions_and_filter_to_outstanding() -> None:
    counts = [CcgOutstanding(1, 9, 5, 1, 4), CcgOutstanding(2, 9, 3, 3, 0)]
    [north] = outstanding_rows(counts, NAMES, group_by_region=True, outstanding_only=False, href="/r/{code}")
    assert (north["expected"], north["received"], north["outstanding"], north["ccgs"]) == (8, 4, 4, 1)
    assert north["href"] == "/r/Y63" and north["rate"] == "50%"
    ccgs = outstanding_rows(counts, NAMES, group_by_region=False, outstanding_only=False, href="/c/{code}")
    assert [r["name"] for r in ccgs] == ["11J", "NHS Hartlepool CCG"]  # a CCG without a name goes by its code
    only = outstanding_rows(counts, NAMES, group_by_region=False, outstanding_only=True, href="/c/{code}")
    assert [r["code"] for r in only] == ["00K"]


def _rows(page: str) -> dict[str, str]:
    return {m[0]: m[1] for m in re.findall(r'id="org-(\w+)">(.*?)</tr>', page, re.S)}


async def test_a_region_drills_from_its_outstanding_returns_to_a_ccg_and_reminds_its_practices(
    client: Any, clean_db: Any
) -> None:
    tree = await chase_world()
    await sign_in(client, "region@y63.test")
    dashboard = (await client.get("/dashboards/regions/Y63")).text
    assert 'href="/chasing/regions/Y63?show=outstanding"' in dashboard

    england = _rows((await client.get("/chasing")).text)
    assert list(england) == ["Y63"]  # only its own region
    region = (await client.get("/chasing/regions/Y63?show=outstanding")).text
    row = _rows(region)["00K"]
    assert 'href="/chasing/ccgs/00K?show=outstanding"' in row
    assert re.findall(r"numeric\">([^<]+)<", row) == ["5", "1 (20%)", "4"]
    assert (await client.get("/chasing/regions/Y58")).status_code == 403
    assert (await client.get("/chasing/ccgs/11J")).status_code == 403

    grid = (await client.get("/chasing/ccgs/00K?show=outstanding")).text
    assert 'action="/chasing/ccgs/00K/preview"' in grid
    assert "4 of 5 practices have an outstanding 2017/18 Q4 return" in grid
    preview = await post_form(
        client,
        "/chasing/ccgs/00K/preview",
        {"practice": ["A81001", "A81003"], "select": "selected"},
        token_from="/chasing/ccgs/00K",
    )
    assert preview.status_code == 200 and "Check the reminders before you send them" in preview.text
    assert 'action="/chasing/ccgs/00K/send"' in preview.text
    assert await OutboxEmail.count() == 0  # nothing sent by a preview
    foreign = await post_form(
        client, "/chasing/ccgs/00K/send", {"practice": ["A81001", "J81001"]}, token_from="/chasing/ccgs/00K"
    )
    assert foreign.status_code == 403 and await OutboxEmail.count() == 0
    sent = await post_form(
        client, "/chasing/ccgs/00K/send", {"practice": ["A81001", "A81003"]}, token_from="/chasing/ccgs/00K"
    )
    assert sent.status_code == 200 and "2 reminders sent" in sent.text
    assert await OutboxEmail.count() == 2
    [event] = await audit.events_of("ccg", [tree["ccgs"][0]["id"]], ("review.chase",))
    assert event.actor == "region@y63.test" and sorted(event.detail["reminded"]) == ["A81001", "A81003"]

    # The CCG lead chasing every outstanding practice the same day reminds only the two not yet reminded.
    await sign_in(client, "lead@00k.test")
    again = await post_form(client, "/review/chase", {"select": "outstanding"}, token_from="/review/grid")
    assert "A81001 was already reminded today" in again.text and "A81003 was already reminded today" in again.text
    codes = re.findall(r'name="practice" value="(\w+)"', again.text)
    assert codes == ["A81004"]  # A81005 has no one to email


async def test_england_sees_every_region_and_may_chase_any_ccg(client: Any, clean_db: Any) -> None:
    await chase_world()
    await sign_in(client, "national@england.test")
    assert 'href="/chasing?show=outstanding"' in (await client.get("/dashboards/england")).text
    page = (await client.get("/chasing")).text
    assert set(_rows(page)) >= {"Y63"}
    assert (await client.get("/chasing/ccgs/11J")).status_code == 200
    await sign_in(client, "admin@england.test")
    assert (await client.get("/chasing")).status_code == 403

"""Each way the figures used to disagree, reproduced, and now agreeing."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import sign_in
from tests.factories import make_account, make_org_tree, make_practice, make_region
from tests.figures import world
from tests.returns.factories import setup_catalogue
from tracker.accounts.principal import Role
from tracker.figures import service as figures
from tracker.maturity import service as maturity
from tracker.organisations import import_service
from tracker.periods import service as periods
from tracker.tables import AllocationLine, AllocationRun, FundingStream, Practice


async def test_a_practice_is_in_its_ccgs_region_for_every_page(client: Any) -> None:
    """A practice whose own ODS region differs from its CCG's is seen by the CCG's region only."""
    tree = await make_org_tree()
    await setup_catalogue()
    _north, _ = tree["regions"]
    elsewhere = await make_region("Y54", "North of England (2013-2018)")
    ccg_a, _ = tree["ccgs"]
    odd = await make_practice(ccg_a, "A81003", "STOCKTON SURGERY")
    await Practice.update({Practice.region: elsewhere["id"]}).where(Practice.id == odd["id"])
    other_region_user = await make_account(Role.REGION, region=elsewhere)
    await sign_in(client, other_region_user["email"])
    assert (await client.get("/practices/A81003/returns")).status_code == 403
    await client.get("/sign-out")
    client.cookies.clear()
    await sign_in(client, tree["users"][Role.REGION]["email"])
    assert (await client.get("/practices/A81003/returns")).status_code == 200


async def test_closing_a_practice_today_changes_no_earlier_period(clean_db: Any) -> None:
    await world.build()
    before = {}
    for period_code in world.PERIODS:
        period = await periods.by_code(period_code)
        assert period is not None
        before[period_code] = await figures.figures_for("england", None, "ENG", period, world.TODAY)
    # A newer practice file closes E30001 on 31 January 2020.
    newer = world.edition_2019().decode().replace('"E30001","PRACTICE E30001"', '"E30001","PRACTICE E30001"')
    rows = []
    for line in newer.splitlines():
        cells = line.split('","')
        if cells[0] == '"E30001':
            cells[11], cells[12] = "20200131", "C"
        if cells[0] == '"Z99999':
            cells[15] = "20200201"  # dates the edition 1 February 2020
        rows.append('","'.join(cells))
    summary = await import_service.import_ods("\n".join(rows).encode())
    assert summary.counts.get("closed") == 1
    await maturity.refresh_all(world.TODAY)
    for period_code in world.PERIODS:
        period = await periods.by_code(period_code)
        assert period is not None
        after = await figures.figures_for("england", None, "ENG", period, world.TODAY)
        assert after == before[period_code], period_code
    # An older file again reopens nothing.
    await import_service.import_ods(world.edition_2015())
    await maturity.refresh_all(world.TODAY)
    period = await periods.by_code(world.BEFORE_MERGER)
    assert period is not None
    assert await figures.figures_for("england", None, "ENG", period, world.TODAY) == before[world.BEFORE_MERGER]


async def test_the_open_period_is_marked_provisional_on_the_trend(client: Any) -> None:
    await world.build()
    user = await make_account(Role.NATIONAL)
    await sign_in(client, user["email"])
    page = await client.get("/dashboards/ccgs/01A", params={"period": world.OPEN})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert "2017/18 Q4 (provisional)" in text
    assert "2017/18 Q3 (provisional)" not in text


async def test_a_regions_funding_headline_is_what_its_ccgs_received(client: Any) -> None:
    tree = await make_org_tree()
    ccg_a, ccg_b = tree["ccgs"]
    stream = await FundingStream.insert(
        FundingStream(
            code="GPIT_REVENUE",
            name="GP IT revenue",
            kind="revenue",
            method="fair_share",
            financial_years="2015/16",
            pot_pence=140_000_000_00,
            created_at=world.dt.datetime(2015, 4, 1, tzinfo=world.dt.UTC),
        )
    ).returning(FundingStream.id)
    run = await AllocationRun.insert(
        AllocationRun(
            stream=stream[0]["id"],
            financial_year="2015/16",
            pot_pence=140_000_000_00,
            snapshot_date=world.dt.date(2015, 4, 1),
            state="approved",
            created_at=world.dt.datetime(2015, 4, 2, tzinfo=world.dt.UTC),
            approved_at=world.dt.datetime(2015, 4, 3, tzinfo=world.dt.UTC),
        )
    ).returning(AllocationRun.id)
    for ccg, pence in ((ccg_a, 20_952_161_00), (ccg_b, 119_047_839_00)):
        await AllocationLine.insert(
            AllocationLine(run=run[0]["id"], ccg_code=ccg["code"], ccg=ccg["id"], patients=1, amount_pence=pence)
        )
    await sign_in(client, tree["users"][Role.REGION]["email"])
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (await client.get("/funding")).text))
    assert "£20,952,161" in text
    headline = text.split("What the money bought")[0]
    assert "£20,952,161 fair shares in 2015/16 to 1 CCGs" in headline
    assert "£140,000,000" not in headline
    assert "£140,000,000 between 2 CCGs nationally" in text
    assert "The 1 CCGs of this region received £20,952,161" in text

"""The reporting-rates grids (England by region, a region by CCG, over the last 8 periods) give
the figures API's completeness and timeliness for every organisation and period, on the page and
in their CSV, with each organisation of its period; and only the people who may see them get them."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from tests.conftest import sign_in
from tests.factories import make_account
from tests.figures import world
from tests.notifications.conftest import AS_AT
from tracker.accounts.principal import Role
from tracker.returns import api_service
from tracker.returns.service import Actor
from tracker.tables import Ccg, Region

PERIOD = world.LATEST_CLOSED  # 2017/18-Q3: the grid shows 2015/16-Q4 to 2017/18-Q3


@pytest.fixture
async def built(client: Any, clean_db: Any) -> dict[str, Any]:
    data = await world.build()
    actor = Actor(account_id=None, label="test", ip="")
    tokens: dict[str, str] = {}
    for code in world.CCG_NAMES:
        issued = await api_service.issue(f"token {code}", code, actor=actor, now=AS_AT)
        assert issued is not None
        tokens[code] = issued[0]
    return {**data, "tokens": tokens}


async def _api(client: Any, token: str, level: str, code: str, period: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/figures/{level}/{code}", params={"period": period}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _grid_csv(text: str) -> tuple[list[str], dict[str, dict[str, tuple[str, str]]]]:
    """Period labels, and by organisation code: period label -> (received %, on time %)."""
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    labels = [h.removesuffix(" received (%)") for h in head[2::2]]
    out = {}
    for row in rows[1:]:
        out[row[1]] = {label: (row[2 + 2 * i], row[3 + 2 * i]) for i, label in enumerate(labels)}
    return labels, out


def _same(csv_value: str, api_value: float | None, where: str) -> None:
    if api_value is None:
        assert csv_value == "", where
    else:
        assert abs(float(csv_value) - api_value) < 0.006, f"{where}: {csv_value} in the grid, {api_value} in the API"


async def test_england_and_region_grids_give_the_figures_api_numbers(client: Any, built: dict[str, Any]) -> None:
    national = await make_account(Role.NATIONAL, email="national@example.nhs.test")
    await sign_in(client, national["email"])
    any_token = built["tokens"]["01A"]
    compared = 0

    # England, by region.
    page = await client.get("/dashboards/england", params={"period": PERIOD, "format": "csv", "table": "rates"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/csv")
    labels, by_region = _grid_csv(page.text)
    assert len(labels) == 8 and labels[-1] == "2017/18 Q3" and labels[0] == "2015/16 Q4"
    assert set(by_region) == {"Y54", "Y56", "Y57"}  # the regions of the time, not today's
    for code, cells in by_region.items():
        for label, (received, on_time) in cells.items():
            period = label.replace(" ", "-")
            f = await _api(client, any_token, "region", code, period)
            _same(received, f["completeness"], f"region {code} received {period}")
            _same(on_time, f["timeliness"], f"region {code} on time {period}")
            compared += 2

    # A region, by CCG: the merged CCGs under the region they were in, each in its own periods.
    regions = {r["code"]: r for r in await Region.select()}
    for region_code, ccgs in (("Y54", {"01A", "01B"}), ("Y57", {"11A", "11B", "11C"})):
        assert region_code in regions
        page = await client.get(
            f"/dashboards/regions/{region_code}", params={"period": PERIOD, "format": "csv", "table": "rates"}
        )
        labels, by_ccg = _grid_csv(page.text)
        assert set(by_ccg) == ccgs, by_ccg.keys()
        for code, cells in by_ccg.items():
            for label, (received, on_time) in cells.items():
                period = label.replace(" ", "-")
                if received == "":
                    continue  # not a CCG of the region in that period
                f = await _api(client, built["tokens"][code], "ccg", code, period)
                _same(received, f["completeness"], f"CCG {code} received {period}")
                _same(on_time, f["timeliness"], f"CCG {code} on time {period}")
                compared += 2
        if region_code == "Y57":
            # 11A and 11B closed on 31 March 2017; 11C opened the next day.
            assert by_ccg["11A"]["2017/18 Q3"] == ("", "") and by_ccg["11C"]["2016/17 Q4"] == ("", "")
            assert by_ccg["11C"]["2017/18 Q3"] != ("", "")
    assert compared > 60, compared

    # The page shows the same numbers, rounded, and links each row down.
    html = (await client.get("/dashboards/regions/Y54", params={"period": PERIOD})).text
    f = await _api(client, built["tokens"]["01A"], "ccg", "01A", PERIOD)
    grid = html.split('id="reporting-rates"', 1)[1]
    shown = re.sub(r"<[^>]+>", "", grid)
    assert f"{round(f['completeness'])}% received / {round(f['timeliness'])}% on time" in shown
    assert f'href="/dashboards/ccgs/01A?period={PERIOD}"' in grid
    england_html = (await client.get("/dashboards/england", params={"period": PERIOD})).text
    rates = england_html.split('id="reporting-rates"', 1)[1]
    assert f'href="/dashboards/regions/Y54?period={PERIOD}"' in rates


async def test_a_region_user_sees_its_own_grid_only(client: Any, built: dict[str, Any]) -> None:
    regions = {r["code"]: r for r in await Region.select()}
    ccgs = {r["code"]: r for r in await Ccg.select()}
    region_user = await make_account(Role.REGION, region=regions["Y54"])
    await sign_in(client, region_user["email"])
    own = await client.get("/dashboards/regions/Y54", params={"period": PERIOD, "format": "csv", "table": "rates"})
    assert own.status_code == 200
    assert (await client.get("/dashboards/regions/Y57", params={"format": "csv", "table": "rates"})).status_code == 403
    assert (await client.get("/dashboards/england", params={"format": "csv", "table": "rates"})).status_code == 403
    ccg_user = await make_account(Role.CCG, ccg=ccgs["01A"])
    await sign_in(client, ccg_user["email"])
    assert (await client.get("/dashboards/regions/Y54", params={"format": "csv", "table": "rates"})).status_code == 403
    assert (await client.get("/dashboards/england", params={"format": "csv", "table": "rates"})).status_code == 403

"""The dashboards through the app, as each role sees them, with their refusals and CSV downloads."""

import csv
import io

import pytest

from tests.conftest import sign_in
from tests.factories import make_region
from tests.maturity.scenario import scored_world
from tests.pages import check_page, h1
from tracker.accounts.principal import Role


@pytest.fixture
async def world(clean_db):
    return await scored_world()


async def as_role(client, world, role, foreign=False):
    users = world["foreign_users"] if foreign else world["users"]
    await sign_in(client, users[role]["email"])


@pytest.mark.parametrize(
    ("role", "target"),
    [
        (Role.PRACTICE, "/dashboards/practices/A81001"),
        (Role.CCG, "/dashboards/ccgs/00K"),
        (Role.REGION, "/dashboards/regions/Y63"),
        (Role.NATIONAL, "/dashboards/england"),
        (Role.ADMIN, "/dashboards/england"),
    ],
)
async def test_dashboards_sends_each_role_to_its_own(client, world, role, target):
    await as_role(client, world, role)
    response = await client.get("/dashboards", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == target


async def test_england_dashboard_ranks_regions_and_ccgs(client, world):
    await as_role(client, world, Role.NATIONAL)
    page = await client.get("/dashboards/england", params={"period": "2017/18-Q3"})
    check_page(page.text)
    assert h1(page.text) == "England: digital maturity of GP practices"
    assert "approved returns only" in page.text
    assert 'href="/dashboards/ccgs/00K?period=2017/18-Q3"' in page.text  # drill down
    assert 'href="/dashboards/regions/Y63?period=2017/18-Q3"' in page.text
    assert "/exports/national.xlsx?period=2017%2F18-Q3" in page.text
    assert '<svg class="app-chart"' in page.text and "<title id=" in page.text
    assert "style=" not in page.text.split("<main", 1)[1]  # CSP: no style attributes


async def test_default_period_is_the_latest_whose_due_date_has_passed(client, world):
    await as_role(client, world, Role.NATIONAL)
    page = await client.get("/dashboards/england")
    assert "as at 2017/18 Q3" in page.text  # today is 20 April 2018: Q4 is due on 30 April


async def test_ccg_dashboard_lists_practices_worst_first_and_filters(client, world):
    await as_role(client, world, Role.CCG)
    page = await client.get("/dashboards/ccgs/00K", params={"period": "2017/18-Q3"})
    check_page(page.text)
    text = page.text
    assert "Practices furthest behind" in text
    assert text.index("Queens Park Medical Centre") < text.index("The Densham Surgery")  # lagging first
    assert "/exports/ccgs/00K.xlsx?period=2017%2F18-Q3" in text
    off = await client.get("/dashboards/ccgs/00K", params={"period": "2017/18-Q3", "status": "off_track"})
    assert "Showing 1 of 2 practices" in off.text
    by_name = await client.get("/dashboards/ccgs/00K", params={"period": "2017/18-Q3", "sort": "name", "dir": "desc"})
    body = by_name.text.split('caption class="nhsuk-table__caption nhsuk-table__caption--m">Practices<', 1)[1]
    assert body.index("The Densham Surgery") < body.index("Queens Park Medical Centre")


async def test_every_dashboard_table_downloads_as_csv(client, world):
    await as_role(client, world, Role.CCG)
    response = await client.get(
        "/dashboards/ccgs/00K", params={"period": "2017/18-Q3", "format": "csv", "table": "practices"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["Practice", "Status", "Level", "Maturity (0-100)"]
    assert {r[0] for r in rows[1:]} == {"The Densham Surgery (A81001)", "Queens Park Medical Centre (A81002)"}
    for table in ("at-risk", "trend"):
        r = await client.get("/dashboards/ccgs/00K", params={"format": "csv", "table": table})
        assert r.status_code == 200 and r.text.count("\n") >= 2
    missing = await client.get("/dashboards/ccgs/00K", params={"format": "csv", "table": "nope"})
    assert missing.status_code == 404


async def test_practice_dashboard_shows_indicators_forecasts_and_standing(client, world):
    await as_role(client, world, Role.PRACTICE)
    page = await client.get("/dashboards/practices/A81001", params={"period": "2017/18-Q3"})
    check_page(page.text)
    assert h1(page.text) == "The Densham Surgery"
    text = page.text
    for words in ("Items sent by EPS", "Local ambition", "National", "Forecast", "tenth of practices in England"):
        assert words in text, words
    assert "Expected trajectory" in text and "Forecast (least squares)" in text
    csv_response = await client.get("/dashboards/practices/A81001", params={"format": "csv", "table": "indicators"})
    assert csv_response.text.splitlines()[0].startswith("Indicator,Value,Target,Deadline")


async def test_a_period_without_an_approved_return_says_so(client, world):
    await as_role(client, world, Role.PRACTICE)
    page = await client.get("/dashboards/practices/A81001", params={"period": "2017/18-Q4"})
    assert "There is no approved return for 2017/18 Q4" in page.text


async def test_region_and_indicator_pages(client, world):
    await as_role(client, world, Role.REGION)
    region = await client.get("/dashboards/regions/Y63")
    check_page(region.text)
    assert "NHS Hartlepool and Stockton-on-Tees CCG" in region.text and "Dorset" not in region.text
    indicator = await client.get("/dashboards/indicators/EPS_UTIL_PCT", params={"period": "2017/18-Q3"})
    check_page(indicator.text)
    assert h1(indicator.text) == "Items sent by EPS"
    assert "90th percentile" in indicator.text and "CCGs that moved most" in indicator.text
    # A region user sees links to its own CCGs only.
    assert 'href="/dashboards/ccgs/00K' in indicator.text and 'href="/dashboards/ccgs/11J' not in indicator.text


async def test_a_region_with_no_ccg_in_the_period_says_so_and_points_to_england(client, world):
    """Regions were redrawn in 2018: a region of today has nothing to show for 2015/16, and says why
    rather than drawing empty tables and charts."""
    await make_region("Y99", "Region of tomorrow")
    await as_role(client, world, Role.NATIONAL)
    page = await client.get("/dashboards/regions/Y99", params={"period": "2017/18-Q3"})
    check_page(page.text)
    assert "No CCG belonged to this region in 2017/18 Q3" in page.text
    assert 'href="/dashboards/england?period=2017' in page.text
    assert "furthest behind" not in page.text


async def test_a_region_starts_with_its_ccgs_furthest_behind_and_keeps_a_sorted_list_open(client, world):
    await as_role(client, world, Role.REGION)
    first = await client.get("/dashboards/regions/Y63", params={"period": "2017/18-Q3"})
    assert "CCGs furthest behind (lowest maturity first)" in first.text
    assert '<details class="nhsuk-details" open' not in first.text  # the full list waits to be asked for
    sorted_ = await client.get("/dashboards/regions/Y63", params={"period": "2017/18-Q3", "sort": "name", "dir": "asc"})
    assert '<details class="nhsuk-details" open' in sorted_.text  # the list the person sorted stays open


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.PRACTICE, "/dashboards/practices/J81001"),
        (Role.PRACTICE, "/dashboards/ccgs/00K"),
        (Role.PRACTICE, "/dashboards/england"),
        (Role.CCG, "/dashboards/ccgs/11J"),
        (Role.CCG, "/dashboards/practices/J81001"),
        (Role.CCG, "/dashboards/regions/Y63"),
        (Role.REGION, "/dashboards/regions/Y58"),
        (Role.REGION, "/dashboards/ccgs/11J"),
        (Role.REGION, "/dashboards/england"),
    ],
)
async def test_refusals(client, world, role, path):
    await as_role(client, world, role)
    response = await client.get(path)
    assert response.status_code == 403
    check_page(response.text)


async def test_unknown_organisation_or_period_is_not_found(client, world):
    await as_role(client, world, Role.NATIONAL)
    assert (await client.get("/dashboards/ccgs/99Z")).status_code == 404
    assert (await client.get("/dashboards/england", params={"period": "2030/31-Q1"})).status_code == 404
    assert (await client.get("/dashboards/indicators/NOPE")).status_code == 404


async def test_before_any_score_the_dashboards_say_so(client, clean_db):
    from tests.factories import make_org_tree

    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.NATIONAL]["email"])
    page = await client.get("/dashboards/england")
    assert page.status_code == 200 and h1(page.text) == "No scores yet"

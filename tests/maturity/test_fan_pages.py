"""The fan charts and the similar practices on the dashboards, through the app: the figures they
show are the ones the rest of the tracker shows (the indicator page and its CSV, the figures
service), one number with one definition."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import statistics
from typing import Any

import pytest

from tests.conftest import sign_in
from tests.maturity.scenario import crowded_world
from tests.pages import check_page
from tracker.accounts.principal import Role
from tracker.figures import service as figures
from tracker.indicators import service as indicators
from tracker.maturity import calculations as calc
from tracker.maturity import service as maturity

TODAY = dt.date(2018, 4, 20)
EPS = "Items sent by EPS"


@pytest.fixture
async def world(clean_db: Any) -> dict[str, Any]:
    return await crowded_world(12)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def fan_table(html: str, name: str) -> dict[str, list[str]]:
    """The table under the fan chart captioned `name`: period -> its cells."""
    at = html.index(f">{name}</a></figcaption>")
    body = html[at:].split('<tbody class="nhsuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


async def _csv(client: Any, path: str, **params: str) -> list[dict[str, str]]:
    response = await client.get(path, params={**params, "format": "csv"})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_practice_fan_shows_its_values_and_the_national_median_of_the_indicator_page(client, world):
    await sign_in(client, world["users"][Role.PRACTICE]["email"])
    page = await client.get("/dashboards/practices/A81001", params={"period": "2017/18-Q3"})
    check_page(page.text)
    assert "Each indicator against all practices in England" in page.text
    rows = fan_table(page.text, EPS)
    ids = await indicators.indicator_ids()
    stats = {s.period_code: s for s in await maturity.indicator_stats(ids["EPS_UTIL_PCT"])}
    detail = await maturity.practice_detail(world["practices"][0]["id"])
    codes = {p.id: p.code for p in detail.scoring}
    distribution = {
        r["Period"]: r
        for r in await _csv(client, "/dashboards/indicators/EPS_UTIL_PCT", period="2017/18-Q3", table="distribution")
    }
    assert list(rows) == [c.replace("-", " ") for c in ("2016/17-Q1", "2016/17-Q2", "2016/17-Q3", "2016/17-Q4",
                                                        "2017/18-Q1", "2017/18-Q2", "2017/18-Q3")]  # fmt: skip
    for period_id, values in detail.values.items():
        code = codes[period_id]
        label = code.replace("-", " ")
        if label not in rows:
            continue  # after the period shown
        mine, p10, median, p90 = rows[label]
        assert mine == f"{values['EPS_UTIL_PCT']:.1f}%"
        cuts = stats[code].deciles
        assert cuts is not None
        assert (p10, median, p90) == (f"{cuts[0]:.1f}%", f"{cuts[4]:.1f}%", f"{cuts[8]:.1f}%")
        # The indicator page's table gives the same median, from the same statistics.
        assert float(distribution[label]["Median"]) == cuts[4]
    # The summary says where it stands in words, never in tenths.
    assert "in the top" in page.text or "in the bottom" in page.text or "level with" in page.text
    assert "tenth" not in _text(page.text.split("<main", 1)[1])


async def test_similar_practices_use_the_maturity_the_figures_service_gives(client, world):
    await sign_in(client, world["users"][Role.CCG]["email"])
    period = await figures.period_by_code("2017/18-Q3")
    page = await client.get("/dashboards/practices/A81001", params={"period": "2017/18-Q3"})
    check_page(page.text)
    members = await maturity.period_members(period["id"])
    me = next(m for m in members if m.practice_id == world["practices"][0]["id"])
    mine = await figures.figures_for("practice", me.practice_id, "A81001", period, TODAY)
    assert mine.maturity is not None
    assert f"This practice's maturity ({mine.maturity:.1f})" in _text(page.text)
    in_ccg = [
        (await figures.figures_for("practice", m.practice_id, "", period, TODAY)).maturity
        for m in members
        if m.ccg_id == me.ccg_id
    ]
    scored = sorted((v for v in in_ccg if v is not None), reverse=True)
    rows = await _csv(client, "/dashboards/practices/A81001", period="2017/18-Q3", table="similar")
    ccg_row = rows[0]
    assert ccg_row["Compared with"] == "Practices in NHS Hartlepool and Stockton-on-Tees CCG"
    assert float(ccg_row["Their median maturity"]) == pytest.approx(statistics.median(scored), abs=0.005)
    assert int(ccg_row["This practice's rank (1 is the most mature)"]) == 1 + sum(v > mine.maturity for v in scored)
    assert rows[1]["Compared with"] == "Practices in England with 5,000 to 9,999 patients"
    # A CCG lead sees the practices nearest in maturity, linked to their dashboards, and its CCG.
    assert "Nearest in maturity" in page.text
    assert re.search(r'href="/dashboards/practices/C\d{5}\?period=2017/18-Q3"', page.text)
    assert 'href="/dashboards/ccgs/00K?period=2017/18-Q3">Practices in NHS Hartlepool' in page.text


async def test_a_practice_user_sees_the_groups_but_no_other_practice(client, world):
    await sign_in(client, world["users"][Role.PRACTICE]["email"])
    page = await client.get("/dashboards/practices/A81001", params={"period": "2017/18-Q3"})
    assert "Similar practices" in page.text and "Nearest in maturity" not in page.text
    assert 'href="/dashboards/ccgs/' not in page.text.split('id="similar"', 1)[1].split("</table>", 1)[0]


async def test_an_open_period_is_drawn_and_labelled_provisional(client, world):
    await sign_in(client, world["users"][Role.PRACTICE]["email"])
    page = await client.get("/dashboards/practices/A81001", params={"period": "2017/18-Q4"})
    rows = fan_table(page.text, EPS)
    assert "2017/18 Q4 (provisional)" in rows
    assert "Provisional: the period is still open" in page.text
    fan = page.text[page.text.index(f">{EPS}</a></figcaption>") :].split("</svg>", 1)[0]
    assert fan.count('fill="#ffffff"') == 1 and "<title>2017/18 Q4 (provisional)</title>" in fan


async def test_ccg_fan_shows_its_mean_and_the_median_ccg_as_the_indicator_page(client, world):
    await sign_in(client, world["users"][Role.CCG]["email"])
    page = await client.get("/dashboards/ccgs/00K", params={"period": "2017/18-Q3"})
    check_page(page.text)
    assert "Each indicator against all CCGs in England" in page.text
    rows = fan_table(page.text, EPS)
    ids = await indicators.indicator_ids()
    period = await figures.period_by_code("2017/18-Q3")
    means = await maturity.ccg_indicator_means(ids["EPS_UTIL_PCT"], [period["id"]])
    ours = next(m for m in means if m.ccg_code == "00K")
    assert ours.mean is not None
    cuts = calc.deciles(m.mean for m in means)
    assert cuts is not None
    mine, _, median, _ = rows["2017/18 Q3"]
    assert (mine, median) == (f"{ours.mean:.1f}%", f"{cuts[4]:.1f}%")
    # The indicator page's CCG table shows the same mean.
    moved = await _csv(client, "/dashboards/indicators/EPS_UTIL_PCT", period="2017/18-Q3", table="moved")
    row = next(r for r in moved if r["CCG"].endswith("(00K)"))
    assert float(row["2017/18 Q3"]) == pytest.approx(ours.mean)
    # A yes/no indicator is drawn too, as the percentage of practices saying yes.
    assert fan_table(page.text, "NHS Wi-Fi for patients and staff")


async def test_the_stored_cuts_of_ccg_means_are_those_of_every_ccgs_mean(world):
    # The CCG fans read cuts stored with England's statistics; they are the cuts of the means
    # the indicator page lists, period by period.
    ids = await indicators.indicator_ids()
    checked = 0
    for code in ("EPS_UTIL_PCT", "WIFI_LIVE"):
        stats = await maturity.indicator_stats(ids[code])
        means = await maturity.ccg_indicator_means(ids[code], [s.period_id for s in stats])
        for stat in stats:
            cuts = calc.deciles(m.mean for m in means if m.period_id == stat.period_id and m.mean is not None)
            assert stat.ccg_deciles == (pytest.approx(cuts) if cuts else None), (code, stat.period_code)
            checked += bool(cuts)
    assert checked >= 4


async def test_indicator_page_draws_a_ccg_it_may_see(client, world):
    await sign_in(client, world["users"][Role.CCG]["email"])
    own = await client.get("/dashboards/indicators/EPS_UTIL_PCT", params={"period": "2017/18-Q3"})
    check_page(own.text)
    assert "NHS Hartlepool and Stockton-on-Tees CCG against all CCGs" in own.text
    other = await client.get("/dashboards/indicators/EPS_UTIL_PCT", params={"period": "2017/18-Q3", "ccg": "11J"})
    assert "against all CCGs" not in other.text  # not its CCG: nothing shown
    await sign_in(client, world["users"][Role.NATIONAL]["email"])
    national = await client.get("/dashboards/indicators/EPS_UTIL_PCT", params={"period": "2017/18-Q3", "ccg": "11J"})
    check_page(national.text)
    assert "against all CCGs" in national.text and 'name="ccg" value="11J"' in national.text


async def test_the_indicator_page_leaves_the_ccg_dashboards_fan_as_it_was(client, world):
    # Both pages draw the same CCG fan, kept once: the indicator page shows it without its link
    # (it is that link's page), and the dashboard's fan must still link there.
    await sign_in(client, world["users"][Role.CCG]["email"])
    link = 'href="/dashboards/indicators/EPS_UTIL_PCT?period=2017/18-Q3&amp;ccg=00K"'
    before = await client.get("/dashboards/ccgs/00K", params={"period": "2017/18-Q3"})
    assert link in before.text
    indicator = await client.get("/dashboards/indicators/EPS_UTIL_PCT", params={"period": "2017/18-Q3"})
    assert "against all CCGs" in indicator.text and link not in indicator.text
    after = await client.get("/dashboards/ccgs/00K", params={"period": "2017/18-Q3"})
    assert link in after.text


async def test_indicator_pages_national_fan_marks_the_open_quarter(client, world):
    await sign_in(client, world["users"][Role.NATIONAL]["email"])
    page = await client.get("/dashboards/indicators/EPS_UTIL_PCT", params={"period": "2017/18-Q4"})
    check_page(page.text)
    assert "Periods marked * are provisional" in page.text
    assert ">2017/18 Q4 (provisional)</th>" in page.text

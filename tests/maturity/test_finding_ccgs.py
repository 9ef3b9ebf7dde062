"""Finding a CCG among 191: the furthest behind first, search by name or code, pages of 25 and
sorting, as pure functions and through the England pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import sign_in
from tests.maturity.scenario import FIRST_CODES, scored_world
from tests.pages import check_page, h1
from tracker.accounts.principal import Role
from tracker.maturity import calculations as calc
from tracker.maturity import presenters as pr
from tracker.organisations.service import CcgName
from tracker.tables import Ccg, OrgScore, Period, Region


def _row(i: int, maturity: float | None, name: str = "") -> pr.OrgRow:
    agg = calc.Aggregate(10, 8, maturity, 4, 2, 2, 9, 7, 1000, None)
    code = f"{i:02d}X"
    return pr.OrgRow(i, code, name or f"NHS Place {i:02d} CCG", f"/dashboards/ccgs/{code}?period=P", "North", agg)


def test_the_ccgs_furthest_behind_are_the_ten_lowest_worst_first_with_their_region() -> None:
    rows = [_row(i, float(50 + (i * 7) % 40)) for i in range(30)] + [_row(99, None)]
    table = pr.furthest_behind(rows, "2017/18-Q3", "/dashboards/england")
    values = [r[2] for r in table.csv_rows]
    assert len(values) == 10 and values == sorted(values)
    assert values[0] == min(r.agg.maturity for r in rows if r.agg.maturity is not None)
    assert all(r[1] == "North" for r in table.csv_rows)
    assert "NHS Place 99 CCG" not in str(table.csv_rows)  # not scored: listed with all CCGs only


@given(
    st.lists(
        st.tuples(st.none() | st.sampled_from([10.0, 25.5, 40.0]) | st.floats(0, 100), st.sampled_from(["", "B", "A"])),
        max_size=30,
    ),
    st.sets(st.integers(0, 29)),
)
def test_the_ids_furthest_behind_give_the_same_list_as_every_row(
    orgs: list[tuple[float | None, str]], unnamed: set[int]
) -> None:
    """The England page builds rows only for `furthest_behind_ids`: the table is the same as from
    every CCG's row (ties on the score go by name; CCGs without a name in the period are left out)."""
    # A CCG without a name in the period is shown by its code, as the England page names rows.
    rows = {i: _row(i, maturity, name or f"{i:02d}X") for i, (maturity, name) in enumerate(orgs)}
    names = {
        i: CcgName(i, r.code, name, None)
        for i, ((_, name), r) in enumerate(zip(orgs, rows.values(), strict=True))
        if i not in unnamed
    }
    every = [r for i, r in rows.items() if i in names]
    some = [rows[i] for i in pr.furthest_behind_ids({i: r.agg.maturity for i, r in rows.items()}, names)]
    whole, quick = pr.furthest_behind(every, "P", "/x"), pr.furthest_behind(some, "P", "/x")
    assert (quick.caption, quick.rows, quick.csv_rows) == (whole.caption, whole.rows, whole.csv_rows)


def test_search_by_words_of_the_name_or_the_start_of_the_code() -> None:
    rows = [_row(1, 50, "NHS Hartlepool and Stockton-on-Tees CCG"), _row(2, 60, "NHS Dorset CCG")]
    assert [r.id for r in pr.find_orgs(rows, "  hartlepool  AND ")] == [1]
    assert [r.id for r in pr.find_orgs(rows, "02x")] == [2]
    assert pr.find_orgs(rows, "") == rows
    assert pr.find_orgs(rows, "Leeds") == []


def test_pages_of_twenty_five() -> None:
    assert pr.pages_of(0) == 1 and pr.pages_of(25) == 1 and pr.pages_of(26) == 2 and pr.pages_of(191) == 8
    assert pr.page_number("3", 8) == 3 and pr.page_number("99", 8) == 8
    assert pr.page_number("0", 8) == 1 and pr.page_number("x", 8) == 1
    table = pr.ranked_orgs([_row(i, float(i)) for i in range(60)], "CCG", "maturity", "asc", "/e", "P", "ccgs")
    second = pr.one_page(table, 2)
    assert len(second.rows) == 25 and len(second.csv_rows) == 60  # the CSV keeps every CCG
    assert second.csv_rows[25][1] == "NHS Place 25 CCG (25X)"
    links = pr.pagination("/e", 2, 3, {"q": "north", "sort": "name", "period": ""})
    assert links["previousUrl"] == "/e?q=north&sort=name&page=1" and links["nextPage"] == "Page 3 of 3"
    assert pr.pagination("/e", 1, 1, {}) == {}


def test_rates_grid_cells_and_csv() -> None:
    from tracker.figures.service import Figures

    def fig(received: int, on_time: int) -> Figures:
        return Figures(
            "ccg", "01X", "P", False, 4, received, on_time, 25.0 * received, 25.0 * on_time,
            None, 0, 0, 0, 0, 0, None,
        )  # fmt: skip

    orgs = [pr.RateOrg(1, "01X", "NHS B CCG", "/b"), pr.RateOrg(2, "02X", "NHS A CCG", "/a")]
    figures = {"2017/18-Q2": {1: fig(4, 3)}, "2017/18-Q3": {1: fig(2, 1), 2: fig(3, 3)}}
    table = pr.rates_grid("CCG", orgs, figures, frozenset({"2017/18-Q3"}), "/csv")
    assert [c.label for c in table.columns] == ["CCG", "2017/18 Q2", "2017/18 Q3 *"]
    assert table.csv_rows == [
        ["NHS A CCG", "02X", None, None, 75.0, 75.0],
        ["NHS B CCG", "01X", 100.0, 75.0, 50.0, 25.0],
    ]
    cell = table.rows[1][1]["html"]
    assert re.sub(r"<[^>]+>", "", cell) == "100% received / 75% on time"
    assert re.sub(r"<span class=\"nhsuk-u-visually-hidden\">[^<]*</span>", "", cell) == "100 / 75"
    assert "not in this period" in table.rows[0][1]["html"]
    head = next(csv.reader(io.StringIO(table.csv())))
    assert head[:4] == ["CCG", "CCG code", "2017/18 Q2 received (%)", "2017/18 Q2 on time (%)"]


REGIONS = (
    ("Y59", "South East"),
    ("Y60", "Midlands"),
    ("Y61", "East of England"),
    ("Y62", "North West"),
    ("Y56", "London"),
)


async def add_regions(scored: list[dict[str, Any]]) -> None:
    """England's other five regions, each with its figures for the scored periods."""
    for n, (code, name) in enumerate(REGIONS):
        [region] = await Region.insert(Region(code=code, name=name)).returning(Region.id)
        for i, period in enumerate(scored):
            await OrgScore.insert(
                OrgScore(
                    scope="region", org_id=region["id"], period=period["id"], practices=900, scored=700,
                    maturity=40.0 + n + i, on_track=300, at_risk=200, off_track=200, submitted=850 - 10 * n,
                    on_time=700 - 20 * n, patients=6_000_000, computed_at=dt.datetime(2018, 4, 1, tzinfo=dt.UTC),
                )
            )  # fmt: skip


async def add_ccgs(world: dict[str, Any], count: int) -> None:
    """`count` more CCGs in the first region, each with a score for 2017/18 Q3, some with long names;
    and England's other regions, so that the pages have a national number of regions."""
    [period] = await Period.select(Period.id).where(Period.code == "2017/18-Q3")
    await add_regions(await Period.select(Period.id).where(Period.code.is_in(list(FIRST_CODES))))
    region = world["regions"][0]["id"]
    for i in range(count):
        name = f"NHS Place {i:03d} CCG" if i % 5 else f"NHS Great Yarmouth, Waveney and the Broads Place {i:03d} CCG"
        [ccg] = await Ccg.insert(Ccg(code=f"9{i:02d}", name=name, region=region)).returning(Ccg.id)
        await OrgScore.insert(
            OrgScore(
                scope="ccg", org_id=ccg["id"], period=period["id"], practices=10, scored=8,
                maturity=30.0 + (i * 37) % 60, on_track=3, at_risk=3, off_track=2, submitted=9, on_time=7,
                patients=50_000, computed_at=dt.datetime(2018, 4, 1, tzinfo=dt.UTC),
            )
        )  # fmt: skip


@pytest.fixture
async def many(client: Any, clean_db: Any) -> dict[str, Any]:
    world = await scored_world()
    await add_ccgs(world, 60)
    await sign_in(client, world["users"][Role.NATIONAL]["email"])
    return world


async def test_england_first_shows_the_ccgs_furthest_behind_and_a_search(client: Any, many: dict[str, Any]) -> None:
    page = await client.get("/dashboards/england", params={"period": "2017/18-Q3"})
    check_page(page.text)
    text = page.text
    behind = text.split("CCGs furthest behind", 1)[1].split("</table>", 1)[0]
    assert behind.count("<tr") == 11  # a heading row and ten CCGs
    main = text.split("<main", 1)[1]
    assert main.index("Find a CCG by name or code") < main.index("CCGs furthest behind") < main.index("Regions")
    assert 'action="/dashboards/england/ccgs"' in text and 'name="q"' in text
    assert "See all 62 CCGs" in text
    assert text.count("<tr") < 60  # no longer every CCG on one page


async def test_all_ccgs_page_by_page_sorted_and_searched(client: Any, many: dict[str, Any]) -> None:
    base = "/dashboards/england/ccgs"
    first = await client.get(base, params={"period": "2017/18-Q3"})
    check_page(first.text)
    assert h1(first.text) == "CCGs in England"
    assert first.text.split("<tbody", 1)[1].count("<tr") == 25
    assert "showing 1 to 25, page 1 of 3" in first.text and "Page 2 of 3" in first.text
    last = await client.get(base, params={"period": "2017/18-Q3", "page": "3"})
    assert last.text.split("<tbody", 1)[1].count("<tr") == 12
    by_name = await client.get(base, params={"period": "2017/18-Q3", "sort": "name", "dir": "asc"})
    names = [r[1] for r in csv.reader(io.StringIO((await client.get(
        base, params={"period": "2017/18-Q3", "sort": "name", "dir": "asc", "format": "csv", "table": "ccgs"}
    )).text))][1:]  # fmt: skip
    assert len(names) == 62 and names == sorted(names)
    assert by_name.text.index(names[0].rsplit(" (", 1)[0]) < by_name.text.index(names[24].rsplit(" (", 1)[0])
    found = await client.get(base, params={"period": "2017/18-Q3", "q": "hartlepool"})
    assert "1 of 62 CCGs match" in found.text and 'href="/dashboards/ccgs/00K?period=2017/18-Q3"' in found.text
    by_code = await client.get(base, params={"period": "2017/18-Q3", "q": "901"})
    assert "1 of 62 CCGs match" in by_code.text
    none = await client.get(base, params={"period": "2017/18-Q3", "q": "Atlantis"})
    check_page(none.text)
    assert "matches “Atlantis”" in none.text or "match “Atlantis”" in none.text


async def test_only_national_users_and_administrators_list_every_ccg(client: Any, many: dict[str, Any]) -> None:
    for role in (Role.PRACTICE, Role.CCG, Role.REGION):
        await sign_in(client, many["users"][role]["email"])
        assert (await client.get("/dashboards/england/ccgs")).status_code == 403


def test_long_names_wrap_whole_in_bar_charts() -> None:
    from tracker.maturity import charts

    name = "NHS Hartlepool and Stockton-on-Tees CCG"
    lines = charts.wrap_label(name)
    assert " ".join(lines) == name and all(len(line) <= charts.LABEL_CHARACTERS for line in lines)
    assert charts.wrap_label("A" * 70, 30) == ["A" * 30, "A" * 30, "A" * 10]
    assert charts.wrap_label("") == [""]
    svg = str(pr.maturity_bars("CCGs", [_row(1, 40.0, name), _row(2, 50.0)], _row(0, 60.0).agg)["svg"])
    assert "Stockton-on-Tees CCG</tspan>" in svg and f"<title>{name}: 40.0</title>" in svg
    assert "Stockto<" not in svg


def test_rates_grid_titles_say_ccg_in_capitals() -> None:
    assert pr.rates_grid("CCG", [], {"P": {}}, frozenset(), "/csv").caption.startswith("Reporting rates by CCG:")
    assert pr.rates_grid("Region", [], {"P": {}}, frozenset(), "/csv").caption.startswith("Reporting rates by region:")

"""The download routes: who may download what, and what they get."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from tests.conftest import sign_in
from tests.exports.seed import EVIL_NAME, seed_world
from tracker.accounts.principal import Role

ERS = (
    "First outpatient referrals through e-Referral Service"  # ERS_UTIL_PCT: columns are headed by the indicator's name
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def as_role(client: Any, world: dict[str, Any], role: Role, foreign: bool = False) -> None:
    users = world["foreign_users"] if foreign else world["users"]
    await sign_in(client, users[role]["email"])


async def test_national_user_downloads_the_national_workbook(client: Any) -> None:
    world = await seed_world()
    await as_role(client, world, Role.NATIONAL)
    response = await client.get("/exports/national.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert (
        response.headers["content-disposition"] == 'attachment; filename="paperless-tracker-national-2017-18-Q3.xlsx"'
    )
    wb = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert "Practices" in wb.sheetnames
    response = await client.get("/exports/national.xlsx", params={"period": "2017/18-Q2"})
    assert 'filename="paperless-tracker-national-2017-18-Q2.xlsx"' in response.headers["content-disposition"]


async def test_csv_for_every_table(client: Any) -> None:
    world = await seed_world()
    await as_role(client, world, Role.CCG)
    for table in ("about", "summary", "regions", "ccgs", "practices", "trend", "indicators", "funding"):
        response = await client.get(f"/exports/ccgs/00K/{table}.csv", params={"period": "2017/18-Q3"})
        assert response.status_code == 200, table
        assert response.headers["content-type"].startswith("text/csv")
        assert f'paperless-tracker-ccg-00K-2017-18-Q3-{table}.csv"' in response.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) >= 2, table
    response = await client.get("/exports/ccgs/00K/practices.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    a81001 = next(r for r in rows if r["ODS code"] == "A81001")
    assert a81001[f"{ERS} (%)"] == "40"
    assert a81001["On time"] == "Yes"
    assert a81001["Funding received (£)"] == "2500.00"
    assert a81001["Comments"].startswith("ERS_UTIL_PCT: =1+1")  # not neutralised: it does not start with =


async def test_csv_neutralises_formula_like_text(client: Any) -> None:
    world = await seed_world()
    await as_role(client, world, Role.NATIONAL)
    response = await client.get("/exports/national/practices.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    evil = next(r for r in rows if r["ODS code"] == "J81003")
    assert evil["Practice"] == "'" + EVIL_NAME


async def test_region_user_gets_own_region_and_its_ccgs_only(client: Any) -> None:
    world = await seed_world()
    await as_role(client, world, Role.REGION)
    assert (await client.get("/exports/regions/Y63.xlsx")).status_code == 200
    assert (await client.get("/exports/ccgs/00K.xlsx")).status_code == 200
    assert (await client.get("/exports/regions/Y58.xlsx")).status_code == 403
    assert (await client.get("/exports/ccgs/11J.xlsx")).status_code == 403
    assert (await client.get("/exports/regions/Y58/practices.csv")).status_code == 403
    assert (await client.get("/exports/national.xlsx")).status_code == 403


async def test_ccg_user_refused_a_foreign_ccg_and_national(client: Any) -> None:
    world = await seed_world()
    await as_role(client, world, Role.CCG)
    assert (await client.get("/exports/ccgs/00K.xlsx")).status_code == 200
    assert (await client.get("/exports/ccgs/11J.xlsx")).status_code == 403
    assert (await client.get("/exports/ccgs/11J/practices.csv")).status_code == 403
    assert (await client.get("/exports/regions/Y63.xlsx")).status_code == 403
    assert (await client.get("/exports/national/ccgs.csv")).status_code == 403


async def test_practice_user_gets_nothing(client: Any) -> None:
    world = await seed_world()
    await as_role(client, world, Role.PRACTICE)
    for path in (
        "/exports/national.xlsx",
        "/exports/regions/Y63.xlsx",
        "/exports/ccgs/00K.xlsx",
        "/exports/ccgs/00K/practices.csv",
        "/exports/national/practices.csv",
    ):
        assert (await client.get(path)).status_code == 403, path


async def test_signed_out_is_sent_to_sign_in(client: Any) -> None:
    await seed_world()
    response = await client.get("/exports/national.xlsx", follow_redirects=False)
    assert response.status_code in (302, 303, 401)


async def test_bad_names_and_periods(client: Any) -> None:
    world = await seed_world()
    await as_role(client, world, Role.NATIONAL)
    assert (await client.get("/exports/ccgs/00K.pdf")).status_code == 404
    assert (await client.get("/exports/ccgs/ZZZ.xlsx")).status_code == 404
    assert (await client.get("/exports/national/secrets.csv")).status_code == 404
    assert (await client.get("/exports/national.xlsx", params={"period": "2030/31-Q1"})).status_code == 404
    assert (await client.get("/exports/national.xlsx", params={"period": "soon"})).status_code == 400


async def test_a_kept_file_is_only_served_to_someone_who_may_see_its_scope(client: Any) -> None:
    """Files are kept by scope, but access is checked first: a region's workbook built for a
    national user is no reason to give it to another region's lead."""
    world = await seed_world()
    await as_role(client, world, Role.NATIONAL)
    national_copy = await client.get("/exports/regions/Y58.xlsx")
    assert national_copy.status_code == 200
    assert (await client.get("/exports/ccgs/11J/practices.csv")).status_code == 200
    client.cookies.clear()
    await as_role(client, world, Role.REGION)
    assert (await client.get("/exports/regions/Y58.xlsx")).status_code == 403
    assert (await client.get("/exports/ccgs/11J/practices.csv")).status_code == 403
    own = await client.get("/exports/regions/Y63.xlsx")
    assert own.status_code == 200 and own.content != national_copy.content

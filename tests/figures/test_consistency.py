"""One truth for every figure: the API, the dashboards, their CSVs, the workbooks, the review grid
and the status emails give the same numbers for England, every region, every CCG and every
practice of a small England with a history (a practice that moved CCG, one that closed, two CCGs
that merged, regions that changed), for a period before the merger, one between, the latest
closed one and the open one."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from typing import Any

import openpyxl
import pytest

from tests.conftest import sign_in
from tests.factories import make_account
from tests.figures import world
from tests.notifications.conftest import AS_AT, SmtpServer
from tracker.accounts.principal import Role
from tracker.exports import service as exports
from tracker.notifications import service as notifications
from tracker.notifications.delivery_service import deliver
from tracker.returns import api_service, review_service
from tracker.returns.service import Actor
from tracker.tables import Ccg, Region

FIGURES = ("expected", "received", "on_time", "maturity", "on_track", "scored", "completeness", "funding")


def _close(a: Any, b: Any, what: str) -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and abs(float(a) - float(b)) < 0.051, what
    else:
        assert a == b, what


def _compare(reference: dict[str, Any], other: dict[str, Any], where: str) -> int:
    compared = 0
    for key, value in other.items():
        _close(reference[key], value, f"{where}: {key} is {value!r} there, {reference[key]!r} in the API")
        compared += 1
    return compared


async def _api(client: Any, token: str, level: str, code: str, period: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/figures/{level}/{code}", params={"period": period}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    f = response.json()
    graded = f["on_track"] + f["at_risk"] + f["off_track"]
    return {
        "expected": f["expected"],
        "received": f["received"],
        "on_time": f["on_time"],
        "maturity": None if f["maturity"] is None else round(f["maturity"], 1),
        "on_track": f["on_track"],
        "off_track": f["off_track"],
        "scored": f["scored"],
        "completeness": None if f["completeness"] is None else round(f["completeness"], 1),
        "on_track_share": None if not graded else round(100 * f["on_track"] / graded, 1),
        "funding": f["funding_total_pence"],
        "provisional": f["provisional"],
    }


def _headline(html: str) -> dict[str, Any]:
    """The dashboard's summary list: maturity, on track, received of expected, on time."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    maturity = re.search(r"Maturity index \(0-100\) ([\d.]+|–)", text)
    on_track = re.search(r"Practices on track [^:]*: (\d+) on track", text)
    received = re.search(r"Returns received \(completeness\) [^:]*: (\d+) of (\d+) expected", text)
    on_time = re.search(r"Returns on time \(timeliness\) [^:]*: (\d+) by the due date", text)
    assert maturity and on_track and received and on_time, text[:2000]
    return {
        "maturity": None if maturity.group(1) == "–" else float(maturity.group(1)),
        "on_track": int(on_track.group(1)),
        "received": int(received.group(1)),
        "expected": int(received.group(2)),
        "on_time": int(on_time.group(1)),
    }


def _pct(value: Any) -> float | None:
    return None if value in (None, "not available yet") else round(100 * float(value), 1)


def _sheet_rows(ws: Any) -> list[dict[str, Any]]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]]


def _area(row: dict[str, Any], percent_scale: float = 100) -> dict[str, Any]:
    """An area row of the workbook's Regions or CCGs sheet (fractions), or its CSV (percentages)."""
    maturity = row["Mean maturity"]
    share = row["On track (%)"]
    return {
        "expected": int(row["Practices"]),
        "received": int(row["Returns received"]),
        "on_time": int(row["Returns on time"]),
        "scored": int(row["Practices scored"]),
        "maturity": None if maturity in (None, "", "not available yet") else round(float(maturity), 1),
        "on_track_share": None if share in (None, "") else round(percent_scale * float(share), 1),
        "funding": round(100 * float(row["Total allocated (£)"])),
    }


@pytest.fixture
async def england(client: Any) -> dict[str, Any]:
    built = await world.build()
    actor = Actor(account_id=None, label="test", ip="")
    tokens: dict[str, str] = {}
    for code in ("A10001", *world.CCG_NAMES):
        issued = await api_service.issue(f"token {code}", code, actor=actor, now=AS_AT)
        assert issued is not None
        tokens[code] = issued[0]
    national = await make_account(Role.NATIONAL, email="national@example.nhs.test")
    await sign_in(client, national["email"])
    return {**built, "tokens": tokens}


async def test_every_surface_gives_the_same_figures(client: Any, england: dict[str, Any], clean_db: Any) -> None:
    token = england["tokens"]["A10001"]
    regions = {r["code"]: r for r in await Region.select()}
    ccgs = {r["code"]: r for r in await Ccg.select()}
    compared = 0
    seen_levels: set[str] = set()
    for period in world.PERIODS:
        # The national workbook and its CSVs for the period.
        _, content = await exports.workbook_bytes("national", None, period, world.TODAY)
        book = openpyxl.load_workbook(io.BytesIO(content))
        summary = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=4, values_only=True)}
        target = await exports.target("national", None)
        csv_rows = {}
        for table in ("regions", "ccgs"):
            _, data = await exports.csv_bytes(target, table, period, world.TODAY)
            csv_rows[table] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))

        # England.
        ref = await _api(client, token, "england", "ENG", period)
        page = await client.get("/dashboards/england", params={"period": period})
        assert page.status_code == 200
        compared += _compare(ref, _headline(page.text), f"England dashboard {period}")
        compared += _compare(
            ref,
            {
                "expected": summary["Practices"],
                "received": summary["Returns received"],
                "on_time": summary["Returns on time"],
                "maturity": None
                if summary["Mean maturity (0-100)"] is None
                else round(summary["Mean maturity (0-100)"], 1),
                "on_track_share": _pct(summary["Practices on track"]),
                "funding": round(100 * summary["Funding allocated to CCGs (£)"]),
            },
            f"national workbook Summary {period}",
        )
        seen_levels.add("england")

        # Every region of the period, on its dashboard, the Regions sheet and regions.csv.
        sheet = {r["Region code"]: r for r in _sheet_rows(book["Regions"])}
        in_csv = {r["Region code"]: r for r in csv_rows["regions"]}
        assert set(sheet) == set(in_csv)
        for code in sheet:
            ref = await _api(client, token, "region", code, period)
            page = await client.get(f"/dashboards/regions/{code}", params={"period": period})
            compared += _compare(ref, _headline(page.text), f"region {code} dashboard {period}")
            compared += _compare(ref, _area(sheet[code]), f"region {code} workbook {period}")
            compared += _compare(ref, _area(in_csv[code], 1), f"region {code} CSV {period}")
            seen_levels.add("region")
        # The regions of the time: four before April 2019.
        assert set(sheet) <= {"Y54", "Y55", "Y56", "Y57"}, sheet.keys()
        assert regions  # the seven-region codes exist, but not in these periods

        # Every CCG of the period: dashboard, CCGs sheet, ccgs.csv, the review grid.
        sheet = {r["CCG code"]: r for r in _sheet_rows(book["CCGs"])}
        in_csv = {r["CCG code"]: r for r in csv_rows["ccgs"]}
        assert set(sheet) == set(in_csv)
        expected_ccgs = {"01A", "01B", "07A", "11A", "11B"} if period < "2017/18" else {"01A", "01B", "07A", "11C"}
        assert set(sheet) == expected_ccgs, (period, sheet.keys())
        for code in sheet:
            ccg_token = england["tokens"][code]
            ref = await _api(client, ccg_token, "ccg", code, period)
            page = await client.get(f"/dashboards/ccgs/{code}", params={"period": period})
            compared += _compare(ref, _headline(page.text), f"CCG {code} dashboard {period}")
            compared += _compare(ref, _area(sheet[code]), f"CCG {code} workbook {period}")
            compared += _compare(ref, _area(in_csv[code], 1), f"CCG {code} CSV {period}")
            grid = await review_service.grid(ccgs[code]["id"], world.TODAY)
            codes = [p.code for p in grid.periods]
            if period in codes:
                counts = grid.counts[codes.index(period)]
                compared += _compare(
                    ref,
                    {"expected": counts.expected, "received": counts.submitted, "on_time": counts.on_time},
                    f"CCG {code} review grid {period}",
                )
            seen_levels.add("ccg")

        # Practices: the API beside the Practices sheet (received, on time, maturity).
        practice_sheet = {r["ODS code"]: r for r in _sheet_rows(book["Practices"])}
        for ods in ("A10001", "A10003", "E30003", "J40001", "J50001"):
            row = practice_sheet.get(ods)
            if row is None:
                continue  # not expected in this period (E30003 after it closed)
            # Access follows today's organisations: the token of the CCG the practice has now.
            today_ccg = next(p[4] for p in world.PRACTICES if p[0] == ods)
            ref = await _api(client, england["tokens"][today_ccg], "practice", ods, period)
            maturity = row["Maturity"]
            compared += _compare(
                ref,
                {
                    "received": int(bool(row["First submitted"])),
                    "on_time": int(row["On time"] == 1 or row["On time"] is True),
                    "maturity": None if maturity in (None, "not available yet") else round(float(maturity), 1),
                },
                f"practice {ods} workbook {period}",
            )
            seen_levels.add("practice")
        # The practice that moved counts under 01A before April 2017 and 01B after it.
        if "A10003" in practice_sheet:
            assert practice_sheet["A10003"]["CCG code"] == ("01A" if period < "2017/18" else "01B")
        assert ("E30003" in practice_sheet) == (period in (world.BEFORE_MERGER, world.BETWEEN))
    assert seen_levels == {"england", "region", "ccg", "practice"}
    assert compared > 300, compared


async def test_the_status_email_gives_the_dashboards_figures(
    client: Any, england: dict[str, Any], mail_settings: Any, smtp: SmtpServer
) -> None:
    for code in ("01A", "01B", "07A", "11C"):
        await Ccg.update({Ccg.contact_email: f"lead@{code.lower()}.test"}).where(Ccg.code == code)
    settings = dataclasses.replace(mail_settings, today=world.TODAY)
    await notifications.ensure_default_schedules(settings, AS_AT)
    schedule = await notifications.schedule_by_name("ccg-status-report")
    assert schedule is not None
    await notifications.run_schedule(settings, schedule, now=AS_AT)
    await deliver(settings, now=AS_AT)
    for code in ("01A", "01B", "07A", "11C"):
        [email] = smtp.inbox.to(f"lead@{code.lower()}.test")
        text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        current = await _api(client, england["tokens"][code], "ccg", code, world.OPEN)
        closed = await _api(client, england["tokens"][code], "ccg", code, world.LATEST_CLOSED)
        assert current["provisional"] and not closed["provisional"]
        got = re.search(r"Returns in for 2017/18 Q4 \(provisional\): (\d+) of (\d+)", text)
        assert got, text
        assert (int(got.group(1)), int(got.group(2))) == (current["received"], current["expected"])
        on_time = re.search(r"On time for 2017/18 Q3: (\d+)%", text)
        assert on_time, text
        share = round(100 * closed["on_time"] / closed["expected"]) if closed["expected"] else 0
        assert int(on_time.group(1)) == share
        off = re.search(r"Practices off track \((\d+)\)", text)
        assert off and int(off.group(1)) == closed["off_track"], text
        # The CCG dashboard lists the same off-track practices for that period.
        page = await client.get(f"/dashboards/ccgs/{code}", params={"period": world.LATEST_CLOSED})
        assert _headline(page.text)["on_track"] == closed["on_track"]
        assert "out of 100" in text or closed["off_track"] == 0

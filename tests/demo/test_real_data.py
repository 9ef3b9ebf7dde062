"""The demo on the real files of the era: each period's registered patients are those of its time,
and each period expects the practices the ODS files say were open.

The demo's organisations and list sizes are loaded by the demo's own step (`load_real_data`, the
same import services as `tracker import`) from ../shared/data/, without the 97 MB POMI file (it
only holds 2018/19, after every period checked here) to keep the test quick; the figures are then
scored by the maturity refresh every surface reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_DATA, empty_all_tables
from tracker.demo import service as demo
from tracker.figures import rules
from tracker.indicators import service as indicators
from tracker.maturity import service as maturity
from tracker.organisations.files import edition_date, parse_ods_practices
from tracker.periods import service as periods
from tracker.settings import Settings

TODAY = dt.date(2018, 4, 20)
# Periods and the NHSBSA file of the same quarter.
QUARTERS = (("2014/15-Q1", "Patient_List_Size_2014_04-06.csv"), ("2015/16-Q1", "Patient_List_Size_2015_04-06.csv"))


def _without_pomi(tmp: Path) -> Path:
    """The shared data folder, less the POMI archive (symbolic links: the files as published)."""
    for path in SHARED_DATA.rglob("*"):
        if path.is_file() and path.name != Path(demo.POMI_FILE).name:
            target = tmp / path.relative_to(SHARED_DATA)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    return tmp


@pytest.fixture(scope="module")
async def real_world(
    database: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, dict[str, Any]]]:
    """The demo's organisations and list sizes, scored for every period opened by TODAY; the
    periods by code."""

    async def step(name: str, work: Callable[[], Awaitable[Any]]) -> Any:
        return await work()

    try:
        await demo.load_real_data(_without_pomi(tmp_path_factory.mktemp("data")), step)
        await indicators.load()
        await periods.ensure_periods()
        await maturity.refresh_all(TODAY)
        by_code = {
            p.code: {"id": p.id, "start": p.start_date, "end": p.end_date} for p in await maturity.scored_periods(TODAY)
        }
        yield by_code
    finally:
        await empty_all_tables()


def _file_patients(name: str) -> dict[str, int]:
    """Registered patients per practice in an NHSBSA file, summed by hand over its 18 sex and age
    bands."""
    rows = list(csv.reader(io.StringIO((SHARED_DATA / "list-sizes" / name).read_text(encoding="utf-8-sig"))))
    return {r[7].strip(): sum(int(n) for n in r[8:26]) for r in rows[1:] if len(r) >= 26}


@pytest.mark.parametrize(("period_code", "file_name"), QUARTERS)
async def test_a_quarters_patients_are_those_of_its_nhsbsa_file(real_world, period_code, file_name):
    period = real_world[period_code]
    members = [m for m in await maturity.period_members(period["id"]) if m.expected]
    from_file = _file_patients(file_name)
    codes = await _codes()
    in_file = [m for m in members if codes[m.practice_id] in from_file and from_file[codes[m.practice_id]] > 0]
    # Every expected practice the file lists counts with the file's figure for the quarter.
    for m in in_file:
        assert m.patients == from_file[codes[m.practice_id]], codes[m.practice_id]
    england = await maturity.england_score(period["id"])
    file_part = sum(from_file[codes[m.practice_id]] for m in in_file)
    print(f"{period_code}: England {england.patients:,}; from the file {file_part:,} ({len(in_file):,} practices)")
    # The rest are practices open then that the file does not list: counted from their nearest
    # snapshot (organisations.history.patients_on), a small remainder.
    assert 0 <= england.patients - file_part < 0.015 * england.patients
    assert 56_500_000 < england.patients < 57_800_000  # England then: about 57 million, not 2021's 60.5


async def test_each_period_uses_the_list_sizes_of_its_time_and_counts_each_patient_once(real_world):
    totals = {}
    for code, period in real_world.items():
        england = await maturity.england_score(period["id"])
        regions = await maturity.org_scores("region", period["id"])
        ccgs = await maturity.org_scores("ccg", period["id"])
        members = await maturity.period_members(period["id"])
        assert len({m.practice_id for m in members}) == len(members), code
        assert sum(a.patients for a in regions.values()) == england.patients, code
        assert (
            sum(a.patients for a in ccgs.values()) + sum(m.patients or 0 for m in members if m.ccg_id is None)
            == england.patients
        ), code
        totals[code] = england.patients
    print({c: f"{n:,}" for c, n in totals.items()})
    # Every period from 2014/15 to 2017/18 reads an NHSBSA quarter (or the latest one before it),
    # so none shows the 60.5 million of January 2021.
    assert all(55_000_000 < n < 58_500_000 for n in totals.values()), totals
    assert totals["2014/15-Q1"] != totals["2015/16-Q1"]


async def test_each_period_expects_the_practices_the_ods_files_say_were_open(real_world):
    """Derived by hand from the three ODS editions: a practice's dates are those of the newest
    edition that lists it (a practice it marks closed without a date closed on that edition's
    date), and it is expected when open on any day of the period (figures.rules)."""
    newest: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    for name in demo.ODS_HISTORY:  # oldest first: a newer edition overrides
        records = parse_ods_practices((SHARED_DATA / name).read_bytes())
        as_at = edition_date(records)
        for r in records:
            if r.is_gp_practice and r.in_england:
                closed = r.close_date or (as_at if r.status in ("C", "D") else None)
                newest[r.code] = (r.open_date, closed)
    for code, period in real_world.items():
        by_hand = sum(1 for o, c in newest.values() if rules.open_during(o, c, period["start"], period["end"]))
        england = await maturity.england_score(period["id"])
        assert england.practices == by_hand, code


async def _codes() -> dict[int, str]:
    from tracker.organisations import service as organisations

    return {i: p.ods_code for i, p in (await organisations.practice_names()).items()}


def test_self_reported_values_mostly_agree_with_the_feeds_and_a_few_are_far_off():
    from tracker.demo import history

    units = {"EPS_LIVE": "yesno", "PO_REG_PCT": "percent", "NHSMAIL": "yesno"}
    agree = far = 0
    for n in range(1000):
        values = {"EPS_LIVE": 0.0, "PO_REG_PCT": 50.0, "NHSMAIL": 1.0}
        out = history.beside_feeds(values, {"EPS_LIVE": 1.0, "PO_REG_PCT": 30.0}, units, f"P{n:05}", 7, 2018)
        assert out["NHSMAIL"] == 1.0  # no feed: the synthetic value stays
        assert 0.0 <= out["PO_REG_PCT"] <= 100.0
        agree += out["EPS_LIVE"] == 1.0 and abs(out["PO_REG_PCT"] - 30.0) < 10
        far += out["EPS_LIVE"] == 0.0
    assert 900 < agree < 1000 and 10 < far < 80
    same = history.beside_feeds({"EPS_LIVE": 0.0}, {"EPS_LIVE": 1.0}, units, "P00001", 7, 2018)
    assert same == history.beside_feeds({"EPS_LIVE": 0.0}, {"EPS_LIVE": 1.0}, units, "P00001", 7, 2018)


async def test_every_ccg_of_the_list_size_years_shows_its_own_name(real_world):
    """Today's ODS file names the CCGs still open in 2022 as sub-ICB locations; the demo shows
    each CCG of 2013-2016 by its own name, from the NHSBSA files of its time."""
    from tracker.organisations.import_service import has_own_name
    from tracker.tables import Ccg

    ccgs = await Ccg.select(Ccg.code, Ccg.name, Ccg.open_date)
    of_the_time = [c for c in ccgs if c["open_date"] is not None and c["open_date"] < dt.date(2016, 4, 1)]
    assert len(of_the_time) > 200
    assert [c for c in of_the_time if not has_own_name(c["name"])] == []
    east_lancashire = next(c for c in ccgs if c["code"] == "01A")
    assert east_lancashire["name"] == "NHS East Lancashire CCG"

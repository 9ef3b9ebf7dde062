"""Organisations as they were: successive ODS editions, the membership file and the CCG file,
imported in any order, give each practice its CCG and region of the time; an older file never
reopens what a newer one closed."""

import datetime as dt

from tests.conftest import SHARED_DATA
from tracker.organisations import import_service
from tracker.organisations import service as organisations
from tracker.tables import Ccg, Practice, PracticeMembership

ODS_2015 = (SHARED_DATA / "ods" / "epraccur-2015-07.csv").read_bytes()
ODS_2017 = (SHARED_DATA / "ods" / "epraccur-2017-04.csv").read_bytes()
ODS_2019 = (SHARED_DATA / "epraccur.csv").read_bytes()
CCGS = (SHARED_DATA / "ods" / "eccg.csv").read_bytes()
MEMBERSHIPS = (SHARED_DATA / "ods" / "epcmem.csv").read_bytes()


async def _practice(code: str) -> dict:
    return await Practice.select().where(Practice.ods_code == code).first()


async def _ccg_code(ccg_id: int | None) -> str | None:
    row = await Ccg.select(Ccg.code).where(Ccg.id == ccg_id).first() if ccg_id else None
    return row["code"] if row else None


async def test_an_older_edition_never_reopens_a_practice_a_newer_one_closed(clean_db):
    await import_service.import_ods(ODS_2019)
    closed = await _practice("A82074")
    assert closed["status"] == "C" and closed["close_date"] == dt.date(2019, 7, 31)

    older = await import_service.import_ods(ODS_2015)
    assert older.facts["edition dated"] == "2015-07-01"
    assert "older than" in older.facts
    again = await _practice("A82074")
    assert again["status"] == "C" and again["close_date"] == dt.date(2019, 7, 31)
    assert older.counts["left as a newer file has it (status differs in this older file)"] > 0
    # The 2019 file knows 6,830 active practices; no older file adds to them.
    await import_service.import_ods(ODS_2017)
    assert await Practice.count().where(Practice.status == "A") == 6830 + await _active_only_in_older_files()


async def _active_only_in_older_files() -> int:
    # Practices the 2019 file does not list at all keep the status of the newest file that did.
    rows = await Practice.select(Practice.status, Practice.ods_as_at).where(Practice.ods_as_at < dt.date(2020, 1, 1))
    return sum(1 for r in rows if r["status"] == "A")


async def test_each_period_sees_the_ccg_and_region_of_its_time(clean_db):
    for data in (ODS_2019, ODS_2015, ODS_2017):
        await import_service.import_ods(data)
    await import_service.import_ccgs(CCGS)
    await import_service.import_memberships(MEMBERSHIPS)
    history = await organisations.history()
    a82074 = (await _practice("A82074"))["id"]
    # 01H until March 2017, 01K from April 2017 (32 practices moved that April).
    assert await _ccg_code(history.ccg_on(a82074, dt.date(2016, 6, 30))) == "01H"
    assert await _ccg_code(history.ccg_on(a82074, dt.date(2017, 6, 30))) == "01K"
    # 2015/16: the four regions of the time; after the 2019 file, the seven.
    region_codes = {r.id: r.code for r in await organisations.regions_by_id()}
    place_2015 = history.place(a82074, dt.date(2015, 4, 1), dt.date(2015, 6, 30))
    assert region_codes[place_2015.region_id] == "Y54"
    a81001 = (await _practice("A81001"))["id"]
    assert region_codes[history.place(a81001, dt.date(2019, 10, 1), dt.date(2020, 3, 31)).region_id] == "Y63"
    assert region_codes[history.place(a81001, dt.date(2017, 10, 1), dt.date(2017, 12, 31)).region_id] == "Y54"
    # A practice that closed counts under the CCG it had on its last day, and is expected only
    # while it was open.
    assert history.expected(a82074, dt.date(2019, 7, 1), dt.date(2019, 9, 30))
    assert not history.expected(a82074, dt.date(2019, 10, 1), dt.date(2019, 12, 31))


async def test_ccg_names_and_memberships_import_once(clean_db):
    await import_service.import_ods(ODS_2019)
    names = await import_service.import_ccgs(CCGS)
    assert names.counts["skipped: not a CCG (an integrated care board or sub-ICB entity, 2021 on)"] == 46
    hartlepool = await Ccg.select(Ccg.name, Ccg.open_date, Ccg.close_date).where(Ccg.code == "00K").first()
    assert hartlepool == {
        "name": "NHS Hartlepool and Stockton-on-Tees CCG",
        "open_date": dt.date(2013, 4, 1),
        "close_date": dt.date(2020, 3, 31),
    }
    assert await Ccg.count().where(Ccg.name.like("CCG %")) == 0  # every CCG has its real name
    first = await import_service.import_memberships(MEMBERSHIPS)
    assert first.counts["skipped: a commissioner before CCGs (a primary care trust code)"] == 47822 - 28818
    assert first.changed
    spans = await PracticeMembership.count()
    second = await import_service.import_memberships(MEMBERSHIPS)
    assert not second.changed
    assert await PracticeMembership.count() == spans
    again = await import_service.import_ccgs(CCGS)
    assert not again.changed


async def test_a_practice_missing_from_the_newest_file_is_shown_as_such(clean_db):
    await import_service.import_ods(ODS_2015)
    summary = await import_service.import_ods(ODS_2019)
    key = next(k for k in summary.counts if k.startswith("practices in the tracker but not in this file"))
    assert "1 January 2020" in key
    history = await organisations.history()
    gone = [p for p in history.practices.values() if history.missing_since(p.id)]
    assert len(gone) == summary.counts[key]
    assert all(history.missing_since(p.id) == dt.date(2020, 1, 1) for p in gone)

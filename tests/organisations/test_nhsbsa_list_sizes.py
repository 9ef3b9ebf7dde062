"""NHSBSA quarterly list sizes imported as published: counts, idempotence, all or nothing."""

import csv
import datetime as dt
import io

import pytest

from tests.conftest import SHARED_DATA
from tracker.organisations import import_service, listsize_import_service
from tracker.organisations.files import FileRefused
from tracker.organisations.listsize_files import parse_band_file, snapshot_from_name
from tracker.tables import Ccg, ListSize, ListSizeBand

ODS_2015 = (SHARED_DATA / "ods" / "epraccur-2015-07.csv").read_bytes()
NAME = "Patient_List_Size_2015_04-06.csv"
QUARTER = (SHARED_DATA / "list-sizes" / NAME).read_bytes()
APRIL_2015 = dt.date(2015, 4, 1)


def test_the_quarter_comes_from_the_file_name():
    assert snapshot_from_name(NAME) == APRIL_2015
    assert snapshot_from_name("Patient_List_Size_2016_01-03.csv") == dt.date(2016, 1, 1)
    assert snapshot_from_name("Patient_List_Size_2015_04-07.csv") is None
    assert snapshot_from_name("list.csv") is None


def test_every_file_of_the_ten_quarters_parses():
    for path in sorted((SHARED_DATA / "list-sizes").glob("Patient_List_Size_*.csv")):
        records = parse_band_file(path.read_bytes())
        assert 7_000 < len(records) < 10_000, path.name
        assert snapshot_from_name(path.name) is not None


async def test_a_quarter_is_stored_per_practice_with_its_bands_and_a_second_run_changes_nothing(clean_db):
    await import_service.import_ods(ODS_2015)
    first = await listsize_import_service.import_nhsbsa_list_sizes(QUARTER, file_name=NAME)
    counts = first.counts
    assert first.changed and first.facts["snapshot date"] == "2015-04-01"
    assert counts["rows read"] == 9243
    # 1,408 rows carry zeros throughout: drug services, prisons and practices with no list.
    assert counts["skipped: not a practice (no patients; e.g. a drug service)"] == 1408
    not_in_tracker = counts.get("not placed: practice not in the tracker (import the ODS file first?)", 0)
    assert counts["created: list sizes"] + not_in_tracker == 9243 - 1408
    assert counts["commissioner is not a CCG (counted under the practice's CCG in the register)"] == 4
    assert counts["created: age bands"] == counts["created: list sizes"]
    assert await ListSize.count() == counts["created: list sizes"]
    assert await ListSizeBand.count() == counts["created: list sizes"]
    # England in the file: 57,024,156 registered patients.
    assert first.facts["registered patients in the file"] == "57,024,156"
    stored = await ListSize.select(ListSize.patients, ListSize.ccg_code).where(ListSize.practice.ods_code == "A81001")
    by_hand = _row(QUARTER, "A81001")
    assert stored == [{"patients": sum(int(n) for n in by_hand[8:]), "ccg_code": by_hand[5][:3]}]
    assert by_hand[5] == "00K00" and stored[0]["ccg_code"] == "00K"

    second = await listsize_import_service.import_nhsbsa_list_sizes(QUARTER, file_name=NAME)
    assert not second.changed and "nothing changed" in second.lines()[0]
    assert second.counts["unchanged: list sizes"] == counts["created: list sizes"]
    assert await ListSize.count() == counts["created: list sizes"]


async def test_practices_the_tracker_does_not_have_are_counted_with_examples(clean_db):
    summary = await listsize_import_service.import_nhsbsa_list_sizes(QUARTER, file_name=NAME)
    key = "not placed: practice not in the tracker (import the ODS file first?)"
    assert summary.counts[key] == 9243 - 1408
    assert len(summary.examples[key]) == 10
    assert await ListSize.count() == 0


def _row(data: bytes, code: str) -> list[str]:
    return next(r for r in csv.reader(io.StringIO(data.decode())) if r[7] == code)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (QUARTER[: len(QUARTER) // 2].rsplit(b",", 1)[0], "columns"),  # cut short mid-line
        (QUARTER.decode().encode("utf-16"), "binary data"),  # wrong encoding
        ((SHARED_DATA / "gp-reg-pat-prac-all.csv").read_bytes(), "tracker import list-sizes"),  # wrong file
        (b"", "empty"),
        (QUARTER.replace(b",A81001,", b",A81001,x", 1), "Line 5008: the patient counts of A81001 must be whole"),
    ],
)
async def test_a_broken_copy_is_refused_whole(clean_db, broken, message):
    with pytest.raises(FileRefused, match=message):
        await listsize_import_service.import_nhsbsa_list_sizes(broken, file_name=NAME)
    assert await ListSize.count() == 0 and await ListSizeBand.count() == 0


async def test_a_file_name_without_its_quarter_needs_the_option(clean_db):
    with pytest.raises(FileRefused, match="--quarter"):
        await listsize_import_service.import_nhsbsa_list_sizes(QUARTER, file_name="list.csv")
    summary = await listsize_import_service.import_nhsbsa_list_sizes(QUARTER, file_name="list.csv", snapshot=APRIL_2015)
    assert summary.facts["snapshot date"] == "2015-04-01"


async def test_the_ccg_is_compared_with_the_practices_membership_on_the_snapshot_date(clean_db):
    # The December 2019 practice file has today's CCGs (after the 2018 mergers); the membership
    # file says which CCG each practice was in on 1 April 2015.
    await import_service.import_ods((SHARED_DATA / "epraccur.csv").read_bytes())
    key = "placed, in another CCG than the tracker has for that date (kept as published)"
    today = await listsize_import_service.import_nhsbsa_list_sizes(QUARTER, file_name=NAME)
    assert today.counts[key] == 839  # against the CCGs of 2019
    await import_service.import_memberships((SHARED_DATA / "ods" / "epcmem.csv").read_bytes())
    of_the_time = await listsize_import_service.import_nhsbsa_list_sizes(QUARTER, file_name=NAME)
    assert not of_the_time.changed
    assert of_the_time.counts[key] == 8
    assert "M85097: tracker 13P, file 04X" in of_the_time.examples[key]


async def test_ccgs_named_today_as_sub_icb_locations_get_their_names_of_the_time(clean_db):
    """Today's ODS file names a CCG code still open in 2022 as the ICB's sub-location ("NHS
    Lancashire and South Cumbria ICB - 01A"); the list-size files of 2013-2016 print the CCG's own
    name, which the tracker shows, and a later ODS import does not undo."""
    ccgs = (SHARED_DATA / "ods" / "eccg.csv").read_bytes()
    await import_service.import_ods(ODS_2015)
    await import_service.import_ccgs(ccgs)
    before = {r["code"]: r["name"] for r in await Ccg.select(Ccg.code, Ccg.name)}
    assert before["01A"] == "NHS Lancashire and South Cumbria ICB - 01A"
    summary = await listsize_import_service.import_nhsbsa_list_sizes(QUARTER, file_name=NAME)
    key = "CCGs given their name of the time from the file"
    after = {r["code"]: r["name"] for r in await Ccg.select(Ccg.code, Ccg.name)}
    assert after["01A"] == "NHS East Lancashire CCG"  # 'EAST LANCASHIRE CCG' in the file
    assert after["00K"] == before["00K"] == "NHS Hartlepool and Stockton-on-Tees CCG"  # already its own name
    in_file = {r.ccg_code for r in parse_band_file(QUARTER) if r.ccg_code}
    renamed = {c for c in before if import_service.is_sub_icb_name(before[c]) and c in in_file}
    assert summary.counts[key] == len(renamed) > 50
    assert not [c for c in in_file if c in after and import_service.is_sub_icb_name(after[c])]
    again = await import_service.import_ccgs(ccgs)
    assert {r["code"]: r["name"] for r in await Ccg.select(Ccg.code, Ccg.name)} == after
    assert not again.changed


def test_a_name_of_the_time_is_written_as_the_tracker_writes_ccg_names():
    assert import_service.ccg_name_of_the_time("EAST LANCASHIRE CCG") == "NHS East Lancashire CCG"
    assert (
        import_service.ccg_name_of_the_time("NHS Airedale, Wharfedale and Craven CCG")
        == "NHS Airedale, Wharfedale and Craven CCG"
    )
    assert import_service.is_sub_icb_name("NHS BIRMINGHAM AND SOLIHULL ICB - 15E")
    assert not import_service.is_sub_icb_name("NHS Hartlepool and Stockton-on-Tees CCG")

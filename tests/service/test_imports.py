"""Imports of the real NHS files: counts, idempotence, disagreements reported, all or nothing."""

from tests.conftest import SHARED_DATA
from tracker.audit import service as audit
from tracker.organisations import import_service
from tracker.organisations.files import FileRefused
from tracker.tables import Ccg, ListSize, Practice

ODS = (SHARED_DATA / "epraccur.csv").read_bytes()
SIZES = (SHARED_DATA / "gp-reg-pat-prac-all.csv").read_bytes()


async def test_ods_import_creates_the_active_practices_and_a_second_run_changes_nothing(clean_db):
    first = await import_service.import_ods(ODS)
    assert first.changed
    assert await Practice.count().where(Practice.status == "A") == 6830
    assert first.counts["active GP practices in the file"] == 6830
    assert first.counts["skipped: not a GP practice (prescribing setting is not 4)"] == 6153
    densham = (
        await Practice.select(Practice.name, Practice.ccg.code, Practice.region.name)
        .where(Practice.ods_code == "A81001")
        .first()
    )
    assert densham == {"name": "THE DENSHAM SURGERY", "ccg.code": "00K", "region.name": "North East and Yorkshire"}

    second = await import_service.import_ods(ODS)
    assert not second.changed
    assert second.counts["unchanged"] == first.counts["created"]
    assert "nothing changed" in second.lines()[0]
    assert await audit.count("import.ods") == 2


async def test_list_sizes_attach_to_known_practices_and_report_the_rest(clean_db):
    await import_service.import_ods(ODS)
    summary = await import_service.import_list_sizes(SIZES)
    assert (
        summary.counts["created"] + summary.counts["skipped: practice not in the tracker (import the ODS file first?)"]
        == 6658
    )
    assert summary.counts["practices under a CCG code the ODS file does not have (a CCG formed by a merger?)"] > 0
    assert summary.counts["active practices with no list size in this file"] > 0
    assert await ListSize.count() == summary.counts["created"]
    again = await import_service.import_list_sizes(SIZES)
    assert not again.changed and again.counts["unchanged"] == summary.counts["created"]


async def test_a_bad_line_anywhere_means_nothing_is_written(clean_db):
    lines = ODS.splitlines()
    broken = b"\n".join([*lines[:5000], b'"A99999","BROKEN"', *lines[5000:]])
    try:
        await import_service.import_ods(broken)
    except FileRefused as exc:
        assert "Line 5001" in str(exc)
    else:
        raise AssertionError("the broken file was accepted")
    assert await Practice.count() == 0
    assert await Ccg.count() == 0


async def test_a_practice_closed_in_a_later_file_is_reported_as_closed(clean_db):
    await import_service.import_ods(ODS)
    later = ODS.replace(
        b'"A81001","THE DENSHAM SURGERY","Y63","Q74","THE HEALTH CENTRE","LAWSON STREET","STOCKTON-ON-TEES","CLEVELAND","","TS18 1HU","19740401","","A"',
        b'"A81001","THE DENSHAM SURGERY","Y63","Q74","THE HEALTH CENTRE","LAWSON STREET","STOCKTON-ON-TEES","CLEVELAND","","TS18 1HU","19740401","20190331","C"',
    )
    summary = await import_service.import_ods(later)
    assert summary.counts["closed"] == 1 and summary.examples["closed"] == ["A81001"]
    assert await Practice.select(Practice.status).where(Practice.ods_code == "A81001").first() == {"status": "C"}

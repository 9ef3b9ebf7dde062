"""POMI imported as published, and the share of patients registered for online services worked
out from it by hand."""

import csv
import datetime as dt
import functools
import io
import zipfile

import pytest

from tests.conftest import SHARED_DATA
from tracker.feeds import service
from tracker.organisations import import_service
from tracker.organisations.files import FileRefused
from tracker.tables import Ccg, FeedValue, ListSize, Practice

POMI_ZIP = (SHARED_DATA / "feeds" / "pomi_1819-apr2018_to_sep2018.zip").read_bytes()
POMI_2015 = (SHARED_DATA / "feeds" / "pomi-2015-04-sample.csv").read_bytes()
ODS = (SHARED_DATA / "epraccur.csv").read_bytes()
HANDFUL = ("B82007", "B82020", "A81001", "P85012", "Y02622")


@functools.cache
def _csv_from_zip() -> bytes:
    with zipfile.ZipFile(io.BytesIO(POMI_ZIP)) as archive:
        return archive.read(archive.namelist()[0])


def _by_hand(month: str) -> dict[str, dict[str, str]]:
    """Field values per practice in one month, read straight from the published CSV."""
    out: dict[str, dict[str, str]] = {}
    reader = csv.DictReader(io.StringIO(_csv_from_zip().decode()))
    for row in reader:
        if row["report_period_end"] == month:
            out.setdefault(row["practice_code"], {})[row["field"]] = row["value"]
    return out


async def test_pomi_2018_gives_the_share_registered_for_online_services_by_the_named_rule(clean_db):
    await import_service.import_ods(ODS)
    lines: list[str] = []
    first = await service.import_pomi(POMI_ZIP, progress=lines.append)
    print("\n".join(first.lines()))
    assert first.changed
    assert "read 500,000 rows" in lines
    assert first.counts["rows read"] == 542_490
    assert first.facts["periods"] == "2018/19-Q1, 2018/19-Q2"

    # The rule (fixtures/feeds.toml): PO_REG_PCT for a quarter = Total_Pat_Enbld ÷
    # patient_list_size × 100 in the quarter's last month (June for 2018/19 Q1); England's
    # figure is Σ Total_Pat_Enbld ÷ Σ patient_list_size over the practices with both.
    june = _by_hand("30JUN2018")
    ids = {r["ods_code"]: r["id"] for r in await Practice.select(Practice.id, Practice.ods_code)}
    rows = {(r.practice_id, r.indicator_code): r for r in await service.feed_values(None, "2018/19-Q1")}
    for code in HANDFUL:
        fields = june[code]
        expected = int(fields["Total_Pat_Enbld"]) / int(fields["patient_list_size"]) * 100
        assert rows[(ids[code], "PO_REG_PCT")].value == pytest.approx(expected, abs=1e-9), code
        assert rows[(ids[code], "PO_APPT_ENABLED")].value == (1.0 if fields["Sys_Appts_Enbld"] == "2" else 0.0)
    placed = {c: f for c, f in june.items() if c in ids and f.get("Total_Pat_Enbld") and f.get("patient_list_size")}
    numerator = sum(int(f["Total_Pat_Enbld"]) for f in placed.values())
    denominator = sum(int(f["patient_list_size"]) for f in placed.values() if int(f["patient_list_size"]) > 0)
    england = await service.feed_total(None, "2018/19-Q1", "PO_REG_PCT")
    assert england.denominator == denominator
    assert england.numerator == numerator
    assert england.value == pytest.approx(numerator / denominator * 100)
    assert 20 < england.value < 40  # about a quarter of patients by mid-2018

    # The CCGs as the file names them in 2018 (the practice file only gives each code a placeholder).
    ccgs = {r["code"]: r["name"] for r in await Ccg.select(Ccg.code, Ccg.name)}
    assert ccgs["15E"] == "NHS Birmingham and Solihull CCG"

    # The list sizes of the time, for fair shares in 2018/19.
    assert await ListSize.count().where(ListSize.snapshot_date == dt.date(2018, 4, 30)) > 6_500

    created = await FeedValue.count()
    second = await service.import_pomi(POMI_ZIP)
    assert not second.changed and "nothing changed" in second.lines()[0]
    assert second.counts["unchanged: feed values"] == created
    assert await FeedValue.count() == created


def _cut(rows: int) -> bytes:
    """The first `rows` lines of the 2018 file: a sample cut from it, for fast tests."""
    return b"".join(io.BytesIO(_csv_from_zip()).readlines()[: rows + 1])


async def test_a_sample_of_the_long_layout_counts_practices_the_tracker_does_not_have(clean_db):
    summary = await service.import_pomi(_cut(2_000))
    key = "not placed: practice not in the tracker (import the ODS file first?)"
    assert summary.counts["rows read"] == 2_000
    assert summary.counts[key] == summary.counts["practices in the file"] > 100
    assert summary.examples[key][0] == "B82007"
    assert await FeedValue.count() == 0


async def test_the_2015_wide_layout_gives_online_appointments_for_2015_16_q1(clean_db):
    await import_service.import_ods((SHARED_DATA / "ods" / "epraccur-2015-07.csv").read_bytes())
    first = await service.import_pomi(POMI_2015)
    assert first.facts["periods"] == "2015/16-Q1"
    assert first.counts["rows read"] == 99
    assert first.counts["no PO_APPT_ENABLED value: SystemEnabled blank or not a yes/no value"] == 4
    assert first.counts["created: feed values"] == 95 - first.counts.get(
        "values not stored: practice not in the tracker", 0
    )
    second = await service.import_pomi(POMI_2015)
    assert not second.changed


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (POMI_ZIP[: len(POMI_ZIP) // 2], "zip"),  # truncated download
        (_cut(50)[:-40], "columns"),  # cut short mid-line
        (_cut(50).decode().encode("utf-16"), "binary data"),  # wrong encoding
        ((SHARED_DATA / "feeds" / "gp2gp-requestor-transfers-2019.csv").read_bytes(), "header"),  # wrong file
        (b"", "empty"),
        (_cut(50).replace(b",1891\r\n", b",1,891\r\n"), "Line 4: expected 12 columns"),  # a bad line
    ],
)
async def test_a_broken_copy_is_refused_whole(clean_db, broken, message):
    with pytest.raises(FileRefused, match=message):
        await service.import_pomi(broken)
    assert await FeedValue.count() == 0 and await ListSize.count() == 0

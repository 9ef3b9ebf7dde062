"""NHS Choices (EPS enabled) and GP2GP transfers imported as published."""

import datetime as dt

import pytest

from tests.conftest import SHARED_DATA
from tracker.feeds import service
from tracker.organisations import import_service
from tracker.organisations.files import FileRefused
from tracker.tables import FeedValue, Practice

CHOICES = (SHARED_DATA / "feeds" / "nhs-choices-gp-2016-02.csv").read_bytes()
GP2GP = (SHARED_DATA / "feeds" / "gp2gp-requestor-transfers-2019.csv").read_bytes()
FEBRUARY_2016 = dt.date(2016, 2, 1)


async def test_nhs_choices_gives_eps_live_for_2015_16_q4_and_a_second_run_changes_nothing(clean_db):
    await import_service.import_ods((SHARED_DATA / "ods" / "epraccur-2015-07.csv").read_bytes())
    first = await service.import_nhs_choices(CHOICES, month=FEBRUARY_2016)
    counts = first.counts
    assert first.facts["periods"] == "2015/16-Q4"
    assert counts["rows read"] == 9722
    assert counts["skipped: not a practice code"] == 1 and first.examples["skipped: not a practice code"] == ["GP_5KG"]
    # Branch surgeries are listed under their practice's code: 1,855 extra rows, none disagreeing.
    assert counts["practice listed more than once (branch surgeries; enabled if any row is)"] == 1855
    assert counts["practices in the file"] == 7866
    unplaced = counts.get("not placed: practice not in the tracker (import the ODS file first?)", 0)
    assert counts["practices placed"] + unplaced == 7866
    assert counts["created: feed values"] == counts["practices placed"]
    densham = await service.feed_values_by_indicator(
        (await Practice.select(Practice.id).where(Practice.ods_code == "A81001").first())["id"], "2015/16-Q4"
    )
    assert densham["EPS_LIVE"].value == 1.0 and densham["EPS_LIVE"].source_label == "NHS Choices"

    second = await service.import_nhs_choices(CHOICES, month=FEBRUARY_2016)
    assert not second.changed and second.counts["unchanged: feed values"] == counts["created: feed values"]


async def test_gp2gp_gives_the_share_of_transfers_integrated_per_quarter(clean_db):
    await import_service.import_ods((SHARED_DATA / "epraccur.csv").read_bytes())
    first = await service.import_gp2gp(GP2GP, year=2019)
    counts = first.counts
    assert first.facts["periods"] == "2019/20-Q1, 2019/20-Q2"
    assert counts["rows read"] == 26149
    # 417 months with no request recorded; 82 practice-quarters had none at all.
    assert counts["no GP2GP_UTIL_PCT value: RequestCount is 0 or blank"] == 82
    a81001 = (await Practice.select(Practice.id).where(Practice.ods_code == "A81001").first())["id"]
    q1 = (await service.feed_values_by_indicator(a81001, "2019/20-Q1"))["GP2GP_UTIL_PCT"]
    # A81001: May 0 of 7 integrated, June 5 of 5: 5 of 12 over the quarter's months in the file.
    assert (q1.numerator, q1.denominator) == (5, 12) and q1.value == pytest.approx(500 / 12)
    second = await service.import_gp2gp(GP2GP, year=2019)
    assert not second.changed
    assert await FeedValue.count() == counts["created: feed values"]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (CHOICES[:500_000], "fields"),  # truncated mid-line
        (CHOICES.decode("cp1252").encode("utf-16"), "binary data"),  # wrong encoding
        (GP2GP, "header separated by ¬"),  # wrong file
        (b"", "empty"),
        (CHOICES.replace(b"\xacTrue\xacBlackfriars", b"\xacYes\xacBlackfriars"), "Line 2: isEPSEnabled 'Yes'"),
    ],
)
async def test_a_broken_nhs_choices_copy_is_refused_whole(clean_db, broken, message):
    with pytest.raises(FileRefused, match=message):
        await service.import_nhs_choices(broken, month=FEBRUARY_2016)
    assert await FeedValue.count() == 0


async def test_a_utf8_copy_of_nhs_choices_reads_the_same(clean_db):
    summary = await service.import_nhs_choices(CHOICES.decode("cp1252").encode("utf-8"), month=FEBRUARY_2016)
    assert summary.counts["practices in the file"] == 7866


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GP2GP[:100_000], "not valid CSV"),  # cut short inside a quoted field
        (GP2GP.decode().encode("utf-16"), "binary data"),
        (CHOICES, "header"),  # wrong file
        (b"", "empty"),
        (GP2GP.replace(b"A81001,05,", b"A81001,13,", 1), "Line 2: the month '13'"),
    ],
)
async def test_a_broken_gp2gp_copy_is_refused_whole(clean_db, broken, message):
    with pytest.raises(FileRefused, match=message):
        await service.import_gp2gp(broken, year=2019)
    assert await FeedValue.count() == 0

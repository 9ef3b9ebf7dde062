"""The official files, parsed exactly as published, and malformed ones refused by line."""

import datetime as dt

import pytest

from tests.conftest import SHARED_DATA
from tracker.organisations.files import FileRefused, parse_list_sizes, parse_ods_practices

ODS_ROW = '"A81001","THE DENSHAM SURGERY","Y63","Q74","THE HEALTH CENTRE","LAWSON STREET","STOCKTON-ON-TEES","CLEVELAND","","TS18 1HU","19740401","","A","B","00K","20130401","","01642 672351","","","","0","","00K","","4",""'


def test_the_real_ods_file_has_6830_active_gp_practices():
    records = parse_ods_practices((SHARED_DATA / "epraccur.csv").read_bytes())
    assert len(records) == 14357
    active = [r for r in records if r.is_gp_practice and r.status == "A" and r.in_england]
    assert len(active) == 6830
    densham = next(r for r in records if r.code == "A81001")
    assert densham.commissioner == "00K" and densham.region_code == "Y63" and densham.postcode == "TS18 1HU"


def test_dates_may_have_spaces_around_them_and_a_blank_one_is_no_date():
    record = parse_ods_practices(ODS_ROW.replace('"19740401",""', '" 19740401 ","  "').encode())[0]
    assert record.open_date == dt.date(1974, 4, 1) and record.close_date is None
    assert record.joined_commissioner == dt.date(2013, 4, 1) and record.left_commissioner is None
    assert record.address == "THE HEALTH CENTRE, LAWSON STREET, STOCKTON-ON-TEES, CLEVELAND"


def test_the_real_list_size_file_has_6658_practices():
    records = parse_list_sizes((SHARED_DATA / "gp-reg-pat-prac-all.csv").read_bytes())
    assert len(records) == 6658
    assert 60_000_000 < sum(r.patients for r in records) < 61_000_000
    assert len({r.ccg_code for r in records}) == 135


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (ODS_ROW.replace(',"4",""', "").encode(), "Line 1: expected 27 columns"),
        ((ODS_ROW + "\n" + ODS_ROW.replace('"19740401"', '"1974-04-01"')).encode(), "Line 2: the open date"),
        # The first bad date of a row is the one named, whichever the row's order of columns.
        (
            ODS_ROW.replace('"20130401",""', '"20130401","2013-04-02"')
            .replace('"19740401",""', '"19740401","X"')
            .encode(),
            "Line 1: the close date 'X' is not a date",
        ),
        (ODS_ROW.replace('"20130401",""', '"20130401"," 2013 "').encode(), "Line 1: the left commissioner date '2013'"),
        (ODS_ROW.replace('"A","B"', '"X","B"').encode(), "status"),
        (
            b"PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n",
            "registered-patients",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        (b'"unterminated\n' * 3, "expected 27 columns"),
    ],
)
def test_a_malformed_ods_file_is_refused_naming_the_line(data, message):
    with pytest.raises(FileRefused, match=message):
        parse_ods_practices(data)


HEADER = b"PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"CODE,PATIENTS\nA81001,5\n", "Line 1: the header"),
        (
            HEADER + b"GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE65 7UW,ALL,ALL,lots\n",
            "Line 2: the number of patients",
        ),
        (HEADER + b"GP_PRAC_PAT_LIST,2021-01-01,GP,00L,E38000130,A84002,NE65 7UW,ALL,ALL,5\n", "extract date"),
        (HEADER + b"GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE65 7UW,ALL,ALL,5\n" * 2, "appears twice"),
        (HEADER, "no practice rows"),
        (HEADER + b"GP_PRAC_PAT_LIST,01JAN2021,GP,00L\n", "expected 10 columns"),
    ],
)
def test_a_malformed_list_size_file_is_refused_naming_the_line(data, message):
    with pytest.raises(FileRefused, match=message):
        parse_list_sizes(data)


def test_a_huge_file_is_refused_before_parsing(monkeypatch):
    import tracker.organisations.files as files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    with pytest.raises(FileRefused, match="largest accepted"):
        parse_ods_practices((ODS_ROW + "\n").encode() * 3)

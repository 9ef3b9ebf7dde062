"""The feed rules applied to a few hand-made months; the mapping file is valid."""

import datetime as dt

from tracker.feeds.calculations import large_difference, load_config, quarter_values
from tracker.feeds.files import FeedFile


def _feed() -> FeedFile:
    april, may, june = dt.date(2018, 4, 30), dt.date(2018, 5, 31), dt.date(2018, 6, 30)
    feed = FeedFile("pomi", month_labels={april: "30APR2018", may: "31MAY2018", june: "30JUN2018"})
    feed.values = {
        ("A00001", april): {"Total_Pat_Enbld": "10", "patient_list_size": "100", "Sys_Appts_Enbld": "1"},
        ("A00001", june): {"Total_Pat_Enbld": "30", "patient_list_size": "120", "Sys_Appts_Enbld": "2"},
        ("A00002", may): {"Total_Pat_Enbld": "5", "patient_list_size": "50", "Sys_Appts_Enbld": "2"},
        ("A00003", june): {"Total_Pat_Enbld": "", "patient_list_size": "80", "Sys_Appts_Enbld": ""},
    }
    return feed


def test_the_last_month_of_the_quarter_in_the_file_gives_the_value():
    config = load_config()
    values, missing = quarter_values(_feed(), config.for_source("pomi")[:2])
    by = {(v.practice_code, v.indicator_code): v for v in values}
    assert by[("A00001", "PO_REG_PCT")].value == 25.0  # June: 30 of 120
    assert by[("A00001", "PO_REG_PCT")].detail == "POMI 30JUN2018: Total_Pat_Enbld 30 ÷ patient_list_size 120"
    assert by[("A00001", "PO_APPT_ENABLED")].value == 1.0
    assert ("A00002", "PO_REG_PCT") not in by  # closed before June: no value for the quarter
    assert missing["no PO_REG_PCT value: not in 30JUN2018, the quarter's last month in the file"] == 1
    assert missing["no PO_REG_PCT value: Total_Pat_Enbld or patient_list_size blank"] == 1
    assert {v.period_code for v in values} == {"2018/19-Q1"}


def test_the_mapping_file_names_catalogue_indicators():
    import tomllib
    from pathlib import Path

    catalogue = tomllib.loads((Path(__file__).parents[2] / "fixtures" / "indicators.toml").read_text())
    codes = {i["code"] for i in catalogue["indicator"]}
    assert load_config().indicators() <= codes


def test_a_large_difference_is_ten_points_or_a_different_yes_no():
    assert large_difference("percent", 40.0, 25.0, 10.0)
    assert not large_difference("percent", 30.0, 25.0, 10.0)
    assert large_difference("yesno", 0.0, 1.0, 10.0)
    assert not large_difference("yesno", 1.0, 1.0, 10.0)
    assert not large_difference("percent", None, 25.0, 10.0)

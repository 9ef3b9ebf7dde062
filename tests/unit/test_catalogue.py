import datetime as dt

import pytest

from tracker.indicators.catalogue import CatalogueError, load_catalogue, parse_catalogue


def test_the_catalogue_has_the_16_indicators_of_the_domain():
    specs = load_catalogue()
    assert len(specs) == 16
    codes = {s.code for s in specs}
    assert {
        "PO_REG_PCT",
        "EPS_LIVE",
        "GP2GP_UTIL_PCT",
        "ERS_UTIL_PCT",
        "LG_DIGITISED_PCT",
        "WIFI_LIVE",
        "OC_LIVE",
    } <= codes
    for s in specs:
        assert s.definition and s.provenance and s.weight > 0


def test_annual_targets_fall_due_every_31_march():
    igt = next(s for s in load_catalogue() if s.code == "IGT_L2")
    assert igt.target_date_for(dt.date(2015, 1, 1)) == dt.date(2015, 3, 31)
    assert igt.target_date_for(dt.date(2017, 5, 1)) == dt.date(2018, 3, 31)
    assert igt.target_date_for(dt.date(2018, 2, 1)) == dt.date(2018, 3, 31)


GOOD = """
[[indicator]]
code = "X_PCT"
name = "X"
theme = "Prescribing"
unit = "percent"
target_value = 50
target_date = 2018-03-31
provenance_kind = "local"
provenance = "Local"
weight = 1
definition = "X"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('unit = "percent"', 'unit = "furlongs"'), "unit must be one of"),
        (("target_value = 50", "target_value = 150"), "percentage target"),
        (('provenance_kind = "local"', 'provenance_kind = "made up"'), "national or local"),
        (("weight = 1", "weight = 0"), "weight"),
        (('code = "X_PCT"', 'code = "x pct"'), "upper-case"),
        (('definition = "X"\n', ""), "'definition' is missing"),
        (("target_date = 2018-03-31", 'target_date = "soon"'), "wrong type"),
        (("weight = 1", "weigth = 1"), "Indicator X_PCT: 'weigth' is not a field of an indicator"),
    ],
)
def test_a_wrong_catalogue_is_refused_naming_the_indicator_and_field(change, message):
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(GOOD.replace(*change))


def test_a_code_used_twice_is_refused():
    with pytest.raises(CatalogueError, match="used twice"):
        parse_catalogue(GOOD + GOOD)

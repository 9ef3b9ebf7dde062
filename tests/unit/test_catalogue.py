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


def test_each_period_is_defined_by_the_version_in_force_when_it_began():
    import dataclasses

    from tracker.indicators.calculations import Version, definitions_by_period, in_force

    spec = load_catalogue()[0]
    v1 = Version(1, dt.date(2014, 4, 1), dataclasses.replace(spec, target_value=10))
    v2 = Version(2, dt.date(2018, 4, 1), dataclasses.replace(spec, target_value=30))
    # A later file correcting from an earlier date wins from that date on.
    v3 = Version(3, dt.date(2016, 4, 1), dataclasses.replace(spec, target_value=20))
    assert in_force([v1, v2], dt.date(2014, 3, 31)) is None
    assert in_force([v1, v2], dt.date(2018, 3, 31)) == v1 and in_force([v1, v2], dt.date(2018, 4, 1)) == v2
    assert in_force([v1, v2, v3], dt.date(2019, 1, 1)) == v3
    periods = [(1, dt.date(2014, 1, 1)), (2, dt.date(2017, 4, 1)), (3, dt.date(2018, 4, 1))]
    current = dataclasses.replace(spec, target_value=99, sort_order=7)
    found = definitions_by_period([current], {spec.code: [v1, v2]}, periods)
    assert [found[p][0].target_value for p in (1, 2, 3)] == [99, 10, 30]  # before any version: today's
    assert {found[p][0].sort_order for p in (1, 2, 3)} == {7}

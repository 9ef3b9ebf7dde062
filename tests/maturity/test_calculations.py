"""The maturity arithmetic, with the hand-worked examples the README uses, and property tests."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.indicators.catalogue import IndicatorSpec
from tracker.maturity import calculations as calc
from tracker.maturity.calculations import AT_RISK, OFF_TRACK, ON_TRACK

D = dt.date


def spec(code="EPS_UTIL_PCT", unit="percent", target=80.0, date=D(2018, 3, 31), weight=1.0, annual=False):
    return IndicatorSpec(code, code, "Prescribing", unit, target, date, annual, "local", "", weight, "")


# --- Attainment and the index ------------------------------------------------------------


def test_attainment_worked_examples():
    assert calc.attainment("percent", 40, 80) == 0.5  # 40 / 80
    assert calc.attainment("percent", 120, 100) == 1.0  # capped at 1
    assert calc.attainment("percent", -5, 100) == 0.0
    assert calc.attainment("yesno", 1, 1) == 1.0
    assert calc.attainment("yesno", 0, 1) == 0.0
    assert calc.attainment("percent", None, 80) is None


def test_maturity_index_is_the_weighted_mean_of_reported_indicators():
    # A: 0.5 at weight 2, B: 1 at weight 1, C not reported: 100 x (2 x 0.5 + 1 x 1) / 3 = 66.67
    index = calc.maturity_index({"A": 0.5, "B": 1.0, "C": None}, {"A": 2, "B": 1, "C": 1})
    assert index == pytest.approx(66.667, abs=0.001)
    assert calc.maturity_index({"A": None}, {"A": 1}) is None


def test_levels_have_plain_names_and_documented_thresholds():
    assert [calc.level(m) for m in (0, 49.9, 50, 64.9, 65, 79.9, 80, 100)] == [1, 1, 2, 2, 3, 3, 4, 4]
    assert [calc.level_name(n) for n in (1, 2, 3, 4)] == ["Mostly paper", "Developing", "Mostly digital", "Paperless"]
    assert calc.level(None) is None and calc.level_name(None) == "Not scored"


# --- Trajectory and status -----------------------------------------------------------------


def test_expected_trajectory_is_a_straight_line_from_baseline_to_target():
    # Baseline 20% on 31 March 2016, target 80% on 31 March 2018: half way (365 of 730 days) is 50%.
    assert calc.expected_value(20, D(2016, 3, 31), 80, D(2018, 3, 31), D(2017, 3, 31)) == pytest.approx(50)
    assert calc.expected_value(20, D(2016, 3, 31), 80, D(2018, 3, 31), D(2016, 1, 1)) == 20  # before the baseline
    assert calc.expected_value(20, D(2016, 3, 31), 80, D(2018, 3, 31), D(2018, 6, 30)) == 80  # after the deadline
    assert calc.expected_value(90, D(2016, 3, 31), 80, D(2018, 3, 31), D(2017, 3, 31)) == 80  # already met


def test_percentage_status_against_the_trajectory():
    # Expected 50% on 31 March 2017 (above); target 80, so 5% of the target is 4 points, 15% is 12.
    args = (80, D(2018, 3, 31), D(2017, 3, 31), 20, D(2016, 3, 31))
    assert calc.indicator_status("percent", 47, *args) == ON_TRACK  # 3 points below: 3.75%
    assert calc.indicator_status("percent", 40, *args) == AT_RISK  # 10 points below: 12.5%
    assert calc.indicator_status("percent", 30, *args) == OFF_TRACK  # 20 points below: 25%
    assert calc.indicator_status("percent", 85, *args) == ON_TRACK  # target met
    assert calc.indicator_status("percent", None, *args) == ""


def test_after_the_deadline_a_missed_target_is_at_best_at_risk():
    after = (80, D(2018, 3, 31), D(2018, 6, 30), 20, D(2016, 3, 31))
    assert calc.indicator_status("percent", 79, *after) == AT_RISK  # 1.25% short
    assert calc.indicator_status("percent", 60, *after) == OFF_TRACK  # 25% short
    assert calc.indicator_status("percent", 80, *after) == ON_TRACK


def test_yes_no_status_by_time_left_to_the_deadline():
    deadline = D(2018, 3, 31)
    assert calc.indicator_status("yesno", 0, 1, deadline, D(2016, 12, 31)) == ON_TRACK  # 455 days left
    assert calc.indicator_status("yesno", 0, 1, deadline, D(2017, 6, 30)) == AT_RISK  # 274 days left
    assert calc.indicator_status("yesno", 0, 1, deadline, D(2018, 6, 30)) == OFF_TRACK  # deadline passed
    assert calc.indicator_status("yesno", 1, 1, deadline, D(2018, 6, 30)) == ON_TRACK


def test_overall_status_from_the_indicators():
    assert calc.overall_status(12, 2, 2) == ON_TRACK  # 12 of 16 on track (75%)
    assert calc.overall_status(8, 4, 4) == AT_RISK  # 4 of 16 off track is not more than a quarter
    assert calc.overall_status(8, 3, 5) == OFF_TRACK  # 5 of 16 off track
    assert calc.overall_status(0, 0, 0) == ""


def test_annual_targets_fall_due_every_31_march():
    igt = spec("IGT_L2", "yesno", 1, D(2015, 3, 31), annual=True)
    assert igt.target_date_for(D(2016, 6, 30)) == D(2017, 3, 31)
    assert igt.target_date_for(D(2017, 3, 31)) == D(2017, 3, 31)


def test_score_history_uses_the_first_approved_value_as_the_baseline():
    eps = spec(weight=2)
    wifi = spec("WIFI_LIVE", "yesno", 1, D(2017, 12, 31))
    periods = [(1, D(2016, 3, 31)), (2, D(2016, 6, 30)), (3, D(2016, 9, 30)), (4, D(2017, 3, 31))]
    values = {1: {"EPS_UTIL_PCT": 20, "WIFI_LIVE": 0}, 2: {"EPS_UTIL_PCT": 30, "WIFI_LIVE": 1}, 4: {"EPS_UTIL_PCT": 40}}
    history = calc.score_history([eps, wifi], periods, values)
    _first, second, missing, last = history
    # 2016/17 Q1: EPS 30/80 = 0.375 (weight 2), Wi-Fi yes = 1 (weight 1): 100 x 1.75 / 3 = 58.33
    assert second.maturity == pytest.approx(58.333, abs=0.001)
    assert second.level == 2
    assert missing.maturity is None and missing.status == ""  # no approved return that quarter
    # 31 March 2017: expected 20 + 60 x 365/730 = 50; 40 is 10 points (12.5% of 80) behind: at risk.
    eps_last = last.indicators[0]
    assert eps_last.expected == pytest.approx(50)
    assert eps_last.status == AT_RISK
    assert (last.on_track, last.at_risk, last.off_track, last.scored) == (0, 1, 0, 1)


# --- Forecasts -----------------------------------------------------------------------------


def straight_line(values, start=D(2014, 3, 31)):
    return [(start + dt.timedelta(days=round(365.25 * i)), v) for i, v in enumerate(values)]


def test_forecast_of_a_straight_line():
    # 10, 20, 30, 40 a year apart: 10 points a year, so 80% is reached 7 years after the start.
    fc = calc.forecast(straight_line([10, 20, 30, 40]), 60, D(2018, 3, 31), D(2017, 3, 31))
    assert fc.slope_per_year == pytest.approx(10, abs=0.01)
    assert fc.at_deadline == pytest.approx(50, abs=0.1)
    assert abs((fc.met_on - D(2019, 3, 31)).days) <= 2
    assert not fc.met_by_deadline
    assert fc.verdict == "Not by the deadline on this trend"
    assert fc.chance < 0.05 and fc.sureness == "Unlikely"


def test_forecast_meeting_the_target_in_time():
    fc = calc.forecast(straight_line([10, 20, 30, 40]), 45, D(2018, 3, 31), D(2017, 3, 31))
    assert fc.met_by_deadline and fc.verdict.startswith("Met by September 2017")
    assert fc.chance > 0.95 and fc.sureness == "Likely"


def test_too_few_points_or_target_met():
    assert calc.forecast(straight_line([10, 20]), 45, D(2018, 3, 31), D(2015, 3, 31)).chance is None
    met = calc.forecast(straight_line([10, 50]), 45, D(2018, 3, 31), D(2015, 3, 31))
    assert met.verdict == "Target met" and met.chance == 1.0


def test_fewer_points_give_a_wider_range():
    few = calc.forecast(straight_line([10, 24, 26]), 90, D(2019, 3, 31), D(2016, 3, 31))
    many = calc.forecast(straight_line([10, 24, 26, 40, 44, 56, 60, 72]), 90, D(2022, 3, 31), D(2021, 3, 31))
    assert (few.high - few.low) > (many.high - many.low)


# --- Aggregates ----------------------------------------------------------------------------


def test_population_weighted_mean():
    # 60 for 1,000 patients and 80 for 3,000: (60,000 + 240,000) / 4,000 = 75
    assert calc.weighted_mean([(60, 1000), (80, 3000), (None, 5000)]) == 75
    assert calc.weighted_mean([(60, None), (80, None)]) == 70  # no list sizes: a plain mean


def test_deciles_and_where_a_value_falls():
    cuts = calc.deciles(range(1, 12))  # 1..11: the 10th percentile is the 2nd value, and so on
    assert cuts == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert calc.decile_of(1, cuts) == 1 and calc.decile_of(5.5, cuts) == 5 and calc.decile_of(11, cuts) == 10
    assert calc.deciles([]) is None


def test_aggregate_completeness_and_timeliness():
    rows = [
        calc.PracticeFacts(70, ON_TRACK, 1000, True, True, True),
        calc.PracticeFacts(50, OFF_TRACK, 3000, True, True, False),  # late
        calc.PracticeFacts(None, "", 2000, True, False, False),  # no return
        calc.PracticeFacts(None, "", None, False, False, False),  # not expected (closed)
    ]
    a = calc.aggregate(rows)
    assert (a.practices, a.scored, a.submitted, a.on_time) == (3, 2, 2, 1)
    assert a.maturity == 55  # (70 x 1000 + 50 x 3000) / 4000
    assert a.share_on_track == 50
    assert a.completeness == pytest.approx(66.667, abs=0.001)
    assert a.timeliness == pytest.approx(33.333, abs=0.001)


# --- Properties ------------------------------------------------------------------------------

attainments = st.dictionaries(st.sampled_from(list("ABCDEFGH")), st.one_of(st.none(), st.floats(0, 1)), min_size=1)
weights = st.dictionaries(st.sampled_from(list("ABCDEFGH")), st.floats(0.1, 10), min_size=8, max_size=8)


@given(attainments, weights)
def test_the_index_stays_within_0_and_100(a, w):
    index = calc.maturity_index(a, w)
    assert index is None or 0 <= index <= 100


@given(
    st.sampled_from(["percent", "yesno"]),
    st.floats(0, 150),
    st.floats(0, 150),
    st.floats(1, 100),
)
def test_a_better_value_never_lowers_attainment(unit, value, better_by, target):
    assert calc.attainment(unit, value + better_by, target) >= calc.attainment(unit, value, target)


@given(attainments, weights, st.sampled_from(list("ABCDEFGH")), st.floats(0, 1))
def test_a_better_value_never_lowers_the_index(a, w, code, gain):
    before = calc.maturity_index(a, w)
    improved = dict(a)
    if improved.get(code) is None:
        return
    improved[code] = min(1.0, improved[code] + gain)
    assert calc.maturity_index(improved, w) >= before - 1e-9


@given(
    st.one_of(st.none(), st.floats(0, 100)),
    st.sampled_from(["on_track", "at_risk", "off_track", ""]),
    st.one_of(st.none(), st.integers(1, 100_000)),
    st.booleans(),
    st.booleans(),
)
def test_an_aggregate_of_one_practice_is_that_practice(maturity, status, patients, submitted, on_time):
    a = calc.aggregate([calc.PracticeFacts(maturity, status, patients, True, submitted, on_time and submitted)])
    assert a.maturity == (None if maturity is None else pytest.approx(maturity))
    assert a.deciles == (None if maturity is None else [pytest.approx(maturity)] * 9)
    assert a.share_on_track == (None if not status else (100.0 if status == ON_TRACK else 0.0))
    assert a.completeness == (100.0 if submitted else 0.0)


@given(st.lists(st.floats(0, 100), min_size=1, max_size=50))
def test_deciles_are_ordered_and_within_the_values(values):
    cuts = calc.deciles(values)
    assert cuts == sorted(cuts)
    assert min(values) <= cuts[0] and cuts[-1] <= max(values)


def test_a_period_is_scored_only_when_its_rows_count_every_expected_practice() -> None:
    # Period 1 complete; 2 holds only the first practice to save; 3 has no rows; 4 expects nobody.
    expected = {1: 3, 2: 3, 3: 2, 4: 0}
    assert calc.unscored_periods(expected, {1: 3, 2: 1}) == [2, 3]
    # Stale rows (a practice closed by a newer ODS file) are as unscored as missing ones.
    assert calc.unscored_periods({1: 2}, {1: 3}) == [1]

"""Alerts from a hand-made history: exactly the expected ones, and properties of the detectors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.alerts import detect
from tracker.alerts.detect import Alert, History, Kind, Measure

PERIODS = tuple(f"{y}/{str(y + 1)[2:]} Q{q}" for y in (2015, 2016, 2017) for q in (1, 2, 3, 4))
FLAT_CUTS = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]  # a value's percentile is the value
ONLINE = Measure("PO_REG_PCT", "share of patients registered for online services", "percent")

STEADY = History("A81001", "The Densham Surgery", tuple(30.0 + 3 * i for i in range(12)))
STEP = History("A81002", "Queens Park Medical Centre", (20, 21, 19, 20, 21, 20, 19, 21, 20, 5, 4, 5))
NOISY = History("A81004", "Bluebell Medical Centre", (50, 56, 45, 52, 47, 55, 44, 53, 48, 56, 45, 51))


def _key(a: Alert) -> tuple[str, str, str, str, float, float]:
    return (a.kind, a.org_code, a.from_period, a.to_period, a.from_value, a.to_value)


def test_the_hand_made_history_gives_exactly_the_expected_alerts() -> None:
    alerts = detect.detect(ONLINE, PERIODS, [STEADY, STEP, NOISY], [FLAT_CUTS] * 12)
    assert [_key(a) for a in alerts] == [
        # The step took A81002 below the 10th percentile: it was at 20 three quarters before.
        (Kind.INTO_WORST, "A81002", "2017/18 Q1", "2017/18 Q4", 20, 5),
        # Steady: found from the quarter after its first year, as one change, not one per alarm.
        (Kind.IMPROVING, "A81001", "2015/16 Q4", "2017/18 Q4", 39, 63),
        # The step: from the quarter before it.
        (Kind.DECLINING, "A81002", "2017/18 Q1", "2017/18 Q4", 20, 5),
    ]
    into, steady, step = alerts
    assert into.threshold == 10 and into.to_percentile == 5
    assert not steady.sudden and steady.rose
    assert step.sudden and not step.rose


def test_lower_is_better_turns_the_worst_tenth_and_the_verdict_round() -> None:
    waits = Measure("WAIT_DAYS", "days to a routine appointment", "count", higher_is_better=False)
    alerts = detect.detect(waits, PERIODS, [STEADY, STEP, NOISY], [FLAT_CUTS] * 12)
    assert [(a.kind, a.org_code) for a in alerts] == [(Kind.IMPROVING, "A81002"), (Kind.DECLINING, "A81001")]


def test_moving_out_of_the_worst_tenth() -> None:
    recovering = History("B1", "Recovering", (5, 5, 6, 5, 6, 5, 6, 5, 6, 7, 12, 13))
    [alert] = detect.decile_moves(ONLINE, PERIODS, [recovering], [FLAT_CUTS] * 12)
    assert (alert.kind, alert.from_value, alert.to_value) == (Kind.OUT_OF_WORST, 6, 13)


def test_one_quarter_across_the_line_is_not_a_move() -> None:
    wobbling = History("B2", "On the line", (11, 12, 11, 12, 11, 12, 11, 12, 11, 12, 11, 9))
    assert detect.decile_moves(ONLINE, PERIODS, [wobbling], [FLAT_CUTS] * 12) == []


def test_a_national_rise_is_not_a_practice_s_improvement() -> None:
    """Everyone rises 4 points a quarter: a practice keeping its place has not changed."""
    cuts = [[c + 4 * i for c in FLAT_CUTS] for i in range(12)]
    keeping_up = History("C1", "Keeping up", tuple(55.0 + 4 * i + (1 if i % 2 else -1) for i in range(12)))
    assert detect.detect(ONLINE, PERIODS, [keeping_up], cuts) == []


def test_gaps_and_missing_deciles_are_skipped_not_guessed() -> None:
    gappy = History("D1", "Gappy", (None, 30, None, 33, 36, 39, None, 45, 48, 51, 54, 57))
    alerts = detect.detect(ONLINE, PERIODS, [gappy], [FLAT_CUTS] * 11 + [None])
    assert alerts == []  # no deciles for the latest period: nothing can be said about it
    with pytest.raises(ValueError, match="one entry per period"):
        detect.detect(ONLINE, PERIODS, [gappy], [FLAT_CUTS] * 11)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(10.0, 10.0), (15.0, 15.0), (0.0, 0.0), (95.0, 95.0), (200.0, 100.0), (-50.0, 0.0)],
)
def test_percentile_from_the_deciles(value: float, expected: float) -> None:
    assert detect.percentile(value, FLAT_CUTS) == pytest.approx(expected)


def test_tied_cut_points_give_the_middle_of_the_tie() -> None:
    """Before a service starts, most practices are at 0: a practice at 0 is mid-way in that crowd."""
    cuts = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 10.0, 20.0]
    assert detect.percentile(0.0, cuts) == 35.0
    assert not detect.in_worst_tenth(0.0, cuts, higher_is_better=True)


# --- Properties ---------------------------------------------------------------------------------

# Whole numbers (as real practices' percentages mostly are) keep the shifted comparisons exact.
values = st.integers(min_value=0, max_value=100).map(float)
series = st.lists(st.one_of(st.none(), values), min_size=12, max_size=12)


@settings(max_examples=150, deadline=None)
@given(series)
def test_a_constant_series_never_alarms_and_any_series_alarms_in_order(raw: list[float | None]) -> None:
    assert detect.cusum_alarms([42.0] * 12) == []
    alarms = detect.cusum_alarms(raw)
    assert [a.at for a in alarms] == sorted({a.at for a in alarms})
    assert all(a.start < a.at for a in alarms)


@settings(max_examples=150, deadline=None)
@given(st.lists(values, min_size=12, max_size=12), st.integers(min_value=-30, max_value=30))
def test_shifting_everyone_together_changes_nothing(raw: list[float], shift: int) -> None:
    """Alerts read a practice against everyone that period: moving the practice and the national
    deciles by the same amount leaves its alerts as they were."""
    h = History("E1", "Shifted", tuple(raw))
    moved = History("E1", "Shifted", tuple(v + shift for v in raw))
    cuts = [[c + shift for c in FLAT_CUTS]] * 12
    before = [(a.kind, a.from_period, a.to_period) for a in detect.detect(ONLINE, PERIODS, [h], [FLAT_CUTS] * 12)]
    after = [(a.kind, a.from_period, a.to_period) for a in detect.detect(ONLINE, PERIODS, [moved], cuts)]
    assert before == after


def test_a_series_back_exactly_at_its_old_level_has_no_sustained_change_either_way() -> None:
    """A rise and fall that ends exactly where it began is no change, whether the measure is read
    upwards or mirrored (it once counted as a change only when mirrored)."""
    raw = [52.0, 52.0, 52.0, 52.0, 50.0, 51.0, 30.0, 71.0, 62.0, 52.0, 71.0, 52.0]
    mirrored_cuts = [list(reversed([100 - c for c in FLAT_CUTS]))] * 12
    lower = Measure("X", "mirrored", "percent", higher_is_better=False)
    up = detect.sustained_changes(ONLINE, PERIODS, [History("F1", "F", tuple(raw))], [FLAT_CUTS] * 12)
    down = detect.sustained_changes(lower, PERIODS, [History("F1", "F", tuple(100 - v for v in raw))], mirrored_cuts)
    assert up == down == []


@settings(max_examples=150, deadline=None)
@given(st.lists(values, min_size=12, max_size=12))
def test_turning_a_series_upside_down_swaps_the_directions(raw: list[float]) -> None:
    """Mirror the values (100 - v) and the deciles: every improvement becomes a decline and every
    move into the worst tenth stays one (of the mirrored measure, where lower is better)."""
    up = detect.detect(ONLINE, PERIODS, [History("F1", "F", tuple(raw))], [FLAT_CUTS] * 12)
    mirrored_cuts = [list(reversed([100 - c for c in FLAT_CUTS]))] * 12
    lower = Measure("X", "mirrored", "percent", higher_is_better=False)
    down = detect.detect(lower, PERIODS, [History("F1", "F", tuple(100 - v for v in raw))], mirrored_cuts)
    assert sorted((a.kind, a.from_period) for a in up) == sorted((a.kind, a.from_period) for a in down)

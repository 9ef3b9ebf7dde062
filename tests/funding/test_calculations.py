"""The funding arithmetic: worked by hand, then properties (money conserved, order irrelevant)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.funding.calculations import (
    CcgPosition,
    FundingError,
    ReallocationPolicy,
    TransitionRequest,
    difference_in_change,
    fair_share,
    largest_remainder,
    parse_pounds,
    per_point_gained,
    pounds_text,
    reallocate,
    transition_awards,
)


def test_small_allocation_worked_by_hand() -> None:
    # £100 between three CCGs of 1, 1 and 1 patients: 3333.33p each; the spare penny goes to the
    # first code in order (all remainders equal).
    assert fair_share(10_000, {"00C": 1, "00B": 1, "00A": 1}) == {"00A": 3334, "00B": 3333, "00C": 3333}
    # £1,000 by 5,000 / 3,000 / 2,000 patients: exactly 50% / 30% / 20%.
    assert fair_share(100_000, {"A": 5000, "B": 3000, "C": 2000}) == {"A": 50_000, "B": 30_000, "C": 20_000}
    # 10p between 3, 3, 1 patients: quotas 4.2857, 4.2857, 1.4286 -> floors 4, 4, 1 (9p); the
    # largest remainder (C, .4286 vs .2857) takes the last penny.
    assert fair_share(10, {"A": 3, "B": 3, "C": 1}) == {"A": 4, "B": 4, "C": 2}


def test_weighting_changes_shares() -> None:
    # B's patients count double: 1,000 vs 2,000 weighted patients.
    assert fair_share(3_000, {"A": 1000, "B": 1000}, {"B": 2.0}) == {"A": 1000, "B": 2000}


@pytest.mark.parametrize(
    ("pot", "patients", "weights", "message"),
    [
        (-1, {"A": 1}, None, "negative"),
        (100, {}, None, "no registered patients"),
        (100, {"A": 0}, None, "no registered patients"),
        (100, {"A": 5}, {"ZZZ": 1.0}, "ZZZ"),
        (100, {"A": 5}, {"A": -1.0}, "negative"),
    ],
)
def test_fair_share_refusals(
    pot: int, patients: dict[str, int], weights: dict[str, float] | None, message: str
) -> None:
    with pytest.raises(FundingError, match=message):
        fair_share(pot, patients, weights)


def test_parse_pounds() -> None:
    assert parse_pounds("140000000") == 14_000_000_000
    assert parse_pounds("£140,000,000") == 14_000_000_000
    assert parse_pounds(" £2.60 ") == 260
    assert pounds_text(14_000_000_001) == "140000000.01"
    assert pounds_text(-5) == "-0.05"
    for bad in ("-5", "£-5", "ten", "1.234", ""):
        with pytest.raises(FundingError):
            parse_pounds(bad)
    with pytest.raises(FundingError, match="more than"):
        parse_pounds("0", allow_zero=False)


def test_transition_full_when_fund_covers_requests() -> None:
    requests = [
        TransitionRequest("A", committed_pence=1_500, fair_share_pence=1_000, requested_pence=400),
        TransitionRequest("B", committed_pence=900, fair_share_pence=1_000, requested_pence=300),  # not eligible
        TransitionRequest("C", committed_pence=2_000, fair_share_pence=1_000, requested_pence=5_000),  # capped
    ]
    assert transition_awards(10_000, requests) == {"A": 400, "B": 0, "C": 1_000}


def test_transition_scaled_pro_rata_and_tapered() -> None:
    requests = [
        TransitionRequest("A", 3_000, 1_000, 2_000),
        TransitionRequest("B", 2_000, 1_000, 1_000),
    ]
    # 3,000 wanted, 1,500 available: each gets half.
    assert transition_awards(1_500, requests) == {"A": 1_000, "B": 500}
    # Year two with a 50% taper: caps 1,000 and 500, fits in 2,000.
    assert transition_awards(2_000, requests, year=2, taper_pct=50) == {"A": 1_000, "B": 500}
    with pytest.raises(FundingError):
        transition_awards(100, requests, taper_pct=150)


def test_reallocation_by_hand() -> None:
    policy = ReallocationPolicy(threshold_pct=10, recover_pct=100, recipients="pressure")
    positions = [
        # budget 1,000, forecast 700: underspend 300, allowed 100, recovered 200.
        CcgPosition("A", 1_000, 700, patients=100),
        # under threshold: untouched.
        CcgPosition("B", 1_000, 950, patients=100),
        # pressure: receive by patients 3:1.
        CcgPosition("C", 1_000, 1_200, patients=300),
        CcgPosition("D", 1_000, 1_100, patients=100),
        CcgPosition("E", 1_000, None, patients=500),  # no forecast: neither gives nor receives
    ]
    assert reallocate(positions, policy) == {"A": -200, "B": 0, "C": 150, "D": 50, "E": 0}


def test_reallocation_without_recipients_moves_nothing() -> None:
    policy = ReallocationPolicy(threshold_pct=0, recipients="bids")
    assert reallocate([CcgPosition("A", 1_000, 0, 10)], policy) == {"A": 0}


def test_difference_in_change_and_pounds_per_point() -> None:
    c = difference_in_change([10.0, 20.0], [5.0, None, 7.0])
    assert c.funded_change == 15.0 and c.comparison_change == 6.0 and c.comparison_n == 2
    assert c.difference == 9.0


def test_per_point_gained_only_when_funded_practices_improved_more() -> None:
    gained = per_point_gained(100_000, [4.0])
    assert (gained.pounds, gained.text) == (250.0, "£250")
    assert per_point_gained(300_000, [2.0, 4.0]).text == "£500"  # £3,000 over 6 points beyond their peers
    assert per_point_gained(123_456_700, [1.0]).text == "£1,234,567"


@pytest.mark.parametrize(
    ("differences", "text"),
    [
        ([-0.4], "No gain seen: funded practices improved 0.4 points less than similar unfunded ones"),
        ([-1.0, 0.2], "No gain seen: funded practices improved 0.4 points less than similar unfunded ones"),
        ([0.0], "No gain seen: funded practices improved as much as similar unfunded ones"),
        ([0.04], "No gain seen: funded practices improved as much as similar unfunded ones"),  # shown as 0.0
        ([-0.04], "No gain seen: funded practices improved as much as similar unfunded ones"),
        ([], "No comparison: too few similar unfunded practices"),
    ],
)
def test_no_price_per_point_without_a_gain(differences: list[float], text: str) -> None:
    result = per_point_gained(57_000, differences)
    assert result.pounds is None and result.text == text
    assert "£" not in result.text


def test_per_point_names_the_subject() -> None:
    assert per_point_gained(1, [-2.0], subject="this practice").text == (
        "No gain seen: this practice improved 2.0 points less than similar unfunded ones"
    )


# --- Properties ---------------------------------------------------------------------------------

codes = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTVWXYZ", min_size=3, max_size=3)
populations = st.dictionaries(codes, st.integers(min_value=0, max_value=2_000_000), min_size=1, max_size=40).filter(
    lambda d: sum(d.values()) > 0
)


@settings(deadline=None)  # no timing assertions: the machine may be busy
@given(pot=st.integers(min_value=0, max_value=10**12), patients=populations, data=st.data())
def test_allocation_conserves_money_and_ignores_order(pot: int, patients: dict[str, int], data: st.DataObject) -> None:
    shares = fair_share(pot, patients)
    assert sum(shares.values()) == pot
    total = sum(patients.values())
    for code, amount in shares.items():
        assert abs(Fraction(amount) - Fraction(pot * patients[code], total)) < 1
    shuffled = dict(data.draw(st.permutations(list(patients.items()))))
    assert fair_share(pot, shuffled) == shares


@settings(deadline=None)  # no timing assertions: the machine may be busy
@given(
    total=st.integers(min_value=0, max_value=10**9),
    shares=st.dictionaries(codes, st.fractions(min_value=0, max_value=1000), min_size=1, max_size=20).filter(
        lambda d: sum(d.values()) > 0
    ),
)
def test_largest_remainder_sums_exactly(total: int, shares: dict[str, Fraction]) -> None:
    assert sum(largest_remainder(total, shares).values()) == total


positions = st.lists(
    st.builds(
        CcgPosition,
        ccg_code=codes,
        budget_pence=st.integers(min_value=0, max_value=10**10),
        forecast_pence=st.one_of(st.none(), st.integers(min_value=0, max_value=2 * 10**10)),
        patients=st.integers(min_value=0, max_value=10**6),
        approved_bid=st.booleans(),
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda p: p.ccg_code,
)
policies = st.builds(
    ReallocationPolicy,
    threshold_pct=st.floats(min_value=0, max_value=100),
    recover_pct=st.floats(min_value=0, max_value=100),
    recipients=st.sampled_from(["pressure", "bids", "pressure_or_bids"]),
)


@settings(deadline=None)  # no timing assertions: the machine may be busy
@given(positions=positions, policy=policies, data=st.data())
def test_reallocation_conserves_money_and_ignores_order(
    positions: list[CcgPosition], policy: ReallocationPolicy, data: st.DataObject
) -> None:
    result = reallocate(positions, policy)
    assert sum(result.values()) == 0
    for p in positions:
        # Nobody loses more than their forecast underspend.
        assert -result[p.ccg_code] <= max(0, p.underspend_pence)
    assert reallocate(data.draw(st.permutations(positions)), policy) == result


@settings(deadline=None)  # no timing assertions: the machine may be busy
@given(
    available=st.integers(min_value=0, max_value=10**9),
    asks=st.lists(
        st.tuples(codes, st.integers(0, 10**8), st.integers(0, 10**8), st.integers(0, 10**8)),
        min_size=1,
        max_size=20,
        unique_by=lambda t: t[0],
    ),
    year=st.integers(1, 2),
)
def test_transition_never_exceeds_fund_or_request(
    available: int, asks: list[tuple[str, int, int, int]], year: int
) -> None:
    requests = [TransitionRequest(*a) for a in asks]
    awards = transition_awards(available, requests, year=year)
    assert sum(awards.values()) <= available
    for r in requests:
        assert 0 <= awards[r.ccg_code] <= min(r.requested_pence, r.excess_pence)
    assert transition_awards(available, list(reversed(requests)), year=year) == awards

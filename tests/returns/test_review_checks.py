"""The review queue's validation rules, pure: range, comment, history and peer outliers."""

from __future__ import annotations

import math

from tracker.returns import review_checks as rc


def seen(**kw: object) -> rc.Seen:
    base: dict[str, object] = {"code": "SCR_PCT", "name": "Patients with a Summary Care Record", "unit": "percent"}
    return rc.Seen(**(base | kw))  # type: ignore[arg-type]


def test_values_outside_the_unit_s_range_are_flagged() -> None:
    assert [rc.out_of_range("percent", v) for v in (-0.1, 0, 100, 100.1)] == [True, False, False, True]
    assert [rc.out_of_range("yesno", v) for v in (0, 1, 0.5, 2)] == [False, False, True, True]
    assert [rc.out_of_range("count", v) for v in (-1, 0, 12)] == [True, False, False]
    assert rc.out_of_range("percent", math.nan)
    [flag] = rc.check(seen(value=120.0, previous=10.0, history=(10.0,)))
    assert flag.rule == rc.RANGE
    assert flag.message == "Patients with a Summary Care Record: 120% is outside the allowed 0% to 100%."


def test_a_fall_of_more_than_20_points_or_yes_to_no_needs_a_comment() -> None:
    assert rc.needs_comment("percent", 59.0, 80.0) and not rc.needs_comment("percent", 60.0, 80.0)
    assert rc.needs_comment("yesno", 0.0, 1.0) and not rc.needs_comment("yesno", 1.0, 0.0)
    assert not rc.needs_comment("percent", 10.0, None)
    [flag] = rc.check(seen(value=50.0, previous=80.0))
    assert (flag.rule, flag.message) == (
        rc.COMMENT,
        "Patients with a Summary Care Record: 80% last period, 50% now, and the practice gave no comment.",
    )
    assert rc.check(seen(value=50.0, previous=80.0, comment="Records moved to a new system")) == []


def test_a_move_of_more_than_n_points_from_the_last_approved_value_is_unlike_its_history() -> None:
    assert rc.history_outlier(81.0, [40.0, 45.0, 50.0]) == "move"
    assert rc.history_outlier(80.0, [20.0, 35.0, 50.0]) is None  # 30 points exactly is not more; z is 3.0
    assert rc.history_outlier(10.0, []) is None
    [flag] = rc.check(seen(value=90.0, history=(50.0,)))
    assert flag.message == "Patients with a Summary Care Record: 90% is more than 30 points from its last approved 50%."


def test_a_z_score_above_3_against_the_last_4_approved_values_is_unlike_its_history() -> None:
    history = [50.0, 52.0, 50.0, 52.0]
    assert round(rc.z_score(60.0, history) or 0, 2) == 7.79
    assert rc.history_outlier(60.0, history) == "z"
    assert rc.history_outlier(53.0, history) is None  # z is 1.7
    # A steady history: z is large, but 2 points from its mean is not worth a look.
    assert rc.history_outlier(53.0, [51.0, 51.0, 51.0, 51.2]) is None
    assert rc.z_score(3.0, [5.0, 5.0]) is None and rc.z_score(3.0, [5.0]) is None
    # Only the last 4 count: an old outlier no longer widens the spread.
    assert rc.history_outlier(60.0, [0.0, *history]) == "z"


def test_percentiles_interpolate_like_a_spreadsheet() -> None:
    values = [float(v) for v in range(1, 11)]
    assert rc.percentile(values, 5) == 1.45 and rc.percentile(values, 95) == 9.55
    assert rc.percentile([7.0], 95) == 7.0


def test_beyond_the_5th_or_95th_percentile_of_enough_peers_is_unlike_other_practices() -> None:
    peers = [float(v) for v in range(40, 60)]  # 20 practices, 40-59
    assert rc.peer_outlier(20.0, peers) == ("low", 40.95)
    assert rc.peer_outlier(70.0, peers) == ("high", 58.05)
    assert rc.peer_outlier(50.0, peers) is None
    assert rc.peer_outlier(0.0, peers[:9]) is None  # fewer than 10 peers: nothing to say
    [flag] = rc.check(seen(value=20.0, ccg_peers=tuple(peers), national_peers=tuple(peers)))
    assert flag.rule == rc.PEERS  # the CCG's peers said it: England's would say it again
    assert flag.message == (
        "Patients with a Summary Care Record: 20% is lower than 95% of practices in the CCG (5th percentile 40.95%)."
    )
    [flag] = rc.check(seen(value=20.0, national_peers=tuple(peers)))
    assert "practices in England" in flag.message


def test_yes_no_answers_are_checked_for_range_and_comment_only() -> None:
    wifi = {"code": "WIFI_LIVE", "name": "NHS Wi-Fi for patients and staff", "unit": "yesno"}
    yes = tuple([1.0] * 20)
    assert rc.check(seen(**wifi, value=0.0, previous=0.0, history=(1.0, 1.0, 1.0), national_peers=yes)) == []
    [flag] = rc.check(seen(**wifi, value=0.0, previous=1.0))
    assert (
        flag.message == "NHS Wi-Fi for patients and staff: yes last period, no now, and the practice gave no comment."
    )


def test_the_summary_counts_flags_by_rule_in_a_fixed_order() -> None:
    flags = [
        rc.Flag("A", rc.PEERS, ""),
        rc.Flag("B", rc.COMMENT, ""),
        rc.Flag("C", rc.PEERS, ""),
        rc.Flag("C", rc.FEED, ""),
    ]
    assert rc.summary(flags) == [
        ("Comment needed", 1),
        ("Unlike other practices", 2),
        ("Differs from national feed", 1),
    ]
    assert rc.check(seen(value=None)) == []


def test_england_s_cut_points_may_be_given_ready_made() -> None:
    [flag] = rc.check(seen(value=20.0, national_cuts=(40.0, 60.0)))
    assert flag.message.endswith("is lower than 95% of practices in England (5th percentile 40%).")
    assert rc.check(seen(value=50.0, national_cuts=(40.0, 60.0))) == []

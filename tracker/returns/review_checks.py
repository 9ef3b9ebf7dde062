"""Validation rules for the review queue, in the manner of DHIS2's validation and outlier rules:
each a pure function of a value and what it is compared with, so the queue, a test or a future
report applies the same rule. A rule raises a flag for the reviewer to look at; it never refuses a
return (the practice may be right: a practice that digitised its records in one quarter did)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.returns.calculations import FALL_WARNING_POINTS

RANGE = "range"
HISTORY = "history"
PEERS = "peers"
COMMENT = "comment"
FEED = "feed"

# The order flags are listed in, and the words of the queue's summary.
RULE_LABELS = {
    RANGE: "Outside the allowed range",
    COMMENT: "Comment needed",
    HISTORY: "Unlike its own history",
    PEERS: "Unlike other practices",
    FEED: "Differs from national feed",
}


@dataclass(frozen=True)
class Limits:
    """The thresholds, in one place. Defaults: a move of more than 30 points from the last approved
    value, or a z-score above 3 against the last 4 approved values (and more than 5 points from
    their mean); beyond the 5th or 95th
    percentile of at least 10 peers; a fall of more than 20 points (or yes to no) needs a comment,
    as on the form."""

    move_points: float = 30.0
    z_score: float = 3.0
    z_min_points: float = 5.0  # a steady history has a tiny spread: a move of a point is not news
    history_count: int = 4
    low_percentile: float = 5.0
    high_percentile: float = 95.0
    min_peers: int = 10
    fall_points: float = FALL_WARNING_POINTS


LIMITS = Limits()


@dataclass(frozen=True)
class Flag:
    indicator: str  # the indicator's code: for grouping, never shown
    rule: str
    message: str  # a sentence naming the indicator by its name


def _fmt(unit: str, value: float) -> str:
    if unit == "yesno":
        return "yes" if value >= 0.5 else "no"
    return f"{value:g}%" if unit == "percent" else f"{value:g}"


def out_of_range(unit: str, value: float) -> bool:
    """A percentage outside 0-100, a yes/no that is neither 1 nor 0, a negative count (values
    reach the database by the form, the workbook and the API; old loads were checked less)."""
    if math.isnan(value) or math.isinf(value):
        return True
    if unit == "percent":
        return not 0.0 <= value <= 100.0
    if unit == "yesno":
        return value not in (0.0, 1.0)
    return value < 0.0


def needs_comment(unit: str, value: float, previous: float | None, limits: Limits = LIMITS) -> bool:
    """The form's rule: a yes turned to no, or a fall of more than 20 points since last period."""
    if previous is None:
        return False
    if unit == "yesno":
        return previous >= 0.5 and value < 0.5
    return previous - value > limits.fall_points


def z_score(value: float, history: Sequence[float]) -> float | None:
    """How many standard deviations (of the sample) the value is from the history's mean; None
    with fewer than 2 values or none that differ."""
    if len(history) < 2:
        return None
    mean = sum(history) / len(history)
    sd = math.sqrt(sum((h - mean) ** 2 for h in history) / (len(history) - 1))
    if sd == 0:
        return None
    return (value - mean) / sd


def history_outlier(value: float, history: Sequence[float], limits: Limits = LIMITS) -> str | None:
    """'move' when the value is more than `move_points` from the last approved one, 'z' when its
    z-score against the last `history_count` approved values (oldest first) is beyond the limit."""
    recent = list(history)[-limits.history_count :]
    if not recent:
        return None
    if abs(value - recent[-1]) > limits.move_points:
        return "move"
    z = z_score(value, recent)
    mean = sum(recent) / len(recent)
    if z is not None and abs(z) > limits.z_score and abs(value - mean) > limits.z_min_points:
        return "z"
    return None


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between the closest ranks (as
    spreadsheets' PERCENTILE.INC). `values` must not be empty."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def cuts(peers: Sequence[float], limits: Limits = LIMITS) -> tuple[float, float] | None:
    """The 5th and 95th percentiles of the peers; None with too few peers to say."""
    if len(peers) < limits.min_peers:
        return None
    return percentile(peers, limits.low_percentile), percentile(peers, limits.high_percentile)


def peer_outlier(
    value: float, peers: Sequence[float], limits: Limits = LIMITS, given: tuple[float, float] | None = None
) -> tuple[str, float] | None:
    """('low', the 5th percentile) or ('high', the 95th) when the value lies beyond it; None within,
    or with too few peers to say. `given`: the cut points, already worked out from many peers."""
    found = given if given is not None else cuts(peers, limits)
    if found is None:
        return None
    low, high = found
    if value < low:
        return ("low", low)
    if value > high:
        return ("high", high)
    return None


@dataclass(frozen=True)
class Seen:
    """One indicator of one return, with all it is compared with."""

    code: str
    name: str
    unit: str
    value: float | None
    comment: str = ""
    previous: float | None = None  # last period's value
    history: tuple[float, ...] = ()  # the practice's approved values before this period, oldest first
    ccg_peers: tuple[float, ...] = ()  # the other practices of the CCG, this period
    national_peers: tuple[float, ...] = ()  # every other practice in England, this period
    national_cuts: tuple[float, float] | None = None  # or England's 5th and 95th percentiles, read in SQL
    feed_differs: bool = False


def check(seen: Seen, limits: Limits = LIMITS) -> list[Flag]:
    """Every rule's flag for one value, in the order of RULE_LABELS."""
    value = seen.value
    if value is None:
        return []
    flags: list[Flag] = []
    shown = _fmt(seen.unit, value)
    if out_of_range(seen.unit, value):
        allowed = {"percent": "0% to 100%", "yesno": "yes or no"}.get(seen.unit, "0 or more")
        return [Flag(seen.code, RANGE, f"{seen.name}: {shown} is outside the allowed {allowed}.")]
    if needs_comment(seen.unit, value, seen.previous, limits) and not seen.comment.strip():
        assert seen.previous is not None
        flags.append(
            Flag(
                seen.code,
                COMMENT,
                f"{seen.name}: {_fmt(seen.unit, seen.previous)} last period, {shown} now, and the practice "
                "gave no comment.",
            )
        )
    if seen.unit != "yesno":
        # A yes/no has no spread: its history and its peers say nothing a comment rule does not.
        kind = history_outlier(value, seen.history, limits)
        if kind == "move":
            last = _fmt(seen.unit, seen.history[-1])
            flags.append(
                Flag(
                    seen.code,
                    HISTORY,
                    f"{seen.name}: {shown} is more than {limits.move_points:g} points from its last approved {last}.",
                )
            )
        elif kind == "z":
            flags.append(
                Flag(
                    seen.code,
                    HISTORY,
                    f"{seen.name}: {shown} is far from its last {min(len(seen.history), limits.history_count)} "
                    f"approved values (more than {limits.z_score:g} standard deviations).",
                )
            )
        for where, peers, given in (
            ("the CCG", seen.ccg_peers, None),
            ("England", seen.national_peers, seen.national_cuts),
        ):
            beyond = peer_outlier(value, peers, limits, given)
            if beyond is not None:
                side, cut = beyond
                words = (
                    f"lower than 95% of practices in {where} (5th percentile {_fmt(seen.unit, cut)})"
                    if side == "low"
                    else f"higher than 95% of practices in {where} (95th percentile {_fmt(seen.unit, cut)})"
                )
                flags.append(Flag(seen.code, PEERS, f"{seen.name}: {shown} is {words}."))
                break  # the CCG's own peers first: England's would say the same again
    if seen.feed_differs:
        flags.append(Flag(seen.code, FEED, f"{seen.name}: {shown} differs from the national feed."))
    return flags


def summary(flags: Sequence[Flag]) -> list[tuple[str, int]]:
    """(rule label, how many) for each rule with a flag, in the order of RULE_LABELS."""
    counts: dict[str, int] = {}
    for f in flags:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    return [(label, counts[rule]) for rule, label in RULE_LABELS.items() if rule in counts]

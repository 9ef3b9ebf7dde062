"""The decile fan's geometry, the position strip's layout, the plain words for where a value
stands, and the similar-practices comparison: pure functions, no database."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markupsafe import Markup

from tracker.indicators.catalogue import load_catalogue
from tracker.maturity import charts
from tracker.maturity import practice_presenters as pp
from tracker.maturity.service import ScoredPeriod

CUTS = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]


# --- Plain words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (95, "in the top 10% of practices"),
        (85, "in the top 20% of practices"),
        (55, "in the top 50% of practices"),
        (45, "in the bottom 50% of practices"),
        (25, "in the bottom 30% of practices"),
        (5, "in the bottom 10% of practices"),
        (50, "in the bottom 50% of practices"),  # on the median: not above it
    ],
)
def test_standing_when_higher_is_better(value: float, words: str) -> None:
    assert pp.standing(value, CUTS) == words


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (5, "in the top 10% of practices"),
        (25, "in the top 30% of practices"),
        (75, "in the bottom 30% of practices"),
        (95, "in the bottom 10% of practices"),
    ],
)
def test_standing_when_lower_is_better_turns_round(value: float, words: str) -> None:
    assert pp.standing(value, CUTS, higher_is_better=False) == words


def test_standing_names_the_population() -> None:
    assert pp.standing(95, CUTS, of="CCGs in England") == "in the top 10% of CCGs in England"


def test_a_value_most_share_is_level_with_them_not_ranked_by_the_tie() -> None:
    # 100% once most practices have it: the 30th to the 90th percentiles are all 100.
    cuts = [40.0, 80.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    assert pp.standing(100, cuts) == "level with at least 60% of practices"
    assert pp.standing(60, cuts) == "in the bottom 20% of practices"


def test_a_value_is_compared_at_the_precision_the_cut_points_are_stored_with() -> None:
    cuts = [37.33] * 9
    assert pp.standing(37.3333333, cuts) == "level with at least 80% of practices"


def test_decile_words_are_a_sentence_without_tenths() -> None:
    words = pp.decile_words(95, CUTS, "England")
    assert words == "In the top 10% of practices in England by maturity; the median is 50.0."
    assert "tenth" not in words
    assert pp.decile_words(None, CUTS, "England") == "Not compared with England: no score."


# --- The fan's geometry -----------------------------------------------------------------------


def _periods(*specs: tuple[list[float] | None, float | None, bool]) -> list[charts.FanPeriod]:
    return [charts.FanPeriod(f"2016/17 Q{i % 4 + 1}", c, v, p) for i, (c, v, p) in enumerate(specs)]


def test_the_bands_nest_and_grow_lighter_outwards() -> None:
    layers = charts.FAN_LAYERS
    assert [(low, high) for low, high, _ in layers] == [(0, 8), (1, 7), (2, 6), (3, 5)]
    opacities = [o for _, _, o in layers]
    assert opacities == sorted(opacities) and len(set(opacities)) == 4


def test_band_polygons_follow_the_percentiles() -> None:
    periods = _periods((CUTS, 50, False), ([c + 10 for c in CUTS], 60, False))
    scale = charts.FanScale(2)
    shapes = charts.fan_band_polygons(periods, scale)
    assert len(shapes) == 4
    opacity, corners = shapes[0]  # the outermost: 10th to 90th percentile
    assert opacity == charts.FAN_LAYERS[0][2]
    assert corners == [
        (scale.x(0), scale.y(90)),
        (scale.x(1), scale.y(100)),
        (scale.x(1), scale.y(20)),
        (scale.x(0), scale.y(10)),
    ]


def test_bands_break_where_a_period_has_no_values() -> None:
    periods = _periods((CUTS, None, False), (None, None, False), (CUTS, None, False), (CUTS, None, False))
    assert charts.fan_runs(periods) == [[0], [2, 3]]
    shapes = charts.fan_band_polygons(periods, charts.FanScale(4))
    assert len(shapes) == 8  # four layers, two runs
    lone = shapes[0][1]  # a single period is a short bar around its place
    scale = charts.FanScale(4)
    assert {x for x, _ in lone} == {scale.x(0) - 6, scale.x(0) + 6}


def test_the_scale_puts_zero_at_the_bottom_and_the_top_value_at_the_top() -> None:
    scale = charts.FanScale(5, 0, 100)
    assert scale.y(0) == charts.FAN_HEIGHT - charts.FAN_BOTTOM
    assert scale.y(100) == charts.FAN_TOP
    assert scale.y(150) == scale.y(100)  # clipped, never drawn outside
    assert scale.x(0) == charts.FAN_LEFT and scale.x(4) == charts.FAN_WIDTH - charts.FAN_RIGHT


def test_segments_into_a_provisional_period_are_provisional() -> None:
    points = [(10.0, False), (20.0, False), (None, False), (30.0, False), (40.0, True)]
    assert charts.fan_segments(points) == [(0, 1, False), (3, 4, True)]


def test_period_labels_are_shortened_to_two_lines() -> None:
    assert charts.short_period("2016/17 Q1") == ("Q1", "2016/17")
    assert charts.short_period("Baseline") == ("Baseline", "")


def test_fan_chart_markup() -> None:
    periods = _periods((CUTS, 55.0, False), (CUTS, 65.0, False), (CUTS, 75.0, True))
    svg = str(charts.fan_chart("EPS: this practice", "Summary words", periods, target=80))
    assert 'viewBox="0 0 400 240"' in svg and 'width="100%"' in svg and 'role="img"' in svg
    assert "<title" in svg and "Summary words" in svg
    scale = charts.FanScale(3)
    # The median: a dark line at the 50th percentile, dashed into the provisional period.
    median = re.findall(rf'<line x1="[^"]+" y1="{scale.y(50):.1f}"[^>]*stroke="{charts.DARK}"[^>]*>', svg)
    assert len(median) == 2 and "stroke-dasharray" in median[1] and "stroke-dasharray" not in median[0]
    # The practice: filled dots for final periods, a hollow one for the provisional period.
    dots = re.findall(r"<circle [^>]+>", svg)
    assert len(dots) == 3
    assert f'fill="{charts.ORANGE_DARK}"' in dots[0] and 'fill="#ffffff"' in dots[2]
    assert f'cy="{scale.y(75):.1f}"' in dots[2]
    # Each period label carries its full wording, the provisional one marked.
    assert "<title>2016/17 Q3 (provisional)</title>" in svg and "Q3*" in svg


def test_fan_legend_says_provisional_in_words() -> None:
    items = charts.fan_legend_items("This practice")
    texts = [str(i["text"]) for i in items]
    assert texts[0].startswith("This practice")
    assert any(t.startswith("Provisional") for t in texts)
    assert "Target" in texts and "Target" not in [str(i["text"]) for i in charts.fan_legend_items("X", False)]


# --- The position strip -----------------------------------------------------------------------


def _boxes(svg: str) -> tuple[tuple[float, float], list[tuple[float, float, str]]]:
    """The marker's vertical extent, and each label's (top, bottom, text) from its baseline."""
    triangle = re.search(r'<path d="M[\d.]+,([\d.]+) L[\d.]+,([\d.]+)', svg)
    assert triangle
    line = re.search(r'<line x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)" y2="([\d.]+)" stroke="#005eb8"', svg)
    assert line
    ys = [float(v) for v in (*triangle.groups(), *line.groups())]
    labels = [
        (float(y) - float(size), float(y) + 3, text)
        for y, size, text in re.findall(r'<text [^>]*y="([\d.]+)"[^>]*font-size="(\d+)"[^>]*>([^<]*)</text>', svg)
    ]
    return (min(ys), max(ys)), labels


@pytest.mark.parametrize("value", [0, 9, 50, 51, 91, 100])
def test_the_strips_marker_covers_none_of_its_labels(value: float) -> None:
    svg = str(charts.position_strip("T", "D", CUTS, value, f"This practice: {value:.1f}"))
    (top, bottom), labels = _boxes(svg)
    for label_top, label_bottom, text in labels:
        if text.startswith("This practice"):
            assert label_bottom <= top + 0.5, text  # above the marker
        else:
            assert label_top >= bottom or label_bottom <= top, text


def test_strip_labels_that_would_touch_are_left_out() -> None:
    def x(v: float) -> float:
        return 16 + 368 * v / 100

    assert charts.strip_labels(CUTS, x) == [1, 5, 9]
    crowded = [55.0, 60.0, 62.0, 64.0, 66.0, 68.0, 70.0, 72.0, 99.0]
    assert charts.strip_labels(crowded, x) == [1]  # 50th too near the 10th, 90th too near 100


def test_the_strips_own_label_stays_inside_the_chart() -> None:
    for value in (0, 100):
        svg = str(charts.position_strip("T", "D", CUTS, value, "This practice: 100.0"))
        label = re.search(r'<text x="([\d.]+)" y="16" text-anchor="(\w+)"', svg)
        assert label
        x, anchor = float(label.group(1)), label.group(2)
        width = 0.6 * charts.STRIP_FONT * len("This practice: 100.0")
        left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        assert 0 <= left and left + width <= charts.STRIP_WIDTH


def test_time_chart_pins_its_last_period_label_inside() -> None:
    svg = str(charts.time_chart("T", "D", ["2016/17 Q1", "2016/17 Q2", "2017/18 Q4"], []))
    assert f'<text x="{charts.WIDTH - 2:.1f}" y="{charts.HEIGHT - charts.BOTTOM + 18}" text-anchor="end"' in svg


# --- Similar practices ------------------------------------------------------------------------


def test_size_bands() -> None:
    assert pp.size_band(None) is None and pp.size_band(0) is None
    assert pp.size_band(4999) == "fewer than 5,000 patients"
    assert pp.size_band(5000) == "5,000 to 9,999 patients"
    assert pp.size_band(15000) == "15,000 patients or more"


def test_a_bands_bounds_hold_exactly_the_list_sizes_of_its_band() -> None:
    # The similar-practices read asks the database for the band by its bounds.
    assert pp.size_band_bounds(None) is None and pp.size_band_bounds(0) is None
    for patients in (1, 4999, 5000, 9999, 10000, 14999, 15000, 40000):
        bounds = pp.size_band_bounds(patients)
        assert bounds is not None
        low, high = bounds
        assert low <= patients and (high is None or patients < high)
        assert pp.size_band(low) == pp.size_band(patients)
        assert pp.size_band(low - 1) != pp.size_band(patients)
        assert high is None or pp.size_band(high) != pp.size_band(patients)


def test_rank_and_ordinals() -> None:
    assert pp.rank(70, [90, 80, 70, 70, 60]) == 3
    assert [pp.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
    ]  # fmt: skip


def test_similar_practices_gives_each_groups_median_and_the_rank() -> None:
    me = pp.Peer(1, 10, 6000, 70.0)
    everyone = [
        me,
        pp.Peer(2, 10, 3000, 90.0),
        pp.Peer(3, 10, 7000, 50.0),
        pp.Peer(4, 10, 8000, None),  # no score: not counted
        pp.Peer(5, 20, 9000, 80.0),
        pp.Peer(6, 20, 12000, 10.0),
    ]
    table, nearest = pp.similar_practices(me, everyone, "NHS Somewhere CCG", "/dashboards/ccgs/00K", "/x.csv")
    assert table.csv_rows == [
        ["Practices in NHS Somewhere CCG", 70.0, 1 + 1],
        ["Practices in England with 5,000 to 9,999 patients", 70.0, 2],
    ]
    assert [c.get("text") for c in table.rows[1]] == [
        "Practices in England with 5,000 to 9,999 patients", "70.0", "2nd of 3",
    ]  # fmt: skip
    assert 'href="/dashboards/ccgs/00K"' in table.rows[0][0]["html"]
    assert [[p.practice_id for p in group] for _, group in nearest] == [[2, 3], [5, 3]]


def test_similar_practices_without_a_score_compares_nothing() -> None:
    table, nearest = pp.similar_practices(pp.Peer(1, 10, 6000, None), [], "X", None, "/x.csv")
    assert table.rows == [] and nearest == []


def test_a_fan_is_drawn_once_for_the_same_figures_and_again_when_any_changes() -> None:
    spec = next(s for s in load_catalogue() if s.unit == "percent")
    periods = [
        ScoredPeriod(i, f"2017/18-Q{i}", dt.date(2017, 1 + 3 * i, 1), dt.date(2017, 3 + 3 * i, 1), dt.date(2018, 1, 1))
        for i in (1, 2)
    ]
    cuts = {1: [10.0 * k for k in range(1, 10)], 2: [11.0 * k for k in range(1, 10)]}

    def fan(own: dict[int, float]) -> dict[str, object]:
        return pp.ccg_fan(
            spec, periods, {p: [c / 1 for c in cs] for p, cs in cuts.items()}, own, frozenset(), "x", "00K"
        )  # type: ignore[return-value]

    first = fan({1: 40.0, 2: 55.0})
    assert fan({1: 40.0, 2: 55.0}) is first  # kept: built from equal figures, not drawn again
    changed = fan({1: 40.0, 2: 65.0})
    assert changed is not first and "65.0%" in str(changed["summary"]) and "55.0%" in str(first["summary"])


def test_a_fans_figure_escapes_its_words_and_links_only_when_it_has_somewhere_to_go() -> None:
    fan = {
        "name": "Tom & Jerry <b>",
        "href": "/dashboards/indicators/X?period=2017/18-Q3&ccg=00K",
        "svg": Markup("<svg></svg>"),
        "summary": "In 2017/18 Q3, this CCG: 5 < 6.",
        "head": ["This CCG", "10th percentile", "Median", "90th percentile"],
        "body_html": Markup('<tr class="nhsuk-table__row"></tr>'),
    }
    linked = str(pp.fan_figure_html(fan))
    assert '<a href="/dashboards/indicators/X?period=2017/18-Q3&amp;ccg=00K">Tom &amp; Jerry &lt;b&gt;</a>' in linked
    assert "this CCG: 5 &lt; 6." in linked and "<svg></svg>" in linked
    assert "Tom &amp; Jerry &lt;b&gt;: this ccg and the national percentiles by period" in linked
    assert linked.count('<th scope="col"') == 5 and '<tr class="nhsuk-table__row"></tr>' in linked
    plain = pp.without_link(fan, ccg_code="00K")
    assert plain["href"] == "" and plain["ccg_code"] == "00K" and fan["href"]  # the kept fan unchanged
    assert "<a " not in str(plain["figure_html"]) and "Tom &amp; Jerry &lt;b&gt;</figcaption>" in str(
        plain["figure_html"]
    )

"""View models for the practice dashboard and the indicator page. Pure."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from markupsafe import Markup, escape

from tracker.indicators.catalogue import IndicatorSpec
from tracker.maturity import calculations as calc
from tracker.maturity import charts
from tracker.maturity.presenters import pct, period_label, score
from tracker.maturity.service import CcgIndicatorMean, IndicatorStatRow
from tracker.maturity.tables_view import STATUS_LABELS, Column, TableView, link, query, rows_html, status_tag
from tracker.periods.calculations import parse_code
from tracker.web.formatting import long_date, number

QUARTER_DAYS = 91.31


def value_text(spec: IndicatorSpec, value: float | None) -> str:
    if value is None:
        return "–"
    if spec.unit == "yesno":
        return "Yes" if value >= 0.5 else "No"
    if spec.unit == "percent":
        return f"{value:.1f}%"
    return number(value)


def target_text(spec: IndicatorSpec) -> str:
    if spec.unit == "yesno":
        return "Yes"
    return f"{spec.target_value:g}%" if spec.unit == "percent" else number(spec.target_value)


def deadline_text(spec: IndicatorSpec, deadline: dt.date) -> str:
    return long_date(deadline) + (" (every 31 March)" if spec.target_annual else "")


def provenance_text(spec: IndicatorSpec) -> str:
    return "National" if spec.provenance_kind == "national" else "Local ambition"


def standing(value: float, cuts: Sequence[float], higher_is_better: bool = True, of: str = "practices") -> str:
    """Where a value stands among everyone's, in plain words: "in the top 20% of practices" (the
    best fifth, whichever way is better) or "in the bottom 30% of practices", from the nine decile
    cut points. A value that many share (a run of equal cut points, such as 100% once most have
    it) is "level with at least 60% of practices" rather than ranked by the tie."""
    value = round(value, 2)  # the precision the cut points are stored with: equal means equal
    tied = [i for i, c in enumerate(cuts) if c == value]
    if len(tied) >= 2:
        return f"level with at least {(tied[-1] - tied[0]) * 10}% of {of}"
    tenth = calc.decile_of(value, cuts)  # 1 = lowest values, 10 = highest
    best = 11 - tenth if higher_is_better else tenth  # 1 = the best tenth
    if best <= 5:
        return f"in the top {best * 10}% of {of}"
    return f"in the bottom {(11 - best) * 10}% of {of}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def decile_words(value: float | None, cuts: list[float] | None, place: str) -> str:
    if value is None or not cuts:
        return f"Not compared with {place}: no score."
    return f"{capital(standing(value, cuts, True, f'practices in {place}'))} by maturity; the median is {cuts[4]:.1f}."


def _x(day: dt.date, origin: dt.date) -> float:
    return (day - origin).days / QUARTER_DAYS


def _labels(scoring: Sequence[Any], until: dt.date) -> list[str]:
    labels = [period_label(p.code) for p in scoring]
    spec = parse_code(scoring[-1].code)
    while spec.end_date < until:
        spec = spec.next()
        labels.append(spec.label)
    return labels


def indicator_rows(detail: Any, index: int, period_code: str, base: str) -> tuple[TableView, list[dict[str, Any]]]:
    """The indicators table (value, target, deadline, provenance, status, forecast) and a chart
    for each percentage indicator: history, target, trajectory and forecast."""
    period = detail.scoring[index]
    current = detail.history[index]
    scores = {s.code: s for s in current.indicators}
    table = TableView(
        "indicators",
        f"Indicators as at {period_label(period.code)}",
        [
            Column("indicator", "Indicator"),
            Column("value", "Value", numeric=True),
            Column("target", "Target", numeric=True),
            Column("deadline", "Deadline"),
            Column("provenance", "Target set by"),
            Column("status", "Status"),
            Column("forecast", "Forecast"),
        ],
        csv_href=query(base, period=period_code, format="csv", table="indicators"),
    )
    charts_out = []
    upto = detail.scoring[: index + 1]
    origin = detail.scoring[0].end_date
    # The targets the period was scored against (a later catalogue change does not reach back).
    for spec in detail.specs_for(period.id):
        s = scores.get(spec.code)
        deadline = spec.target_date_for(period.end_date)
        value = s.value if s else None
        status = s.status if s else ""
        history = [(p.end_date, v) for p in upto if (v := detail.values.get(p.id, {}).get(spec.code)) is not None]
        fc = calc.forecast(history, spec.target_value, deadline, period.end_date) if spec.unit != "yesno" else None
        forecast_words = _forecast_words(spec, fc, value)
        table.add(
            [
                ("html", link(f"/dashboards/indicators/{spec.code}?period={period_code}", spec.name)),
                value_text(spec, value),
                target_text(spec),
                deadline_text(spec, deadline),
                provenance_text(spec),
                ("html", status_tag(status)),
                forecast_words,
            ],
            [
                spec.name,
                value,
                spec.target_value,
                deadline.isoformat(),
                spec.provenance_kind,
                STATUS_LABELS.get(status, status),
                forecast_words,
            ],
        )
        if spec.unit != "yesno" and history:
            charts_out.append(_indicator_chart(spec, upto, history, deadline, fc, origin, status))
    return table, charts_out


def _forecast_words(spec: IndicatorSpec, fc: calc.Forecast | None, value: float | None) -> str:
    if spec.unit == "yesno":
        return "Met" if value is not None and value >= 0.5 else "Yes/no: no forecast"
    if fc is None:
        return "–"
    if fc.chance is None or fc.at_deadline is None:
        return fc.verdict
    return (
        f"{fc.verdict}. {fc.sureness} ({fc.chance * 100:.0f}% chance); "
        f"{fc.at_deadline:.0f}% expected at the deadline (80% range {fc.low:.0f}-{fc.high:.0f}), "
        f"from {fc.points} returns"
    )


def _indicator_chart(
    spec: IndicatorSpec,
    upto: Sequence[Any],
    history: list[tuple[dt.date, float]],
    deadline: dt.date,
    fc: calc.Forecast | None,
    origin: dt.date,
    status: str,
) -> dict[str, Any]:
    last_day = upto[-1].end_date
    labels = _labels(upto, max(deadline, last_day))
    actual = charts.Line(
        "Approved value", [(round(_x(d, origin)), v) for d, v in history], charts.BLUE, "solid", markers=True
    )
    base_day, base_value = history[0]
    trajectory = charts.Line(
        "Expected trajectory",
        [(_x(base_day, origin), base_value), (_x(max(deadline, base_day), origin), spec.target_value)],
        charts.PURPLE,
        "dotted",
    )
    lines = [actual, trajectory]
    bands = []
    if fc is not None and fc.at_deadline is not None and fc.low is not None and fc.high is not None:
        end_x = _x(max(deadline, last_day), origin)
        start = (_x(history[-1][0], origin), history[-1][1])
        lines.append(charts.Line("Forecast (least squares)", [start, (end_x, fc.at_deadline)], charts.DARK, "dashed"))
        bands.append(charts.Band("Forecast 80% range", [start, (end_x, fc.low)], [start, (end_x, fc.high)]))
    summary = (
        f"{spec.name}: latest approved value {history[-1][1]:.1f}% against a target of "
        f"{spec.target_value:.0f}% by {long_date(deadline)}; {STATUS_LABELS.get(status, status).lower()}. "
        + (_forecast_words(spec, fc, history[-1][1]) if fc else "")
    )
    svg = charts.time_chart(
        spec.name,
        summary,
        labels,
        lines,
        bands,
        [charts.Reference(f"Target {spec.target_value:.0f}%", spec.target_value)],
    )
    rows = [{"period": label, "value": None} for label in labels]
    for d, v in history:
        i = round(_x(d, origin))
        if 0 <= i < len(rows):
            rows[i]["value"] = f"{v:.1f}%"
    return {
        "code": spec.code,
        "name": spec.name,
        "svg": svg,
        "summary": summary,
        "table": [[{"text": r["period"]}, {"text": r["value"] or "–", "format": "numeric"}] for r in rows[: len(upto)]],
    }


def history_table(detail: Any, base: str, period_code: str) -> tuple[TableView, dict[str, Any]]:
    table = TableView(
        "history",
        "Maturity by period",
        [
            Column("period", "Period"),
            Column("maturity", "Maturity (0-100)", numeric=True),
            Column("level", "Level"),
            Column("status", "Status"),
            Column("counts", "Indicators on / at risk / off"),
        ],
        csv_href=query(base, period=period_code, format="csv", table="history"),
    )
    for p, h in zip(detail.scoring, detail.history, strict=True):
        counts = f"{h.on_track} / {h.at_risk} / {h.off_track}" if h.scored else "No approved return"
        level = calc.level_name(h.level) if h.level else "–"
        table.add(
            [period_label(p.code), score(h.maturity), level, ("html", status_tag(h.status)), counts],
            [period_label(p.code), h.maturity, level, STATUS_LABELS.get(h.status, h.status), counts],
        )
    labels = [period_label(p.code) for p in detail.scoring]
    scored = [(p, h) for p, h in zip(detail.scoring, detail.history, strict=True) if h.maturity is not None]
    summary = (
        f"Maturity went from {scored[0][1].maturity:.1f} in {period_label(scored[0][0].code)} to "
        f"{scored[-1][1].maturity:.1f} in {period_label(scored[-1][0].code)}."
        if scored
        else "No approved returns yet."
    )
    svg = charts.time_chart(
        "Maturity index over time",
        summary,
        labels,
        [charts.Line("Maturity index", [(i, h.maturity) for i, h in enumerate(detail.history)], markers=True)],
        references=[charts.Reference(f"{calc.LEVELS[3][1]} level ({calc.LEVELS[3][2]:.0f})", calc.LEVELS[3][2])],
    )
    return table, {"svg": svg, "summary": summary}


def position(value: float | None, cuts: list[float] | None, place: str) -> dict[str, Any] | None:
    if value is None or not cuts:
        return None
    words = decile_words(value, cuts, place)
    return {
        "caption": f"Against {place}: where this practice's maturity stands among all its practices",
        "svg": charts.position_strip(f"Against {place}", words, cuts, value, f"This practice: {value:.1f}"),
        "summary": words,
    }


# --- The indicator page ------------------------------------------------------------------------


def fan(
    spec: IndicatorSpec,
    stats: list[IndicatorStatRow],
    base: str,
    period_code: str,
    provisional: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """OpenPrescribing-style: shaded decile bands, the median and the mean, the target line.
    Provisional periods are starred on the chart and named so in the summary and the table."""
    rows = [r for r in stats if r.deciles]
    labels = [period_label(r.period_code) + (" *" if r.period_code in provisional else "") for r in rows]
    yesno = spec.unit == "yesno"
    bands = []
    if not yesno:
        for low, high, opacity in ((0, 8, 0.18), (1, 7, 0.22), (2, 6, 0.26), (3, 5, 0.3)):
            bands.append(
                charts.Band(
                    f"{(low + 1) * 10}th to {(high + 1) * 10}th percentile",
                    [(i, r.deciles[low]) for i, r in enumerate(rows) if r.deciles],
                    [(i, r.deciles[high]) for i, r in enumerate(rows) if r.deciles],
                    charts.BLUE,
                    opacity,
                    legend=low in (0, 3),
                )
            )
    lines = []
    if not yesno:
        lines.append(
            charts.Line("Median", [(i, r.deciles[4]) for i, r in enumerate(rows) if r.deciles], charts.BLUE, "solid")
        )
    lines.append(
        charts.Line(
            "Practices meeting the target (%)",
            [(i, calc.share(r.met, r.practices)) for i, r in enumerate(rows)],
            charts.GREEN,
            "dashed",
            markers=True,
        )
    )
    refs = [] if yesno else [charts.Reference(f"Target {spec.target_value:.0f}%", spec.target_value)]
    last = rows[-1] if rows else None
    cuts = last.deciles if last and last.deciles else []
    summary = (
        f"In {period_label(last.period_code)}, {pct(calc.share(last.met, last.practices))} of {number(last.practices)} "
        f"practices met the target"
        + (
            ""
            if yesno or not cuts
            else f"; the median was {cuts[4]:.1f}% (10th percentile {cuts[0]:.1f}%, 90th {cuts[8]:.1f}%)"
        )
        + "."
        + (
            " Periods marked * are provisional: their returns can still change."
            if provisional & {r.period_code for r in rows}
            else ""
        )
        if last
        else "No approved values yet."
    )
    svg = charts.time_chart(f"{spec.name}: national distribution", summary, labels, lines, bands, refs)
    table = TableView(
        "distribution",
        "National distribution by period",
        [
            Column("period", "Period"),
            Column("practices", "Practices", numeric=True),
            Column("mean", "Mean", numeric=True),
            Column("p10", "10th percentile", numeric=True),
            Column("p50", "Median", numeric=True),
            Column("p90", "90th percentile", numeric=True),
            Column("met", "Meeting the target", numeric=True),
        ],
        csv_href=query(base, period=period_code, format="csv", table="distribution"),
    )
    for r in rows:
        met = calc.share(r.met, r.practices)
        d = r.deciles or []
        fmt = (lambda v: pct(v * 100)) if yesno else (lambda v: f"{v:.1f}")
        table.add(
            [
                period_label(r.period_code, r.period_code in provisional),
                number(r.practices),
                fmt(r.mean),
                fmt(d[0]),
                fmt(d[4]),
                fmt(d[8]),
                pct(met),
            ],
            [period_label(r.period_code), r.practices, r.mean, d[0], d[4], d[8], met],
        )
    return {"svg": svg, "summary": summary, "table": table}


def movers(
    spec: IndicatorSpec,
    rows: list[CcgIndicatorMean],
    now_id: int,
    before_id: int,
    before_code: str,
    base: str,
    period_code: str,
    visible: set[int],
    limit: int = 10,
) -> TableView:
    """The CCGs whose mean moved most (up or down) over the year to the period."""
    now = {r.ccg_id: r for r in rows if r.period_id == now_id}
    before = {r.ccg_id: r for r in rows if r.period_id == before_id}
    changes = []
    for ccg_id, r in now.items():
        b = before.get(ccg_id)
        if b is None or r.mean is None or b.mean is None:
            continue
        scale = 100 if spec.unit == "yesno" else 1
        changes.append((r, (r.mean - b.mean) * scale, b.mean * scale, r.mean * scale))
    changes.sort(key=lambda c: -abs(c[1]))
    table = TableView(
        "moved",
        f"CCGs that moved most since {period_label(before_code)}",
        [
            Column("ccg", "CCG"),
            Column("before", period_label(before_code), numeric=True),
            Column("now", period_label(period_code), numeric=True),
            Column("change", "Change (points)", numeric=True),
        ],
        csv_href=query(base, period=period_code, format="csv", table="moved"),
        empty="Not enough history to compare a year apart.",
    )
    for r, change, was, n in changes[:limit]:
        name = r.ccg_name or r.ccg_code
        cell = link(f"/dashboards/ccgs/{r.ccg_code}?period={period_code}", name) if r.ccg_id in visible else None
        words = f"{'up' if change >= 0 else 'down'} {abs(change):.1f}"
        table.add(
            [("html", cell) if cell else name, f"{was:.1f}", f"{n:.1f}", words],
            [f"{name} ({r.ccg_code})", was, n, change],
        )
    return table


def indicator_summary(spec: IndicatorSpec) -> list[dict[str, Any]]:
    items = [
        ("Definition", spec.definition),
        ("Target", target_text(spec) + " by " + deadline_text(spec, spec.target_date)),
        (
            "Target set by",
            spec.provenance
            if spec.provenance.lower().startswith(("national", "local"))
            else f"{provenance_text(spec)}: {spec.provenance}",
        ),
        ("Weight in the maturity index", f"{spec.weight:g}"),
    ]
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in items]


# --- Against everyone: the decile fans ---------------------------------------------------------


def _fan_value(spec: IndicatorSpec, value: float | None) -> str:
    """A value on a fan's scale: percentages (a yes/no indicator's share saying yes) or counts."""
    return "–" if value is None else (number(value) if spec.unit == "count" else f"{value:.1f}%")


def _fan(
    spec: IndicatorSpec,
    periods: Sequence[Any],
    cuts: dict[int, list[float] | None],
    own: dict[int, float | None],
    provisional: frozenset[str],
    who: str,
    of: str,
    base_href: str,
) -> dict[str, Any]:
    """One fan chart with its summary sentence and its table of values: `who`'s value in each
    period against the nine cut points of all `of` (both on the chart's scale: percentages).

    A dashboard draws a dozen of these, each the same until the scores change: they are kept
    (by everything they are drawn from) rather than drawn again for every view. The dict
    returned is shared: read it, never change it."""
    return _fan_of(
        spec,
        tuple(periods),
        tuple(sorted((k, None if v is None else tuple(v)) for k, v in cuts.items())),
        tuple(sorted(own.items())),
        provisional,
        who,
        of,
        base_href,
    )


@functools.lru_cache(maxsize=1024)
def _fan_of(
    spec: IndicatorSpec,
    periods: tuple[Any, ...],
    cut_items: tuple[tuple[int, tuple[float, ...] | None], ...],
    own_items: tuple[tuple[int, float | None], ...],
    provisional: frozenset[str],
    who: str,
    of: str,
    base_href: str,
) -> dict[str, Any]:
    cuts = {k: None if v is None else list(v) for k, v in cut_items}
    own = dict(own_items)
    # The chart starts at the first period with any value: the programme's empty early years would
    # squeeze the rest.
    start = next((i for i, p in enumerate(periods) if cuts.get(p.id) or own.get(p.id) is not None), len(periods))
    periods = periods[start:]
    points = [
        charts.FanPeriod(period_label(p.code), cuts.get(p.id), own.get(p.id), p.code in provisional) for p in periods
    ]
    last = next((i for i in range(len(points) - 1, -1, -1) if points[i].value is not None), None)
    if last is None:
        summary = f"{capital(who)} has no value for this indicator yet."
    else:
        p = points[last]
        when = period_label(periods[last].code, p.provisional)
        assert p.value is not None
        summary = f"In {when}, {who}: {_fan_value(spec, p.value)}"
        if p.cuts:
            place = standing(p.value, p.cuts, spec.higher_is_better, of)
            summary += f", {place} (national median {_fan_value(spec, p.cuts[4])})"
        summary += "."
    top = max([100.0] + [v for p in points for v in ([p.value] if p.value is not None else []) + list(p.cuts or [])])
    unit = spec.unit != "count"
    svg = charts.fan_chart(
        f"{spec.name}: {who} against all {of}",
        summary,
        points,
        y_max=100.0 if unit else float(-(-top // 10) * 10),
        y_unit="%" if unit else "",
        target=spec.target_value if spec.unit == "percent" else None,
    )
    rows = [
        [
            {"text": period_label(per.code, pt.provisional)},
            {"text": _fan_value(spec, pt.value), "format": "numeric"},
            {"text": _fan_value(spec, pt.cuts[0]) if pt.cuts else "–", "format": "numeric"},
            {"text": _fan_value(spec, pt.cuts[4]) if pt.cuts else "–", "format": "numeric"},
            {"text": _fan_value(spec, pt.cuts[8]) if pt.cuts else "–", "format": "numeric"},
        ]
        for per, pt in zip(periods, points, strict=True)
    ]
    fan = {
        "code": spec.code,
        "name": spec.name,
        "href": base_href,
        "svg": svg,
        "summary": summary,
        "head": [capital(who), "10th percentile", "Median", "90th percentile"],
        "rows": rows,
        # Written once with the rest of the fan: a Jinja loop over a dozen fans' cells was a fifth
        # of a CCG dashboard's time.
        "body_html": rows_html(rows),
    }
    fan["figure_html"] = fan_figure_html(fan)
    return fan


def fan_figure_html(fan: Mapping[str, Any]) -> Markup:
    """A fan's figure: its caption (linked to the indicator's page when `href` is given), chart
    and summary, and its figures as a table in a details element. Written here, once for each
    kept fan, rather than by a macro on every view: a dashboard's dozen fans were a tenth of it."""
    name = escape(fan["name"])
    caption = f'<a href="{escape(fan["href"])}">{name}</a>' if fan["href"] else name
    head = "".join(
        f'<th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">{escape(h)}</th>'
        for h in fan["head"]
    )
    return Markup(  # noqa: S704 (every text escaped; svg and body_html are built from escaped parts)
        f"""<figure class="app-chart-figure">
  <figcaption class="nhsuk-heading-s">{caption}</figcaption>
  {fan["svg"]}
  <p class="nhsuk-body-s">{escape(fan["summary"])}</p>
</figure>
<details class="nhsuk-details">
  <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Show the figures as a table</span></summary>
  <div class="nhsuk-details__text"><div class="nhsuk-table-container">
<table class="nhsuk-table app-table--compact"><caption class="nhsuk-table__caption nhsuk-u-visually-hidden">{name}: {escape(fan["head"][0].lower())} and the national percentiles by period</caption>
<thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Period</th>{head}</tr></thead>
<tbody class="nhsuk-table__body">{fan["body_html"]}</tbody>
</table></div></div>
</details>"""
    )


def without_link(fan: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """A copy of a kept fan whose caption links nowhere (on the page it would link to), with
    `extra` keys: the kept fan itself is shared and never changed."""
    out = {**fan, **extra, "href": ""}
    out["figure_html"] = fan_figure_html(out)
    return out


def practice_fans(
    detail: Any,
    index: int,
    stats: dict[str, list[IndicatorStatRow]],
    provisional: frozenset[str],
    period_code: str,
) -> list[dict[str, Any]]:
    """For each percentage indicator, the practice's approved values against the national deciles
    of all practices' approved values (the indicator page's figures), period by period up to the
    one shown. Yes/no indicators have no spread to draw: a practice's value is yes or no."""
    upto = detail.scoring[: index + 1]
    out = []
    for spec in detail.specs:
        if spec.unit == "yesno":
            continue
        cuts = {r.period_id: r.deciles for r in stats.get(spec.code, [])}
        own = {p.id: detail.values.get(p.id, {}).get(spec.code) for p in upto}
        if all(v is None for v in own.values()) and not any(cuts.get(p.id) for p in upto):
            continue
        out.append(
            _fan(
                spec,
                upto,
                cuts,
                own,
                provisional,
                "this practice",
                "practices in England",
                f"/dashboards/indicators/{spec.code}?period={period_code}",
            )
        )
    return out


def ccg_fan(
    spec: IndicatorSpec,
    periods: Sequence[Any],
    ccg_cuts: Mapping[int, Sequence[float]],
    own_means: Mapping[int, float],
    provisional: frozenset[str],
    period_code: str,
    ccg_code: str,
) -> dict[str, Any] | None:
    """One CCG's mean of an indicator against the deciles of every CCG's mean in England, period
    by period (as the alerts rank CCGs): CCGs beside CCGs, not beside single practices. A yes/no
    indicator's mean is the percentage of the CCG's practices saying yes.

    Kept as `_fan` is, by the figures as read (before scaling them to percentages, which cost
    more than finding the kept fan): the dict returned is shared, read it, never change it."""
    if not own_means:
        return None
    return _ccg_fan_of(
        spec,
        tuple(periods),
        tuple(sorted((p, tuple(cs)) for p, cs in ccg_cuts.items())),
        tuple(sorted(own_means.items())),
        provisional,
        period_code,
        ccg_code,
    )


@functools.lru_cache(maxsize=1024)
def _ccg_fan_of(
    spec: IndicatorSpec,
    periods: tuple[Any, ...],
    cut_items: tuple[tuple[int, tuple[float, ...]], ...],
    own_items: tuple[tuple[int, float], ...],
    provisional: frozenset[str],
    period_code: str,
    ccg_code: str,
) -> dict[str, Any]:
    scale = 100.0 if spec.unit == "yesno" else 1.0
    cuts: dict[int, list[float] | None] = {p: [c * scale for c in cs] for p, cs in cut_items}
    own: dict[int, float | None] = {p: m * scale for p, m in own_items}
    return _fan(
        spec,
        periods,
        cuts,
        own,
        provisional,
        "this CCG",
        "CCGs in England",
        f"/dashboards/indicators/{spec.code}?period={period_code}&ccg={ccg_code}",
    )


# --- Similar practices -------------------------------------------------------------------------

# Registered patients, as the period's list size (the one the CCG and England figures weight by).
LIST_SIZE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 5000, "fewer than 5,000 patients"),
    (5000, 10000, "5,000 to 9,999 patients"),
    (10000, 15000, "10,000 to 14,999 patients"),
    (15000, None, "15,000 patients or more"),
)


def size_band(patients: int | None) -> str | None:
    """The list-size band's words ("5,000 to 9,999 patients"), or None without a list size."""
    found = _band(patients)
    return found[2] if found else None


def size_band_bounds(patients: int | None) -> tuple[int, int | None] | None:
    """The list sizes of the practice's band: at least the first, under the second (None: no
    upper bound); None without a list size. What a read of the band's practices asks for."""
    found = _band(patients)
    return (max(found[0], 1), found[1]) if found else None


def _band(patients: int | None) -> tuple[int, int | None, str] | None:
    if patients is None or patients <= 0:
        return None
    for low, high, words in LIST_SIZE_BANDS:
        if patients >= low and (high is None or patients < high):
            return low, high, words
    return None


class PeerLike(Protocol):
    """A practice as the similar-practices comparison needs it, in one period."""

    @property
    def practice_id(self) -> int: ...
    @property
    def ccg_id(self) -> int | None: ...
    @property
    def patients(self) -> int | None: ...
    @property
    def maturity(self) -> float | None: ...


@dataclass(frozen=True)
class Peer:
    """The practice itself, as the comparison needs it (a PeerLike)."""

    practice_id: int
    ccg_id: int | None
    patients: int | None
    maturity: float | None


def rank(value: float, others: Sequence[float]) -> int:
    """1 for the most mature; practices level with each other share a rank (1, 2, 2, 4)."""
    return 1 + sum(1 for v in others if v > value)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def similar_practices(
    me: PeerLike,
    everyone: Sequence[PeerLike],
    ccg_name: str,
    ccg_href: str | None,
    csv_href: str,
) -> tuple[TableView, list[tuple[str, list[PeerLike]]]]:
    """The practice beside practices in its CCG and practices of its list size in England: each
    group's median maturity, and the practice's rank in it. Also each group's practices nearest
    it in maturity (two above, two below), for the pages of the users allowed to see them."""
    table = TableView(
        "similar",
        "Similar practices",
        [
            Column("group", "Compared with"),
            Column("median", "Their median maturity", numeric=True),
            Column("rank", "This practice's rank", numeric=True),
        ],
        csv_href=csv_href,
        empty="This practice has no score for this period, so there is nothing to compare.",
        csv_columns=["Compared with", "Their median maturity", "This practice's rank (1 is the most mature)"],
    )
    nearest: list[tuple[str, list[PeerLike]]] = []
    if me.maturity is None:
        return table, nearest
    groups: list[tuple[str, str | None, list[PeerLike]]] = []
    if me.ccg_id is not None:
        groups.append((f"Practices in {ccg_name}", ccg_href, [p for p in everyone if p.ccg_id == me.ccg_id]))
    band = _band(me.patients)
    if band is not None:
        low, high, words = band
        # The band's bounds tested inline: thousands of practices, each looked up a band, cost more
        # than the rest of the comparison.
        alike = [
            p
            for p in everyone
            if p.patients is not None and p.patients > 0 and p.patients >= low and (high is None or p.patients < high)
        ]
        groups.append((f"Practices in England with {words}", None, alike))
    for words, href, members in groups:
        scored = [p for p in members if p.maturity is not None]
        values = sorted((p.maturity for p in scored if p.maturity is not None), reverse=True)
        if not values:
            continue
        median = calc.percentile(sorted(values), 50)
        place = rank(me.maturity, values)
        table.add(
            [
                ("html", link(href, words)) if href else words,
                f"{median:.1f}",
                f"{ordinal(place)} of {number(len(values))}",
            ],
            [words, round(median, 2), place],
        )
        ordered = sorted(scored, key=lambda p: (-(p.maturity or 0), p.practice_id))
        at = next((i for i, p in enumerate(ordered) if p.practice_id == me.practice_id), None)
        if at is not None:
            near = ordered[max(0, at - 2) : at] + ordered[at + 1 : at + 3]
            nearest.append((words, near))
    return table, nearest

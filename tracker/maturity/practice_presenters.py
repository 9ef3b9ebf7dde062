"""View models for the practice dashboard and the indicator page. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tracker.indicators.catalogue import IndicatorSpec
from tracker.maturity import calculations as calc
from tracker.maturity import charts
from tracker.maturity.presenters import pct, period_label, score
from tracker.maturity.service import CcgIndicatorMean, IndicatorStatRow
from tracker.maturity.tables_view import STATUS_LABELS, Column, TableView, link, query, status_tag
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


def decile_words(value: float | None, cuts: list[float] | None, place: str) -> str:
    if value is None or not cuts:
        return f"Not compared with {place}: no score."
    tenth = calc.decile_of(value, cuts)
    ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(tenth, f"{tenth}th")
    return f"In the {ordinal} tenth of practices in {place} (10th is the most mature); median {cuts[4]:.1f}."


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
    for spec in detail.specs:
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
        "caption": f"Against {place}: the ten tenths of practices' maturity, and this practice",
        "svg": charts.position_strip(f"Against {place}", words, cuts, value, f"This practice: {value:.1f}"),
        "summary": words,
    }


# --- The indicator page ------------------------------------------------------------------------


def fan(spec: IndicatorSpec, stats: list[IndicatorStatRow], base: str, period_code: str) -> dict[str, Any]:
    """OpenPrescribing-style: shaded decile bands, the median and the mean, the target line."""
    rows = [r for r in stats if r.deciles]
    labels = [period_label(r.period_code) for r in rows]
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
                period_label(r.period_code),
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

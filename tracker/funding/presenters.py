"""View models for the funding pages: formatted money, per-patient figures, tags and links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tracker.funding.impact import AwardImpact, Summary
from tracker.organisations.presenters import practice_title
from tracker.organisations.service import PracticeToday
from tracker.web.formatting import long_date, number, pounds

if TYPE_CHECKING:
    from tracker.funding.applications_service import CapitalBidRow, TransitionApplicationRow
    from tracker.funding.awards_service import AwardRow
    from tracker.funding.reallocation_service import (
        Adjustment,
        LatestForecast,
        SavedForecast,
        ScenarioDetail,
        ScenarioSummary,
    )
    from tracker.funding.service import Budget, PlanLine, RunDetail, RunSummary, StreamSummary

STATE_TAGS = {
    "preview": ("Preview", "nhsuk-tag--blue"),
    "approved": ("Approved", "nhsuk-tag--green"),
    "superseded": ("Superseded", "nhsuk-tag--grey"),
    "applied": ("Applied", "nhsuk-tag--green"),
    "discarded": ("Discarded", "nhsuk-tag--grey"),
    "submitted": ("Awaiting decision", "nhsuk-tag--blue"),
    "part": ("Part approved", "nhsuk-tag--yellow"),
    "refused": ("Refused", "nhsuk-tag--red"),
    "awarded": ("Awarded", "nhsuk-tag--green"),
}
METHOD_LABELS = {
    "fair_share": "Fair share by registered patients",
    "bid": "By bid",
    "application": "On application",
    "fixed": "Fixed amounts",
}
RECIPIENT_LABELS = {
    "pressure": "CCGs forecasting an overspend",
    "bids": "CCGs with an approved capital bid",
    "pressure_or_bids": "CCGs forecasting an overspend or with an approved capital bid",
}


def tag(state: str) -> dict[str, str]:
    text, cls = STATE_TAGS.get(state, (state.title(), "nhsuk-tag--grey"))
    return {"text": text, "classes": cls}


def per_patient(pence: float | None) -> str:
    """Pounds and pence per patient, e.g. '£2.48'."""
    if pence is None:
        return "–"
    return f"£{pence / 100:,.2f}"


def whole_pounds(pence: int) -> str:
    """Rounded to the pound, for headline figures (tables keep the pence)."""
    return pounds(round(pence / 100) * 100)


def signed_pounds(pence: int | None) -> str:
    if pence is None:
        return "–"
    return ("+" if pence > 0 else "") + pounds(pence)


def points(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) < 0.05:
        return "0.0"
    return f"{value:+.1f}"


def verdict(difference: float | None, comparison_n: int) -> str:
    """The headline in plain words (an association, never a claim of cause)."""
    if difference is None or comparison_n == 0:
        return "There are not yet enough similar unfunded practices, or scores since the awards, to compare."
    if abs(difference) < 1:
        return (
            "Funded practices improved about as much as similar practices without funding: "
            "so far there is no sign that the money made a difference to maturity."
        )
    if difference > 0:
        return f"Funded practices improved {difference:.1f} points more than similar practices without funding."
    return f"Funded practices improved {-difference:.1f} points less than similar practices without funding."


def key_figures(
    latest: RunSummary | None,
    fair_pence: int,
    lines: list[dict[str, Any]],
    transition: list[TransitionApplicationRow],
    bids: list[CapitalBidRow],
    scenarios: list[ScenarioSummary],
    awarded: dict[str, int],
) -> list[dict[str, str]]:
    """The four headline figures of the funding overview."""
    fair = (
        {
            "value": pounds(fair_pence),
            "label": f"fair shares in {latest.financial_year} to {len(lines)} CCGs",
        }
        if latest
        else {"value": "None", "label": "no fair-share run approved yet"}
    )
    capital = sum(b.approved_pence or 0 for b in bids if b.state in ("approved", "part"))
    moved = sum(s.total_pence for s in scenarios if s.state == "applied")
    return [
        fair,
        {
            "value": whole_pounds(sum(t.awarded_pence or 0 for t in transition)),
            "label": "transition fund awarded to CCGs whose costs exceeded their fair share",
        },
        {
            "value": pounds(capital),
            "label": f"capital approved on {sum(1 for b in bids if b.state in ('approved', 'part'))} bids",
        },
        {
            "value": whole_pounds(awarded["pence"]),
            "label": f"given by CCGs to {number(awarded['practices'])} practices"
            + (f"; {whole_pounds(moved)} reallocated between CCGs" if moved else ""),
        },
    ]


def stream_rows(rows: list[StreamSummary]) -> list[dict[str, str]]:
    return [
        {
            "name": r.name,
            "code": r.code,
            "kind": r.kind.title(),
            "method": METHOD_LABELS.get(r.method, r.method),
            "years": r.financial_years.replace(",", ", "),
            "pot": pounds(r.pot_pence),
            "awarded": pounds(r.awarded_pence),
            "description": r.description,
        }
        for r in rows
    ]


def run_rows(rows: Sequence[RunSummary | RunDetail]) -> list[dict[str, Any]]:
    return [
        {
            "href": f"/funding/runs/{r.id}",
            "label": f"{r.stream_name} {r.financial_year}",
            "pot": pounds(r.pot_pence),
            "snapshot": long_date(r.snapshot_date),
            "ccgs": number(r.ccgs),
            "per_patient": per_patient(r.pot_pence / r.total_patients if r.total_patients else None),
            "tag": tag(r.state),
        }
        for r in rows
    ]


def allocation_lines(lines: Iterable[PlanLine]) -> list[dict[str, Any]]:
    out = []
    for ln in lines:
        amount = ln.amount_pence
        previous = ln.previous_pence
        change = None if previous is None else amount - previous
        if change is None:
            movement = {"text": "New", "classes": "nhsuk-tag--blue"}
        elif change > 0:
            movement = {"text": "Gains", "classes": "nhsuk-tag--green"}
        elif change < 0:
            movement = {"text": "Loses", "classes": "nhsuk-tag--red"}
        else:
            movement = {"text": "No change", "classes": "nhsuk-tag--grey"}
        out.append(
            {
                "code": ln.ccg_code,
                "name": ln.ccg_name or "Not in the organisation register",
                "known": bool(ln.ccg_id),
                "href": f"/funding/ccgs/{ln.ccg_code}" if ln.ccg_id else "",
                "patients": number(ln.patients),
                "amount": pounds(amount),
                "per_patient": per_patient(amount / ln.patients if ln.patients else None),
                "previous": pounds(previous),
                "change": signed_pounds(change),
                "change_pence": change,
                "movement": movement,
            }
        )
    return out


def gainers_losers(lines: list[dict[str, Any]], n: int = 5) -> dict[str, Any]:
    with_change = [ln for ln in lines if ln["change_pence"] is not None]
    gainers = sorted((ln for ln in with_change if ln["change_pence"] > 0), key=lambda ln: -ln["change_pence"])[:n]
    losers = sorted((ln for ln in with_change if ln["change_pence"] < 0), key=lambda ln: ln["change_pence"])[:n]
    return {
        "gainers": gainers,
        "losers": losers,
        "gaining": sum(1 for ln in with_change if ln["change_pence"] > 0),
        "losing": sum(1 for ln in with_change if ln["change_pence"] < 0),
    }


def _variance(budget_pence: int, outturn_pence: int) -> str:
    variance = budget_pence - outturn_pence
    if variance > 0:
        return f"{pounds(variance)} underspend"
    if variance < 0:
        return f"{pounds(-variance)} overspend"
    return "On budget"


def budget_rows(
    rows: list[Budget],
    stream_names: dict[int, str],
    forecasts: dict[tuple[int, str], LatestForecast],
    years: list[str],
) -> list[dict[str, Any]]:
    """A row per stream and financial year with a budget or a forecast, for every year the tracker
    holds (a year with neither says so), so that a forecast never goes unseen for want of a budget."""
    budgets = {(r.stream_id, r.financial_year): r for r in rows}
    keys = set(budgets) | set(forecasts)
    out: list[dict[str, Any]] = []
    for year in sorted(set(years) | {y for _, y in keys}):
        found = sorted((k for k in keys if k[1] == year), key=lambda k: stream_names.get(k[0], ""))
        if not found:
            out.append({"year": year, "empty": True, "stream": ""})
            continue
        for key in found:
            b, f = budgets.get(key), forecasts.get(key)
            outturn = None if f is None else f.outturn_pence
            out.append(
                {
                    "year": year,
                    "empty": False,
                    "stream": stream_names.get(key[0], ""),
                    "fair_share": "–" if b is None else pounds(b.fair_share_pence),
                    "transition": "–" if b is None else pounds(b.transition_pence),
                    "capital": "–" if b is None else pounds(b.capital_pence),
                    "adjustment": "–" if b is None else signed_pounds(b.adjustment_pence),
                    "budget": "Not allocated" if b is None else pounds(b.budget_pence),
                    "forecast": "Not entered" if f is None else f"{pounds(outturn)} (made in Q{f.quarter})",
                    "variance": "–"
                    if outturn is None
                    else ("No budget to compare with" if b is None else _variance(b.budget_pence, outturn)),
                }
            )
    return out


SAVED = {
    "award": "Award recorded. It is listed under Awards to practices.",
    "bid": "Capital bid submitted. NHS England will approve all, part or none of it.",
    "transition": "Application to the transition fund sent.",
    "run-discarded": "Allocation run discarded.",
    "bid-decided": "Decision on the capital bid recorded. The CCG sees it on its funding page.",
    "transition-decided": "The year's applications to the transition fund are decided.",
    "scenario-discarded": "Reallocation scenario discarded: nothing was moved.",
}


def saved_message(saved: str, forecast: SavedForecast | None = None, count: str = "") -> str:
    """The confirmation shown after a save on a CCG's funding page ("" when there is nothing to confirm)."""
    if saved == "forecast":
        if forecast is None:
            return ""
        return (
            f"Forecast saved: {pounds(forecast.outturn_pence)} for {forecast.stream_name} in "
            f"{forecast.financial_year}, made in Q{forecast.quarter}. "
            f"It is shown in the {forecast.financial_year} rows of Allocation and budget."
        )
    if saved == "upload" and count.isdigit():
        return f"{count} award{'' if count == '1' else 's'} recorded from the file."
    return SAVED.get(saved, "")


def transition_rows(rows: list[TransitionApplicationRow]) -> list[dict[str, Any]]:
    return [
        {
            "ccg": r.ccg_name or r.ccg_code,
            "code": r.ccg_code,
            "year": r.financial_year,
            "committed": pounds(r.committed_costs_pence),
            "fair_share": pounds(r.fair_share_pence),
            "requested": pounds(r.requested_pence),
            "awarded": pounds(r.awarded_pence),
            "tag": tag(r.state),
        }
        for r in rows
    ]


def transition_totals(rows: list[TransitionApplicationRow]) -> list[dict[str, str]]:
    years: dict[str, dict[str, int]] = {}
    for r in rows:
        y = years.setdefault(r.financial_year, {"n": 0, "requested": 0, "awarded": 0})
        y["n"] += 1
        y["requested"] += r.requested_pence
        y["awarded"] += r.awarded_pence or 0
    return [
        {
            "year": year,
            "applicants": number(y["n"]),
            "requested": pounds(y["requested"]),
            "awarded": pounds(y["awarded"]),
            "share": f"{y['awarded'] * 100 / y['requested']:.0f}%" if y["requested"] else "–",
        }
        for year, y in sorted(years.items())
    ]


def indicator_words(codes: str | Sequence[str], names: dict[str, str]) -> str:
    """Indicators as people read them: their names (a code only where the catalogue has no name)."""
    listed = [c for c in (codes.split(",") if isinstance(codes, str) else codes) if c.strip()]
    return ", ".join(names.get(c.strip(), c.strip()) for c in listed)


def bid_rows(rows: list[CapitalBidRow], names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "ccg": r.ccg_name or r.ccg_code,
            "code": r.ccg_code,
            "year": r.financial_year,
            "title": r.title,
            "purpose": r.purpose,
            "indicators": indicator_words(r.indicator_codes, names),
            "amount": pounds(r.amount_pence),
            "amount_pounds": f"{r.amount_pence / 100:.2f}",
            "approved": pounds(r.approved_pence),
            "tag": tag(r.state),
            "open": r.state == "submitted",
        }
        for r in rows
    ]


def scenario_rows(rows: Sequence[ScenarioSummary | ScenarioDetail]) -> list[dict[str, Any]]:
    return [
        {
            "href": f"/funding/reallocation/{r.id}",
            "label": f"{r.stream_name} {r.financial_year} Q{r.quarter}",
            "policy": policy_text(r),
            "moved": pounds(r.total_pence),
            "ccgs": number(r.ccgs),
            "reason": r.reason,
            "tag": tag(r.state),
        }
        for r in rows
    ]


def policy_text(r: ScenarioSummary | ScenarioDetail) -> str:
    return (
        f"Recover {r.recover_pct:g}% of forecast underspend above {r.threshold_pct:g}% of budget; "
        f"share it by registered patients among {RECIPIENT_LABELS.get(r.recipients, r.recipients).lower()}"
    )


def adjustment_rows(rows: Iterable[Adjustment]) -> list[dict[str, str]]:
    return [
        {
            "code": r.ccg_code,
            "name": r.ccg_name or r.ccg_code,
            "amount": signed_pounds(r.amount_pence),
            "direction": "Recovered" if r.amount_pence < 0 else "Received",
            "reason": r.reason,
        }
        for r in rows
    ]


def award_rows(rows: Sequence[AwardRow], names: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            "date": long_date(r.award_date),
            "practice": f"{practice_title(r.practice_name)} ({r.ods_code})",
            "href": f"/funding/practices/{r.ods_code}",
            "stream": r.stream_name,
            "amount": pounds(r.amount_pence),
            "purpose": r.purpose,
            "indicators": indicator_words(r.indicator_codes, names) or "–",
        }
        for r in rows
    ]


# --- What each pound bought -----------------------------------------------------------------


def summary_rows(summaries: list[Summary], href: str = "") -> list[dict[str, Any]]:
    return [
        {
            "label": s.label,
            "key": s.key,
            "href": href.format(key=s.key) if href else "",
            "awards": number(s.awards),
            "practices": number(s.practices),
            "amount": pounds(s.amount_pence),
            "per_patient": per_patient(s.per_patient_pence),
            "change": points(s.mean_change),
            "comparison": points(s.mean_comparison_change),
            "difference": points(s.mean_difference),
            "per_point": s.per_point.text,
        }
        for s in summaries
    ]


def impact_rows(
    impacts: list[AwardImpact],
    periods: list[str],
    practices: dict[int, PracticeToday],
    stream_names: dict[str, str],
    names: dict[str, str],
) -> list[dict[str, Any]]:
    out = []
    for imp in impacts:
        p = practices.get(imp.award.practice_id)
        name, ods_code = (p.name, p.ods_code) if p else ("", "")
        out.append(
            {
                "date": long_date(imp.award.award_date),
                "practice": f"{practice_title(name)} ({ods_code})",
                "href": f"/funding/practices/{ods_code}",
                "stream": stream_names.get(imp.award.stream, imp.award.stream),
                "amount": pounds(imp.award.amount_pence),
                "per_patient": per_patient(imp.per_patient_pence),
                "baseline": _period_value(imp.baseline, imp.baseline_period, periods),
                "latest": _period_value(imp.latest, imp.latest_period, periods),
                "change": points(imp.change),
                "comparison": "No similar practices"
                if imp.comparison_change is None
                else f"{points(imp.comparison_change)} ({imp.comparison_n} in {imp.comparison_scope})",
                "difference": points(imp.difference),
                "per_point": imp.per_point.text,
                "indicators": [
                    {
                        "name": names.get(ic.code, ic.code),
                        "before": "–" if ic.before is None else f"{ic.before:g}",
                        "after": "–" if ic.after is None else f"{ic.after:g}",
                        "change": "–" if ic.change is None else f"{ic.change:+g}",
                    }
                    for ic in imp.indicators
                ],
            }
        )
    return out


def _period_value(value: float | None, index: int | None, periods: list[str]) -> str:
    if value is None or index is None:
        return "No score"
    return f"{value:.1f} ({periods[index].replace('-', ' ')})"


SOURCE_NOTES = {
    "scores": "Maturity is the practice's precomputed maturity score (0 to 100) for each period.",
    "estimated": "Maturity scores have not been computed yet, so maturity here is estimated from approved returns: "
    "each indicator's progress towards its target (0 to 100), averaged.",
    "none": "There are no approved returns to measure change from yet.",
}

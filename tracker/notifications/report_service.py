"""Status reports: each CCG's weekly digest, each region's weekly summary, the national monthly summary.

Figures are for the period whose return window is open (completeness) and the latest period whose
due date has passed (timeliness: first submitted by the due date, Europe/London).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import logging
from collections import defaultdict
from dataclasses import replace
from typing import Any

from tracker.accounts import users_service as accounts
from tracker.db import fetch
from tracker.figures import rules
from tracker.funding import forecasts_service
from tracker.funding.forecasts_service import Forecast
from tracker.maturity import service as maturity
from tracker.notifications import calculations as calc
from tracker.notifications import messages, outbox_service, subscriptions_service
from tracker.notifications.planning import Plan, PlannedEmail, RunContext
from tracker.notifications.reminder_service import (
    LabelledPeriod,
    addresses,
    chased_periods,
    outstanding,
    period_dates,
    period_label,
)
from tracker.notifications.report_rows import (
    CcgReport,
    CcgReportRow,
    NationalSummary,
    OffTrackPractice,
    OverduePractice,
    RegionReportRow,
    RegionSummary,
    ReportFigures,
    UnreachablePractice,
)
from tracker.organisations import service as organisations
from tracker.organisations.presenters import practice_title
from tracker.returns import facts_service as return_facts

log = logging.getLogger(__name__)


async def _periods(today: dt.date) -> tuple[LabelledPeriod | None, LabelledPeriod | None]:
    """(the latest period that has opened, the latest whose due date has passed)."""
    rows = [
        LabelledPeriod.of(p, period_label(p) + (" (provisional)" if rules.provisional(p.locks_on, today) else ""))
        for p in [p for p in await period_dates() if p.opens_on <= today][::-1][:2]
    ]
    current = rows[0] if rows else None
    timely = next((r for r in rows if r.due_on < today), None)
    return current, timely


class Figures:
    """Completeness, timeliness and reviews per CCG and per region, from the dashboards' own rows:
    each practice under the CCG and region of the period, expected and on time by the one rule."""

    def __init__(self) -> None:
        self.expected: dict[Any, int] = defaultdict(int)
        self.returns_in: dict[Any, int] = defaultdict(int)
        self.timely_expected: dict[Any, int] = defaultdict(int)
        self.on_time: dict[Any, int] = defaultdict(int)
        self.awaiting: dict[Any, int] = defaultdict(int)

    def for_(self, key: Any, current: LabelledPeriod, timely: LabelledPeriod | None) -> ReportFigures:
        return ReportFigures(
            period_label=current.label,
            expected=self.expected[key],
            returns_in=self.returns_in[key],
            completeness=rules.share(self.returns_in[key], self.expected[key]),
            timeliness_label=timely.label if timely else "",
            timeliness=rules.share(self.on_time[key], self.timely_expected[key]),
            awaiting_review=self.awaiting[key],
        )


def _keys(m: maturity.Member) -> tuple[tuple[str, Any], ...]:
    return (("ccg", m.ccg_id), ("region", m.region_id), ("all", None))


async def _figures(current: LabelledPeriod, timely: LabelledPeriod | None, today: dt.date) -> Figures:
    f = Figures()
    for m in await maturity.period_members(current.id):
        if not m.expected:
            continue
        for key in _keys(m):
            f.expected[key] += 1
            if m.received:
                f.returns_in[key] += 1
    if timely is not None:
        for m in await maturity.period_members(timely.id):
            if not m.expected:
                continue
            for key in _keys(m):
                f.timely_expected[key] += 1
                if m.on_time:
                    f.on_time[key] += 1
    # Returns waiting for review belong to the CCG that reviews them now.
    awaiting = await return_facts.awaiting_review()
    practices = await organisations.practice_contacts(set(awaiting))
    region_of: dict[int | None, int | None] = {c.id: c.region_id for c in await organisations.ccg_contacts()}
    for practice_id, n in awaiting.items():
        ccg_id = practices[practice_id].ccg_id
        for key in (("ccg", ccg_id), ("region", region_of.get(ccg_id)), ("all", None)):
            f.awaiting[key] += n
    return f


async def _overdue(today: dt.date) -> list[OverduePractice]:
    """Every practice with an overdue return in a period still being chased, most overdue first."""
    out = []
    for period in await chased_periods(today):
        if period.due_on >= today:
            continue
        for p in await outstanding(period):
            out.append(
                OverduePractice(
                    ods_code=p.ods_code,
                    name=practice_title(p.name),
                    ccg_id=p.ccg_id,
                    region_id=p.region_id,
                    period_label=period.label,
                    days_overdue=calc.days_overdue(period.due_on, today),
                    escalated=calc.escalated_to_region(period.due_on, today),
                )
            )
    out.sort(key=lambda p: (-p.days_overdue, p.ods_code))
    return out


async def _unreachable() -> dict[int | None, list[UnreachablePractice]]:
    """CCG id -> its practices an email failed to reach, by ODS code, each with one failure."""
    rows = await fetch(
        "SELECT DISTINCT practice, to_address, last_error FROM outbox_email "
        "WHERE state = 'failed' AND practice IS NOT NULL"
    )
    practices = await organisations.practice_contacts({r["practice"] for r in rows})
    rows = [r for r in rows if r["practice"] in practices]
    rows.sort(key=lambda r: (practices[r["practice"]].ods_code, r["to_address"], r["last_error"]))
    out: dict[int | None, list[UnreachablePractice]] = defaultdict(list)
    seen: set[int] = set()
    for r in rows:
        if r["practice"] in seen:
            continue
        seen.add(r["practice"])
        p = practices[r["practice"]]
        out[p.ccg_id].append(
            UnreachablePractice(
                ods_code=p.ods_code,
                name=practice_title(p.name),
                error=f"{r['to_address']}: {r['last_error'][:120]}",
            )
        )
    return out


async def _off_track(today: dt.date) -> tuple[str, dict[int, list[OffTrackPractice]]]:
    """(the period's label, CCG id -> practices off track) for the period the dashboards show by
    default, each practice under its CCG of that period, exactly as the CCG dashboard lists them."""
    try:
        period, _ = await maturity.choose_period(None, today)
    except maturity.NoScores:
        return "", {}
    names = await organisations.practice_names()
    out: dict[int, list[OffTrackPractice]] = defaultdict(list)
    members = [m for m in await maturity.period_members(period.id) if m.status == "off_track" and m.ccg_id]
    for m in sorted(
        members, key=lambda m: (m.maturity if m.maturity is not None else 0, names[m.practice_id].ods_code)
    ):
        practice = names[m.practice_id]
        out[m.ccg_id or 0].append(
            OffTrackPractice(ods_code=practice.ods_code, name=practice_title(practice.name), maturity=m.maturity)
        )
    return period.code.replace("-", " "), out


async def _forecasts(financial_year: str) -> dict[int, list[Forecast]]:
    """CCG id -> the latest forecast per funding stream for the year (empty when funding has no data)."""
    try:
        return await forecasts_service.latest_by_ccg(financial_year)
    except Exception:
        return {}


async def _regions() -> list[organisations.RegionName]:
    """Every region, by code."""
    return sorted(await organisations.regions_by_id(), key=lambda r: r.code)


async def recipients(level: str, report: str | None = None) -> dict[int | None, list[str]]:
    """Who receives a level's reports: its users by organisation (None for national users) and,
    for a CCG, its contact address too, as the weekly report goes to them; without those who
    left `report` (by its footer link or their account's reports page)."""
    users = await accounts.enabled_emails_by_org(level)
    left = await subscriptions_service.leavers(report) if report else set()
    out: dict[int | None, list[str]] = {}
    if level != "ccg":
        for k, v in users.items():
            if to := [a for a in addresses(v, "") if a not in left]:
                out[k] = to
        return out
    for c in await organisations.ccg_contacts():
        if to := [a for a in addresses(users.get(c.id, []), c.contact_email) if a not in left]:
            out[c.id] = to
    return out


async def attach(ctx: RunContext, scope: str, code: str, period_code: str) -> tuple[str, str, str]:
    """(attachment name, its SHA-256 in the outbox's store, why not attached: "" when attached).
    Without the exports feature: none, and the email says so."""
    if ctx.dry_run:
        return f"{scope}-{code or 'england'}.xlsx", "", ""
    try:
        exports = importlib.import_module("tracker.exports.service")
        builder = exports.workbook_bytes
    except (ImportError, AttributeError):
        return "", "", "not attached"
    try:
        result = builder(scope, code or None, period_code, today=ctx.today)
        if inspect.isawaitable(result):
            result = await result
        filename, data = result
    except Exception:
        log.exception("workbook for %s %s %s could not be built", scope, code, period_code)
        return "", "", "not attached"
    return filename, await outbox_service.store_attachment(filename, data), ""


async def plan_ccg_reports(ctx: RunContext) -> Plan:
    result = Plan()
    current, timely = await _periods(ctx.today)
    if current is None:
        result.notes.append("No period has opened yet.")
        return result
    figures = await _figures(current, timely, ctx.today)
    overdue = await _overdue(ctx.today)
    unreachable = await _unreachable()
    scores_label, off_track = await _off_track(ctx.today)
    forecasts = await _forecasts(current.financial_year)
    to_by_ccg = await recipients("ccg", "ccg_report")
    ccgs = await organisations.ccg_contacts()
    for c in ccgs:
        to = to_by_ccg.get(c.id, [])
        if not to:
            continue
        report = CcgReport(
            code=c.code,
            name=c.name or c.code,
            as_at=ctx.today,
            figures=figures.for_(("ccg", c.id), current, timely),
            overdue=tuple(p for p in overdue if p.ccg_id == c.id),
            unreachable=tuple(unreachable.get(c.id, [])),
            off_track=tuple(off_track.get(c.id, [])),
            scores_label=scores_label,
            funding=messages.funding(forecasts.get(c.id, []), current.financial_year),
        )
        link = ctx.link(f"/organisations/ccgs/{c.code}")
        keys = [calc.report_key("ccg_report", c.code, ctx.fire_at, a) for a in to]
        if not ctx.dry_run and set(keys) <= await outbox_service.existing_keys(keys):
            continue  # this week's report has gone already: do not build its workbook again
        name, sha, note = await attach(ctx, "ccg", c.code, current.code)
        for address in to:
            email = messages.ccg_report(
                report, link=link, attachment_missing=bool(note), leave_link=ctx.leave_link(address, "ccg_report")
            )
            result.emails.append(
                PlannedEmail(
                    idempotency_key=calc.report_key("ccg_report", c.code, ctx.fire_at, address),
                    kind="ccg_report",
                    to_address=address,
                    subject=email.subject,
                    body_text=email.text,
                    body_html=email.html,
                    ccg_id=c.id,
                    period_id=current.id,
                    attachment_name=name,
                    attachment_sha256=sha,
                    organisation=f"{c.code} {report.name}",
                )
            )
    result.notes.append(f"{len(ccgs)} CCGs; {len({e.ccg_id for e in result.emails})} with someone to email.")
    return result


async def plan_region_summaries(ctx: RunContext) -> Plan:
    result = Plan()
    current, timely = await _periods(ctx.today)
    if current is None:
        result.notes.append("No period has opened yet.")
        return result
    figures = await _figures(current, timely, ctx.today)
    overdue = await _overdue(ctx.today)
    to_by_region = await recipients("region", "region_summary")
    ccgs = await organisations.ccg_contacts()
    codes: dict[int | None, str] = {c.id: c.code for c in ccgs}
    for r in await _regions():
        to = to_by_region.get(r.id, [])
        if not to:
            continue
        ccg_rows = []
        for c in ccgs:
            if c.region_id != r.id:
                continue
            f = figures.for_(("ccg", c.id), current, timely)
            if f.expected:
                ccg_rows.append(CcgReportRow(code=c.code, name=c.name or c.code, figures=f))
        summary = RegionSummary(
            code=r.code,
            name=r.name or r.code,
            as_at=ctx.today,
            figures=figures.for_(("region", r.id), current, timely),
            ccgs=tuple(ccg_rows),
            escalated=tuple(
                replace(p, ccg_code=codes.get(p.ccg_id, "")) for p in overdue if p.region_id == r.id and p.escalated
            ),
        )
        for address in to:
            email = messages.region_summary(
                summary,
                link=ctx.link(f"/organisations/regions/{r.code}"),
                leave_link=ctx.leave_link(address, "region_summary"),
            )
            result.emails.append(
                PlannedEmail(
                    idempotency_key=calc.report_key("region_summary", r.code, ctx.fire_at, address),
                    kind="region_summary",
                    to_address=address,
                    subject=email.subject,
                    body_text=email.text,
                    body_html=email.html,
                    period_id=current.id,
                    organisation=f"{r.code} {summary.name}",
                )
            )
    return result


async def plan_national_summary(ctx: RunContext) -> Plan:
    result = Plan()
    current, timely = await _periods(ctx.today)
    if current is None:
        result.notes.append("No period has opened yet.")
        return result
    to = (await recipients("national", "national_summary")).get(None, [])
    if not to:
        result.notes.append("No national users to email.")
        return result
    figures = await _figures(current, timely, ctx.today)
    overdue = await _overdue(ctx.today)
    regions = []
    for r in await _regions():
        f = figures.for_(("region", r.id), current, timely)
        if f.expected:
            escalated = sum(1 for p in overdue if p.region_id == r.id and p.escalated)
            regions.append(RegionReportRow(code=r.code, name=r.name or r.code, figures=f, escalated=escalated))
    summary = NationalSummary(
        as_at=ctx.today, figures=figures.for_(("all", None), current, timely), regions=tuple(regions)
    )
    link = ctx.link("/organisations")
    keys = [calc.report_key("national_summary", "england", ctx.fire_at, a) for a in to]
    if not ctx.dry_run and set(keys) <= await outbox_service.existing_keys(keys):
        result.notes.append("This month's national summary has gone already.")
        return result
    name, sha, note = await attach(ctx, "national", "", current.code)
    for address in to:
        email = messages.national_summary(
            summary, link=link, attachment_missing=bool(note), leave_link=ctx.leave_link(address, "national_summary")
        )
        result.emails.append(
            PlannedEmail(
                idempotency_key=calc.report_key("national_summary", "england", ctx.fire_at, address),
                kind="national_summary",
                to_address=address,
                subject=email.subject,
                body_text=email.text,
                body_html=email.html,
                period_id=current.id,
                attachment_name=name,
                attachment_sha256=sha,
                organisation="England",
            )
        )
    return result

"""The monthly digest of alerts: each CCG lead gets its practices', each regional lead its CCGs',
each national user every CCG's; exactly once per person per month (the idempotency key names the
month), to the same people as the level's other status reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracker.alerts import detect
from tracker.alerts import service as alerts
from tracker.notifications import calculations as calc
from tracker.notifications import messages, outbox_service, report_service
from tracker.notifications.planning import Plan, PlannedEmail, RunContext

KIND = "alert_digest"


def _email(
    ctx: RunContext,
    *,
    level: str,
    code: str,
    name: str,
    b: alerts.Basis,
    headline: alerts.Headline,
    found: list[detect.Alert],
    path: str,
    leave_link: str = "",
) -> messages.Email:
    labels = b.labels
    return messages.alert_digest(
        level=level,
        code=code,
        name=name,
        month=calc.month_label(ctx.fire_at),
        first_period=labels[max(0, len(labels) - 1 - detect.WINDOW)],
        headline=headline,
        alerts=found,
        link=ctx.link(path),
        emails_link=ctx.link("/account/emails"),
        leave_link=leave_link,
    )


def _planned(
    ctx: RunContext, make: Callable[[str], messages.Email], code: str, to: list[str], **ids: Any
) -> list[PlannedEmail]:
    """One email for each address, each made with that address's own leave link."""
    out = []
    for address in to:
        email = make(ctx.leave_link(address, KIND))
        out.append(
            PlannedEmail(
                idempotency_key=calc.digest_key(KIND, code, ctx.fire_at, address),
                kind=KIND,
                to_address=address,
                subject=email.subject,
                body_text=email.text,
                body_html=email.html,
                **ids,
            )
        )
    return out


async def _gone(ctx: RunContext, code: str, to: list[str]) -> bool:
    """This month's digest for the organisation has been queued for everyone already: skip the work."""
    keys = [calc.digest_key(KIND, code, ctx.fire_at, a) for a in to]
    return not ctx.dry_run and set(keys) <= await outbox_service.existing_keys(keys)


async def ccg_digest(ctx: RunContext, b: alerts.Basis, ccg_id: int) -> Callable[[str], messages.Email]:
    """One CCG's digest, given the leave link of the address it goes to."""
    row = b.ccgs[ccg_id]
    code, name = row.code, row.name or row.code
    found = await alerts.ccg_alerts(b, ccg_id)
    headline = await alerts.headline(b, "ccg", ccg_id, code, ctx.today)

    def make(leave_link: str) -> messages.Email:
        return _email(
            ctx,
            level="ccg",
            code=code,
            name=name,
            b=b,
            headline=headline,
            found=found,
            path=f"/dashboards/ccgs/{code}",
            leave_link=leave_link,
        )

    return make


async def plan(ctx: RunContext) -> Plan:
    result = Plan()
    b = await alerts.basis(ctx.today)
    if b is None or len(b.periods) <= detect.WINDOW:
        result.notes.append("Not enough scored quarters for alerts yet.")
        return result
    # CCG leads: their practices.
    for ccg_id, to in (await report_service.recipients("ccg", KIND)).items():
        if ccg_id is None or ccg_id not in b.ccgs:
            continue
        code = b.ccgs[ccg_id].code
        if await _gone(ctx, code, to):
            continue
        make = await ccg_digest(ctx, b, ccg_id)
        name = b.ccgs[ccg_id].name or code
        result.emails += _planned(ctx, make, code, to, ccg_id=ccg_id, organisation=f"{code} {name}")
    # Regional leads and national users: CCGs, against every CCG in England.
    every_ccg = alerts.ccgs_alerts(b)
    in_region: dict[int, set[str]] = {}
    for ccg in b.ccgs.values():
        if ccg.region_id is not None:
            in_region.setdefault(ccg.region_id, set()).add(ccg.code)
    for region_id, to in (await report_service.recipients("region", KIND)).items():
        region = b.regions.get(region_id) if region_id is not None else None
        if region is None:
            continue
        code = region.code
        if await _gone(ctx, code, to):
            continue
        name = region.name or code
        found = [a for a in every_ccg if a.org_code in in_region.get(int(region_id or 0), set())]
        headline = await alerts.headline(b, "region", region_id, code, ctx.today)

        def region_email(
            leave_link: str,
            code: str = code,
            name: str = name,
            headline: alerts.Headline = headline,
            found: list[detect.Alert] = found,
        ) -> messages.Email:
            return _email(
                ctx,
                level="region",
                code=code,
                name=name,
                b=b,
                headline=headline,
                found=found,
                path=f"/dashboards/regions/{code}",
                leave_link=leave_link,
            )

        result.emails += _planned(ctx, region_email, code, to, organisation=f"{code} {name}")
    national = (await report_service.recipients("national", KIND)).get(None, [])
    if national and not await _gone(ctx, "england", national):
        headline = await alerts.headline(b, "england", None, "ENG", ctx.today)

        def national_email(leave_link: str) -> messages.Email:
            return _email(
                ctx,
                level="england",
                code="",
                name="England",
                b=b,
                headline=headline,
                found=every_ccg,
                path="/dashboards/england",
                leave_link=leave_link,
            )

        result.emails += _planned(ctx, national_email, "england", national, organisation="England")
    result.notes.append(
        f"Alerts over {b.labels[0]} to {b.labels[-1]}: {len(every_ccg)} about CCGs;"
        f" {len(result.emails)} digest(s) to send."
    )
    return result

"""A practice's own workbook round-trip: download its return pre-filled, preview an upload (kept
server-side under a token) and apply it through the lifecycle, checked again at that moment.

The route has already checked the policy (the practice is the user's own, to edit); this module
checks the rest: the return is in a state the practice may change, the workbook is this return's,
and nobody changed the return since the workbook was downloaded."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from dataclasses import dataclass

from tracker import clock
from tracker.accounts.principal import Principal
from tracker.kv import service as kv
from tracker.organisations.presenters import practice_title
from tracker.periods.service import PeriodRow
from tracker.returns import calculations as calc
from tracker.returns import practice_workbook as pwb
from tracker.returns import service
from tracker.returns.service import Actor, ReturnContext

KEY = "practice-workbook:"
PREVIEW_MINUTES = 60


def not_editable(ctx: ReturnContext, today: dt.date) -> str | None:
    """Why the practice cannot use a workbook for this return now, or None."""
    return calc.practice_may_edit(ctx.state, ctx.window, today, ctx.exception_until)


def _label(period: PeriodRow | None) -> str:
    return period["code"].replace("-", " ") if period else ""


def file_name(ctx: ReturnContext) -> str:
    return f"return-{ctx.practice.ods_code}-{calc.url_code(ctx.period['code'])}.xlsx"


def workbook(ctx: ReturnContext) -> bytes:
    """The return as it stands, with the previous period's values beside it."""
    return pwb.write_workbook(
        practice_code=ctx.practice.ods_code,
        practice_name=practice_title(ctx.practice.name),
        period_label=_label(ctx.period),
        period_code=ctx.period["code"],
        previous_label=_label(ctx.previous_period),
        due_on=f"{ctx.period['due_on']:%-d %B %Y}",
        version=ctx.version,
        specs=ctx.specs,
        entries=ctx.entries,
        previous=ctx.previous,
    )


@dataclass
class Preview:
    error: str = ""  # the whole workbook was refused
    checked: pwb.Checked | None = None
    token: str = ""
    submit: bool = False


async def _changed_since(ctx: ReturnContext, version: int) -> str | None:
    """The refusal when the return changed after the workbook was made (its version moved on)."""
    if ctx.version == version:
        return None
    last = await service.last_change(ctx.row.id) if ctx.row else None
    who = f" by {last.actor}" if last and last.actor else ""
    return (
        f"This return was changed{who} after the workbook was downloaded, so nothing was saved "
        "(their changes would have been lost): download a fresh workbook and copy your answers in"
    )


def _check(ctx: ReturnContext, upload: pwb.Upload, submit: bool) -> pwb.Checked:
    return pwb.check(
        upload,
        practice_code=ctx.practice.ods_code,
        period_code=ctx.period["code"],
        specs=ctx.specs,
        current=ctx.entries,
        previous=ctx.previous_values,
        state=ctx.state,
        submit=submit,
    )


async def preview(
    ctx: ReturnContext, data: bytes, filename: str, *, user: Principal, submit: bool, today: dt.date, max_bytes: int
) -> Preview:
    """Check an upload. Nothing is written; a clean one is kept under a token to apply."""
    if (reason := not_editable(ctx, today)) is not None:
        return Preview(error=f"This return cannot be changed now: {reason}")
    names = {s.code: s.name for s in ctx.specs}
    try:
        upload = await asyncio.to_thread(pwb.read_workbook, data, filename, max_bytes=max_bytes, names=names)
        checked = _check(ctx, upload, submit)
    except pwb.WorkbookError as exc:
        return Preview(error=str(exc))
    if (changed := await _changed_since(ctx, upload.version)) is not None:
        return Preview(error=changed)
    result = Preview(checked=checked, submit=submit)
    if not checked.anything_to_save:
        return result
    token = secrets.token_urlsafe(24)
    payload = {
        "account": user.id,
        "practice": ctx.practice.ods_code,
        "period": ctx.period["code"],
        "submit": submit,
        "version": upload.version,
        "codes": upload.codes,
        "raw": upload.raw,
        "rows": upload.rows,
    }
    expires = clock.now() + dt.timedelta(minutes=PREVIEW_MINUTES)
    await kv.put(KEY + token, json.dumps(payload), expires)
    result.token = token
    return result


@dataclass
class Applied:
    error: str = ""
    submit: bool = False


async def apply(
    ctx: ReturnContext, token: str, *, user: Principal, actor: Actor, now: dt.datetime, today: dt.date
) -> Applied:
    """Apply a previewed upload: checked again now, then saved through the lifecycle or not at all."""
    stored = await kv.get(KEY + token) if token else None
    if stored is None:
        return Applied(error="This preview has expired or was already applied: upload the workbook again")
    payload = json.loads(stored[0])
    if payload.get("account") != user.id:
        return Applied(error="This preview belongs to someone else: upload the workbook yourself")
    if payload.get("practice") != ctx.practice.ods_code or payload.get("period") != ctx.period["code"]:
        return Applied(error="This preview is for another return: upload the workbook on that return's page")
    if (reason := not_editable(ctx, today)) is not None:
        return Applied(error=f"This return cannot be changed now: {reason}")
    submit = bool(payload["submit"])
    upload = pwb.Upload(
        payload["practice"],
        payload["period"],
        int(payload["version"]),
        payload["codes"],
        payload["raw"],
        payload["rows"],
    )
    if (changed := await _changed_since(ctx, upload.version)) is not None:
        return Applied(error=changed)
    try:
        checked = _check(ctx, upload, submit)
    except pwb.WorkbookError as exc:
        return Applied(error=str(exc))
    if checked.errors:
        return Applied(error="The workbook no longer passes the checks: upload it again to see why")
    # The version named is the workbook's: a save made since then makes the lifecycle refuse it all.
    result = await service.save(
        ctx, checked.entries, version=upload.version, submit=submit, actor=actor, now=now, today=today, source="upload"
    )
    if not result.ok:
        if result.conflict:
            return Applied(error=await _changed_since(ctx, -1) or "This return changed: upload the workbook again")
        return Applied(error=f"Nothing was saved: {result.refused}")
    await kv.delete(KEY + token)
    return Applied(submit=submit)

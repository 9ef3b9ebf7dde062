"""A practice's own workbook: download its return pre-filled, fill it offline, upload it, preview
every change and problem, then save it as a draft or submit it, all or nothing."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from tracker.accounts.policy import Action
from tracker.accounts.principal import Role
from tracker.organisations.presenters import practice_title
from tracker.returns import calculations as calc
from tracker.returns import practice_workbook_service as workbooks
from tracker.returns import presenters, service, upload_forms
from tracker.web.auth import roles
from tracker.web.forms import FormErrors, client_ip, read_form

PRACTICE_ONLY = roles(Role.PRACTICE)
BASE = "/practices/{ods_code:str}/returns/{period_code:str}/workbook"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _context(request: Request[Any, Any, Any], ods_code: str, period_code: str) -> service.ReturnContext:
    # The policy first: only the practice's own staff may edit its return (403 for anyone else).
    practice = await service.practice_for(ods_code, request.user, Action.EDIT_RETURN)
    period = await service.period_from_url(period_code)
    return await service.load_context(practice, period, with_last_change=False)


def _return_url(ctx: service.ReturnContext) -> str:
    return f"/practices/{ctx.practice.ods_code}/returns/{calc.url_code(ctx.period['code'])}"


def _common(ctx: service.ReturnContext) -> dict[str, Any]:
    label = ctx.period["code"].replace("-", " ")
    return {
        "practice": ctx.practice,
        "practice_name": practice_title(ctx.practice.name),
        "period_label": label,
        "return_url": _return_url(ctx),
        "state_tag": presenters.state_tag(ctx.state),
    }


def _page(
    request: Request[Any, Any, Any],
    ctx: service.ReturnContext,
    *,
    errors: FormErrors | None = None,
    mode: str = "",
    status_code: int = 200,
) -> Template:
    today = request.app.state.settings.current_date()
    return Template(
        "returns/workbook.html",
        context={
            "title": f"{ctx.period['code'].replace('-', ' ')} return in a workbook",
            **_common(ctx),
            "locked_reason": workbooks.not_editable(ctx, today),
            "errors": errors,
            "mode": mode,
        },
        status_code=status_code,
    )


@get(BASE, opt=PRACTICE_ONLY, name="practice_workbook")
async def workbook_page(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> Template:
    return _page(request, await _context(request, ods_code, period_code))


@get(BASE + ".xlsx", opt=PRACTICE_ONLY, name="practice_workbook_download")
async def download(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> Response[bytes] | Template:
    ctx = await _context(request, ods_code, period_code)
    if workbooks.not_editable(ctx, request.app.state.settings.current_date()) is not None:
        # The page says why: a workbook of a return that cannot change would only be refused on upload.
        return _page(request, ctx, status_code=409)
    return Response(
        workbooks.workbook(ctx),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{workbooks.file_name(ctx)}"'},
    )


@post(BASE, opt=PRACTICE_ONLY, name="practice_workbook_upload")
async def upload(request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]) -> Template:
    ctx = await _context(request, ods_code, period_code)
    settings = request.app.state.settings
    posted = await upload_forms.read_upload(
        request,
        select_file="Select the workbook to upload",
        choose_mode="Choose whether to save the return as a draft or submit it",
    )
    file, mode, errors = posted.file, posted.mode, posted.errors
    if file is None or errors:
        return _page(request, ctx, errors=errors, mode=mode, status_code=422)
    result = await workbooks.preview(
        ctx,
        await file.read(),
        file.filename,
        user=request.user,
        submit=mode == "submit",
        today=settings.current_date(),
        max_bytes=settings.max_upload_bytes,
    )
    if result.error:
        errors.add("workbook", result.error)
        return _page(request, ctx, errors=errors, mode=mode, status_code=422)
    checked = result.checked
    assert checked is not None
    return Template(
        "returns/workbook_preview.html",
        context={
            **_common(ctx),
            **upload_forms.preview_context(checked, result.token, result.submit, errors, "problems"),
        },
        status_code=422 if checked.errors else 200,
    )


@post(BASE + "/apply", opt=PRACTICE_ONLY, name="practice_workbook_apply")
async def apply(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> Template | Redirect:
    ctx = await _context(request, ods_code, period_code)
    settings = request.app.state.settings
    form = await read_form(request)
    result = await workbooks.apply(
        ctx,
        form.get("token", ""),
        user=request.user,
        actor=service.Actor(request.user.id, request.user.email, client_ip(request)),
        now=settings.now(),
        today=settings.current_date(),
    )
    if result.error:
        errors = FormErrors()
        errors.add("workbook", result.error)
        return _page(request, await _context(request, ods_code, period_code), errors=errors, status_code=409)
    saved = "submitted" if result.submit else "draft"
    return Redirect(f"{_return_url(ctx)}?saved={saved}", status_code=303)


ROUTES: list[Any] = [workbook_page, download, upload, apply]

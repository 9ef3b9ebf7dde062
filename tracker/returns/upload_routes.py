"""The CCG's returns workbook: download it pre-filled, upload it, preview every change and
error, then apply all of it or none."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from tracker.accounts.principal import Role
from tracker.returns import service, upload_forms, upload_service
from tracker.web.auth import roles
from tracker.web.forms import FormErrors, client_ip, read_form

CCG_ONLY = roles(Role.CCG)


def _page(request: Request[Any, Any, Any], **context: Any) -> Template:
    status_code = context.pop("status_code", 200)
    params = request.query_params
    context.setdefault("applied", params.get("applied", ""))
    context.setdefault("values", params.get("values", ""))
    context.setdefault("mode", params.get("mode", ""))
    return Template(
        "review/workbook.html", context={"title": "Returns spreadsheet", **context}, status_code=status_code
    )


@get("/review/workbook", opt=CCG_ONLY, name="review_workbook")
async def workbook_page(request: Request[Any, Any, Any]) -> Template:
    return _page(request)


@get("/review/workbook.xlsx", opt=CCG_ONLY, name="review_workbook_download")
async def download(request: Request[Any, Any, Any]) -> Response[bytes]:
    name, data = await upload_service.workbook(request.user, request.app.state.settings.current_date())
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@post("/review/workbook", opt=CCG_ONLY, name="review_workbook_upload")
async def upload(request: Request[Any, Any, Any]) -> Template:
    settings = request.app.state.settings
    posted = await upload_forms.read_upload(
        request,
        select_file="Select the returns workbook to upload",
        choose_mode="Choose whether to save the returns as drafts or submit them",
    )
    file, mode, errors = posted.file, posted.mode, posted.errors
    if file is None or errors:
        return _page(request, errors=errors, chosen_mode=mode, status_code=422)
    data = await file.read()
    result = await upload_service.preview(
        data,
        file.filename,
        user=request.user,
        submit=mode == "submit",
        today=settings.current_date(),
        max_bytes=settings.max_upload_bytes,
    )
    if result.error:
        errors.add("workbook", result.error)
        return _page(request, errors=errors, status_code=422)
    checked = result.checked
    assert checked is not None
    return Template(
        "review/preview.html",
        context={
            **upload_forms.preview_context(checked, result.token, result.submit, errors, "workbook"),
            "period": result.period_code,
            "rows": result.rows,
            "practices": len(checked.merged),
        },
        status_code=422 if checked.errors else 200,
    )


@post("/review/workbook/apply", opt=CCG_ONLY, name="review_workbook_apply")
async def apply(request: Request[Any, Any, Any]) -> Template | Redirect:
    settings = request.app.state.settings
    form = await read_form(request)
    result = await upload_service.apply(
        form.get("token", ""),
        user=request.user,
        actor=service.Actor(request.user.id, request.user.email, client_ip(request)),
        now=settings.now(),
        today=settings.current_date(),
    )
    if result.error:
        errors = FormErrors()
        errors.add("workbook", result.error)
        return _page(request, errors=errors, status_code=409)
    mode = "submitted" if result.submit else "saved as drafts"
    return Redirect(f"/review/workbook?applied={result.practices}&values={result.values}&mode={mode}", status_code=303)


ROUTES: list[Any] = [workbook_page, download, upload, apply]

"""Administration of the indicator catalogue: the indicators in use and retired, a reviewed
catalogue file checked and previewed before it is applied, and each indicator's versions. The same
service as `tracker catalogue load`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from tracker.accounts.principal import Role
from tracker.indicators import presenters, service
from tracker.indicators.calculations import CataloguePlan
from tracker.indicators.catalogue import CatalogueError
from tracker.maturity import service as maturity
from tracker.web.auth import roles
from tracker.web.dates import PARTS, form_with_date, read_date
from tracker.web.forms import FormErrors, client_ip, read_form

ADMIN = roles(Role.ADMIN)
Query = Annotated[str, QueryParameter(required=False, max_length=40)]
FILE = "file"
DATE = "valid_from"
DATE_LABEL = "Date the new definitions apply from"
DATE_FIELDS = tuple(f"{DATE}-{p}" for p in PARTS)


async def _names() -> dict[str, str]:
    return {e.spec.code: e.spec.name for e in await service.catalogue_entries()}


async def _catalogue_page(
    request: Request[Any, Any, Any],
    *,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    refused: list[str] | None = None,
    done: str = "",
    status: int = 200,
) -> Template:
    active, retired = presenters.catalogue_rows(await service.catalogue_entries())
    today = request.app.state.settings.current_date()
    return Template(
        "admin/catalogue.html",
        context={
            "title": "Indicator catalogue",
            "active": active,
            "retired": retired,
            "form": form if form is not None else form_with_date({}, DATE, today),
            "errors": errors or FormErrors(),
            "refused": refused or [],
            "done": presenters.done_message(done),
            "max_kb": service.MAX_UPLOAD_BYTES // 1024,
        },
        status_code=status,
    )


def _date_form(fields: dict[str, str]) -> dict[str, str]:
    return {k: fields.get(k, "")[:20] for k in DATE_FIELDS}


async def _refused_page(
    request: Request[Any, Any, Any], form: dict[str, str], plan: CataloguePlan, errors: FormErrors
) -> Template:
    errors.add(FILE, presenters.refused_summary(len(plan.refused)))
    refused = presenters.refusals(plan, await _names())
    return await _catalogue_page(request, form=form, errors=errors, refused=refused, status=422)


@get("/admin/catalogue", opt=ADMIN, name="admin_catalogue")
async def catalogue_page(request: Request[Any, Any, Any], done: Query = "") -> Template:
    return await _catalogue_page(request, done=done)


@post("/admin/catalogue/preview", opt=ADMIN, name="admin_catalogue_preview")
async def catalogue_preview(request: Request[Any, Any, Any]) -> Template:
    """Check the file and show what applying it would change; nothing is written to the catalogue."""
    posted = await request.form()
    fields = {k: v for k, v in posted.multi_items() if isinstance(v, str)}
    form = _date_form(fields)
    errors = FormErrors()
    upload = posted.get(FILE)
    catalogue, name, data = None, "", b""
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.add(FILE, "Select a catalogue file")
    else:
        name, data = upload.filename, await upload.read(service.MAX_UPLOAD_BYTES + 1)
        try:
            catalogue = service.read_upload(name, data)
        except CatalogueError as exc:
            errors.add(FILE, str(exc))
    valid_from = read_date(form, DATE, errors, label=DATE_LABEL)
    if errors or catalogue is None or valid_from is None:
        return await _catalogue_page(request, form=form, errors=errors, status=422)
    plan = await service.plan_file(catalogue)
    if plan.refused:
        return await _refused_page(request, form, plan, errors)
    key = await service.keep_upload(request.user.id, name, data) if plan.has_changes else ""
    return Template(
        "admin/catalogue_preview.html",
        context={
            "title": "Check the changes before applying them",
            "file": catalogue.path.name,
            "plan": presenters.plan_view(plan, await _names()),
            "has_changes": plan.has_changes,
            "valid_from": valid_from,
            "form": form,
            "key": key,
            "sha256": catalogue.sha256,
        },
    )


@post("/admin/catalogue", opt=ADMIN, name="admin_catalogue_apply")
async def catalogue_apply(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Apply the previewed file: checked again whole, and re-planned inside the transaction."""
    fields = await read_form(request)
    form = _date_form(fields)
    errors = FormErrors()
    user = request.user
    key = fields.get("key", "")
    kept = await service.kept_upload(user.id, key)
    catalogue = None
    if kept is None:
        errors.add(FILE, "The preview has expired or was already applied: select the file and check it again")
    else:
        try:
            catalogue = service.read_upload(*kept)
        except CatalogueError as exc:
            errors.add(FILE, str(exc))
        if catalogue is not None and catalogue.sha256 != fields.get("sha256"):
            errors.add(FILE, "The file is not the one you checked: select the file and check it again")
    valid_from: dt.date | None = read_date(form, DATE, errors, label=DATE_LABEL)
    if errors or catalogue is None or valid_from is None:
        return await _catalogue_page(request, form=form, errors=errors, status=422)
    plan = await service.apply_plan(catalogue, valid_from, actor=user.email, account_id=user.id, ip=client_ip(request))
    if plan.refused:
        return await _refused_page(request, form, plan, errors)
    await service.forget_upload(key)
    # Scores are worked out against each period's definitions: a change rescores the periods from
    # its date on. After the response, as `tracker refresh` would (about 20 s for England).
    rescore = BackgroundTask(maturity.refresh_all, request.app.state.settings.current_date())
    return Redirect(
        f"/admin/catalogue?done={presenters.done_query(plan, valid_from)}",
        status_code=303,
        background=rescore if plan.has_changes else None,
    )


@get("/admin/catalogue/{code:str}", opt=ADMIN, name="admin_catalogue_indicator")
async def catalogue_indicator(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    """One indicator's versions: what it meant from when, and what each file changed."""
    entry = next((e for e in await service.catalogue_entries() if e.spec.code == code[:40]), None)
    if entry is None:
        raise NotFoundException("There is no such indicator")
    return Template(
        "admin/catalogue_indicator.html",
        context={
            "title": entry.spec.name,
            "entry": presenters.entry_row(entry),
            "spec": entry.spec,
            "active": entry.active,
            "versions": presenters.version_rows(await service.versions(entry.spec.code)),
        },
    )


ROUTES: list[Any] = [catalogue_page, catalogue_preview, catalogue_apply, catalogue_indicator]

"""Administration of schedules and the outbox (Sent emails, delivery failures), and "emails you receive"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from tracker.accounts.principal import Role
from tracker.notifications import calculations as calc
from tracker.notifications import leaving, outbox_service, presenters, samples, service, subscriptions_service
from tracker.ops import service as ops
from tracker.ops.presenters import scheduler_status
from tracker.web.auth import ANY_SIGNED_IN, roles
from tracker.web.forms import FormErrors, read_form

ADMIN = roles(Role.ADMIN)
PER_PAGE = 50
PREVIEW_LIMIT = 200


def _ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


@get("/admin/schedules", opt=ADMIN, name="schedules")
async def schedules(request: Request[Any, Any, Any]) -> Template:
    settings = request.app.state.settings
    await service.ensure_default_schedules(settings)
    rows = await service.schedules()
    runs = await service.recent_runs(limit=15)
    heartbeat, healthy = scheduler_status(
        await ops.lease(),
        dt.datetime.now(dt.UTC),  # noqa: TID251 (the heartbeat is on real time, between processes)
        dt.timedelta(seconds=settings.heartbeat_stale_seconds),
    )
    return Template(
        "notifications/schedules.html",
        context={
            "schedules": presenters.schedule_rows(rows, settings.now()),
            "runs": presenters.run_rows(runs),
            "smtp": bool(settings.smtp_url),
            "scheduler_on": settings.scheduler,
            "heartbeat": heartbeat,
            "heartbeat_ok": healthy,
            "kinds": presenters.example_links(sorted(samples.emails(settings.base_url))),
        },
    )


async def _schedule_page(
    request: Request[Any, Any, Any],
    schedule_id: int,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
) -> Template:
    row = await service.schedule(schedule_id)
    runs = await service.recent_runs(job=row.name, limit=10)
    return Template(
        "notifications/schedule.html",
        context={
            "schedule": row,
            "title": presenters.kind_label(row.kind),
            "summary": presenters.schedule_summary(row, request.app.state.settings.now()),
            "runs": presenters.run_rows(runs),
            "errors": errors,
            "form": form or {"cron": row.cron, "enabled": "yes" if row.enabled else "no"},
            "ran": request.query_params.get("ran", ""),
            "saved": request.query_params.get("saved", ""),
            "examples": [(c, calc.describe_cron(c)) for c in ("0 7 * * 1", "0 7 * * 1-5", "30 6 * * *", "0 8 1 * *")],
        },
        status_code=422 if errors else 200,
    )


@get("/admin/schedules/{schedule_id:int}", opt=ADMIN, name="schedule")
async def schedule_page(request: Request[Any, Any, Any], schedule_id: FromPath[int]) -> Template:
    return await _schedule_page(request, schedule_id)


@post("/admin/schedules/{schedule_id:int}", opt=ADMIN, name="schedule_update")
async def schedule_update(request: Request[Any, Any, Any], schedule_id: FromPath[int]) -> Template | Redirect:
    form = await read_form(request)
    errors = FormErrors()
    cron = " ".join(form.get("cron", "").split())
    if not cron:
        errors.add("cron", "Enter when the job should run, for example 0 7 * * 1")
    else:
        try:
            calc.parse_cron(cron)
        except calc.CronError as exc:
            errors.add("cron", str(exc))
    if form.get("enabled") not in {"yes", "no"}:
        errors.add("enabled-yes", "Select whether the schedule is on")
    if errors:
        return await _schedule_page(request, schedule_id, errors, form)
    user = request.user
    await service.update_schedule(
        schedule_id,
        cron=cron,
        enabled=form["enabled"] == "yes",
        actor=user.email,
        account_id=user.id,
        settings=request.app.state.settings,
        ip=_ip(request),
    )
    return Redirect(f"/admin/schedules/{schedule_id}?saved=1", status_code=303)


@post("/admin/schedules/{schedule_id:int}/run", opt=ADMIN, name="schedule_run")
async def schedule_run(request: Request[Any, Any, Any], schedule_id: FromPath[int]) -> Redirect:
    row = await service.schedule(schedule_id)
    result = await service.run_schedule(request.app.state.settings, row, trigger="manual", actor=request.user.email)
    return Redirect(f"/admin/schedules/{schedule_id}?ran={result.queued}", status_code=303)


@get("/admin/schedules/{schedule_id:int}/preview", opt=ADMIN, name="schedule_preview")
async def schedule_preview(request: Request[Any, Any, Any], schedule_id: FromPath[int]) -> Template:
    row = await service.schedule(schedule_id)
    result = await service.run_schedule(request.app.state.settings, row, dry_run=True)
    shown = result.emails[:PREVIEW_LIMIT]
    existing = await outbox_service.existing_keys([e.idempotency_key for e in shown])
    first_new = next((e for e in result.emails if e.idempotency_key not in existing), None)
    sample = first_new or (result.emails[0] if result.emails else None)
    return Template(
        "notifications/preview.html",
        context={
            "schedule": row,
            "title": f"Preview: {presenters.kind_label(row.kind)}",
            "result": result,
            "rows": presenters.preview_rows(shown, existing),
            "more": max(0, len(result.emails) - PREVIEW_LIMIT),
            "sample": sample,
            "sample_body": presenters.email_body(sample.body_html) if sample else "",
        },
    )


@get("/admin/schedules/emails/{kind:str}", opt=ADMIN, name="email_example")
async def email_example(request: Request[Any, Any, Any], kind: FromPath[str]) -> Template:
    """One kind of email with example values (the demo's 00K), as its templates render it now:
    for the kinds no schedule sends (invitations, password resets) as much as for the others."""
    examples = samples.emails(request.app.state.settings.base_url)
    email = examples.get(kind)
    if email is None:
        raise NotFoundException(f"There is no kind of email called {kind}")
    return Template(
        "notifications/example.html",
        context={
            "title": f"Example: {presenters.kind_label(kind)}",
            "kind": kind,
            "email": email,
            "body": presenters.email_body(email.html),
        },
    )


@get("/admin/emails", opt=ADMIN, name="sent_emails")
async def sent_emails(
    request: Request[Any, Any, Any],
    kind: Annotated[str, QueryParameter(max_length=40)] = "",
    page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
) -> Template:
    state_filter = request.query_params.get("state", "")  # "state" is a reserved parameter name
    state = state_filter if state_filter in outbox_service.STATES else ""
    rows, total = await outbox_service.list_emails(state=state, kind=kind, page=page, per_page=PER_PAGE)
    base = "/admin/emails?" + "&".join(f"{k}={v}" for k, v in (("state", state), ("kind", kind)) if v)
    return Template(
        "notifications/emails.html",
        context={
            "rows": presenters.email_rows(rows),
            "total": total,
            "counts": presenters.state_counts(await outbox_service.counts_by_state()),
            "kinds": [(k, presenters.kind_label(k), n) for k, n in (await outbox_service.counts_by_kind()).items()],
            "state": state,
            "kind": kind,
            "pages": presenters.pages(total, page, PER_PAGE, base.rstrip("?")),
            "smtp": bool(request.app.state.settings.smtp_url),
        },
    )


@get("/admin/emails/{email_id:int}", opt=ADMIN, name="sent_email")
async def sent_email(email_id: FromPath[int]) -> Template:
    row = await outbox_service.get_email(email_id)
    if row is None:
        raise NotFoundException()
    return _email_page(row, back="/admin/emails", back_text="Sent emails")


def _email_page(row: outbox_service.OutboxRow, *, back: str, back_text: str) -> Template:
    return Template(
        "notifications/email.html",
        context={
            "email": row,
            "title": row.subject,
            "summary": presenters.email_summary(row),
            "body": presenters.email_body(row.body_html) if row.body_html else "",
            "back": back,
            "back_text": back_text,
        },
    )


@get("/admin/email-failures", opt=ADMIN, name="email_failures")
async def email_failures(page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1) -> Template:
    rows, total = await outbox_service.list_emails(state="failed", page=page, per_page=PER_PAGE)
    return Template(
        "notifications/failures.html",
        context={
            "failures": presenters.failure_rows(rows),
            "total": total,
            "pages": presenters.pages(total, page, PER_PAGE, "/admin/email-failures"),
        },
    )


@post("/admin/emails/{email_id:int}/retry", opt=ADMIN, name="email_retry")
async def email_retry(request: Request[Any, Any, Any], email_id: FromPath[int]) -> Redirect:
    await outbox_service.retry(
        email_id, request.app.state.settings.now(), actor=request.user.email, account_id=request.user.id
    )
    return Redirect("/admin/email-failures", status_code=303)


@get("/account/emails", opt=ANY_SIGNED_IN, name="my_emails")
async def my_emails(request: Request[Any, Any, Any]) -> Template:
    user = request.user
    info = await service.recipients_for(user.email, user.role.value, user.ccg_id, user.region_id, user.practice_ids)
    rows, total = await outbox_service.list_emails(to_address=user.email, per_page=PER_PAGE)
    left = await subscriptions_service.left_reports(user.email)
    return Template(
        "notifications/my_emails.html",
        context={
            "receives": presenters.receives(user.role.value, info.schedules),
            "contacts": info.contacts,
            "left": [leaving.REPORTS[k].heading for k in leaving.ROLE_REPORTS.get(user.role.value, ()) if k in left],
            "rows": presenters.email_rows(rows, base="/account/emails"),
            "total": total,
        },
    )


@get("/account/emails/{email_id:int}", opt=ANY_SIGNED_IN, name="my_email")
async def my_email(request: Request[Any, Any, Any], email_id: FromPath[int]) -> Template:
    row = await outbox_service.get_email(email_id)
    if row is None:
        raise NotFoundException()
    if row.to_address.lower() != request.user.email.lower():
        raise PermissionDeniedException("This email was sent to someone else")
    return _email_page(row, back="/account/emails", back_text="Emails you receive")


def _subscription_routes() -> list[Any]:
    from tracker.notifications import subscription_routes

    return subscription_routes.ROUTES


ROUTES: list[Any] = [
    *_subscription_routes(),
    schedules,
    schedule_page,
    schedule_update,
    schedule_run,
    schedule_preview,
    email_example,
    sent_emails,
    sent_email,
    email_failures,
    email_retry,
    my_emails,
    my_email,
]

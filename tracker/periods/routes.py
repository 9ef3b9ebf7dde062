"""Administration of reporting periods: every period with its dates and state, and adding the
quarters of a financial year (previewed, then created). The same service as `tracker periods`."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from tracker.accounts.principal import Role
from tracker.audit import service as audit
from tracker.periods import presenters, service
from tracker.periods.calculations import PeriodDates, parse_financial_year, year_periods
from tracker.web.auth import roles
from tracker.web.forms import FormErrors, client_ip, read_form
from tracker.web.wording import upper_first

ADMIN = roles(Role.ADMIN)
Query = Annotated[str, QueryParameter(required=False, max_length=40)]
MAX_DAYS = 366


def _days(raw: str, default: int, field: str, label: str, errors: FormErrors) -> int:
    text = raw.strip()
    if not text:
        return default
    if not text.isdigit() or int(text) > MAX_DAYS:
        errors.add(field, f"Enter {label} as a whole number of days from 0 to {MAX_DAYS}, like {default}")
        return default
    return int(text)


def _read(
    form: dict[str, str], request: Request[Any, Any, Any]
) -> tuple[dict[str, str], FormErrors, list[PeriodDates]]:
    settings = request.app.state.settings
    kept = {k: form.get(k, "").strip()[:40] for k in ("year", "due_days", "lock_days")}
    errors = FormErrors()
    start = None
    if not kept["year"]:
        errors.add("year", "Enter the financial year, like 2019/20")
    else:
        try:
            start = parse_financial_year(kept["year"])
        except ValueError as exc:
            errors.add("year", upper_first(str(exc).replace(repr(kept["year"]), kept["year"])))
    due = _days(kept["due_days"], settings.period_due_days, "due_days", "the days until a return is due", errors)
    lock = _days(kept["lock_days"], settings.period_lock_days, "lock_days", "the days until a period locks", errors)
    dates = [] if errors or start is None else year_periods(start, due, lock)
    return kept, errors, dates


async def _page(
    request: Request[Any, Any, Any],
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    preview: list[dict[str, str]] | None = None,
    new: int = 0,
    done: str = "",
    status: int = 200,
) -> Template:
    settings = request.app.state.settings
    today = settings.current_date()
    return Template(
        "admin/periods.html",
        context={
            "periods": presenters.period_rows(await service.all_periods(), today),
            "form": form or {},
            "errors": errors or FormErrors(),
            "preview": preview,
            "new": new,
            "done": done,
            "due_default": settings.period_due_days,
            "lock_default": settings.period_lock_days,
        },
        status_code=status,
    )


@get("/admin/periods", opt=ADMIN, name="admin_periods")
async def periods_page(request: Request[Any, Any, Any], done: Query = "") -> Template:
    return await _page(request, done=done if done.isdigit() else "")


@post("/admin/periods/preview", opt=ADMIN)
async def periods_preview(request: Request[Any, Any, Any]) -> Template:
    kept, errors, dates = _read(await read_form(request), request)
    if errors:
        return await _page(request, kept, errors, status=422)
    result = await service.create_periods(dates, apply=False)
    return await _page(request, kept, preview=presenters.preview_rows(result), new=sum(n for _, n in result))


@post("/admin/periods", opt=ADMIN)
async def periods_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    kept, errors, dates = _read(await read_form(request), request)
    if errors:
        return await _page(request, kept, errors, status=422)
    result = await service.create_periods(dates, apply=True)
    created = [d.spec.code for d, is_new in result if is_new]
    user = request.user
    if created:
        await audit.record(
            "periods.created",
            account_id=user.id,
            actor=user.email,
            entity_type="period",
            entity_id=",".join(created),
            detail={
                "year": kept["year"],
                "periods": {d.spec.code: {"due_on": d.due_on, "locks_on": d.locks_on} for d, new in result if new},
            },
            ip=client_ip(request),
        )
    return Redirect(f"/admin/periods?done={len(created)}", status_code=303)


ROUTES: list[Any] = [periods_page, periods_preview, periods_create]

"""The practice return form and the practice's list of returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from tracker.accounts import service as accounts
from tracker.accounts.policy import Action, can
from tracker.accounts.principal import Role
from tracker.feeds import presenters as feed_presenters
from tracker.feeds import service as feed_service
from tracker.organisations.presenters import practice_title
from tracker.periods.service import PeriodRow
from tracker.returns import calculations as calc
from tracker.returns import comments, presenters, service
from tracker.returns.admin_routes import ROUTES as ADMIN_ROUTES
from tracker.returns.api_routes import ROUTES as API_ROUTES
from tracker.returns.calculations import Entry
from tracker.returns.practice_workbook_routes import ROUTES as PRACTICE_WORKBOOK_ROUTES
from tracker.returns.review_routes import ROUTES as REVIEW_ROUTES
from tracker.returns.upload_routes import ROUTES as UPLOAD_ROUTES
from tracker.web.auth import ANY_SIGNED_IN, roles
from tracker.web.forms import FormErrors, client_ip, read_form


def actor_of(request: Request[Any, Any, Any]) -> service.Actor:
    return service.Actor(account_id=request.user.id, label=request.user.email, ip=client_ip(request))


@get("/returns", opt=roles(Role.PRACTICE), name="returns")
async def my_returns(request: Request[Any, Any, Any]) -> Template:
    today = request.app.state.settings.current_date()
    practices = []
    for p in await service.my_practices(request.user):
        rows = await service.practice_returns(p.id, today)
        practices.append({"practice": p, "returns": _return_list(p.ods_code, rows, today)})
    return Template("returns/mine.html", context={"title": "Your practice returns", "practices": practices})


def _return_list(ods_code: str, rows: list[service.PeriodReturn], today: Any) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        window = calc.Window(r.opens_on, r.due_on, r.locks_on)
        out.append(
            {
                "period": r.code,
                "href": f"/practices/{ods_code}/returns/{calc.url_code(r.code)}",
                "tag": presenters.state_tag(r.state),
                "deadline": calc.deadline_status(window, today),
                "on_time": calc.on_time(r.first_submitted_at, r.due_on) if r.first_submitted_at else None,
            }
        )
    return out


@get("/practices/{ods_code:str}/returns", opt=ANY_SIGNED_IN, name="practice_returns")
async def practice_returns(request: Request[Any, Any, Any], ods_code: FromPath[str]) -> Template:
    practice = await service.practice_for(ods_code, request.user)
    today = request.app.state.settings.current_date()
    rows = await service.practice_returns(practice.id, today, limit=40)
    return Template(
        "returns/practice_list.html",
        context={
            "title": f"Returns of {practice_title(practice.name)}",
            "practice": practice,
            "returns": _return_list(practice.ods_code, rows, today),
        },
    )


async def _page(
    request: Request[Any, Any, Any],
    ctx: service.ReturnContext,
    *,
    raw: dict[str, dict[str, str]] | None = None,
    errors: FormErrors | None = None,
    warnings: dict[str, str] | None = None,
    conflict: list[dict[str, str]] | None = None,
    comment_text: str = "",
    status_code: int = 200,
    page: str = "tasks",
    section: str = "",
) -> Template:
    """A return's page. Who may change it gets `page`: the task list ("tasks"), one section's
    questions ("section", with `section` its slug), "check" (check your answers) or "all" (every
    question on one page, for a whole-form POST that needs correcting); anyone else the read-only
    return."""
    user = request.user
    settings = request.app.state.settings
    today = settings.current_date()
    editable_reason = calc.practice_may_edit(ctx.state, ctx.window, today, ctx.exception_until)
    may_edit = can(user, Action.EDIT_RETURN, service.scope_of(ctx.practice)) and editable_reason is None
    may_review = can(user, Action.REVIEW_RETURN, service.scope_of(ctx.practice)) and ctx.state == "submitted"
    may_reopen = (
        can(user, Action.REVIEW_RETURN, service.scope_of(ctx.practice))
        and calc.may_reopen(ctx.state, ctx.window, today, ctx.exception_until) is None
    )
    may_withdraw = can(user, Action.EDIT_RETURN, service.scope_of(ctx.practice)) and service.may_withdraw(ctx, today)
    templates = {"tasks": "returns/tasks.html", "check": "returns/check.html"}
    template = templates.get(page, "returns/form.html") if may_edit else "returns/view.html"
    feeds: dict[str, Any] = {}
    if template != "returns/tasks.html":  # the task list shows no answers, so no feed beside them
        units = {s.code: s.unit for s in ctx.specs}
        feed_rows = await feed_service.feed_values_by_indicator(ctx.practice.id, ctx.period["code"])
        if raw is None:
            raw = calc.raw_from_entries(ctx.specs, ctx.entries)
            if ctx.row is None:  # a new return starts from the national feeds' values
                raw = feed_presenters.prefill(units, feed_rows, raw)
            elif page == "section":  # and so does a question no earlier section page has answered
                raw = feed_presenters.prefill(units, {c: r for c, r in feed_rows.items() if c not in ctx.entries}, raw)
        feeds = feed_presenters.form_feeds(units, feed_rows, raw, feed_service.config().percent_points)
    if warnings is None:
        previous = ctx.previous_values  # built on each read: once, not once per question
        warnings = {
            s.code: w
            for s in ctx.specs
            if (w := calc.warning_for(s, (ctx.entries.get(s.code) or calc.Entry()).value, previous.get(s.code)))
        }
    practice_name = practice_title(ctx.practice.name)
    events = await service.history(ctx.row.id) if ctx.row else []
    comment_party = comments.party_of(user, service.scope_of(ctx.practice))
    url = _url(ctx.practice, ctx.period)
    section_theme, section_codes = "", set()
    if section:
        found = presenters.section_specs(ctx.specs, section)
        if found:
            section_theme, section_codes = found[0], {s.code for s in found[1]}
    title = f"{ctx.period['code'].replace('-', ' ')} return for {practice_name}"
    if may_edit and page == "section":
        title = f"{section_theme} – {title}"
    elif may_edit and page == "check":
        title = f"Check your answers – {title}"
    # Each page's own parts only: the questions, the answers and the task list each cost more to
    # lay out than the rest of the page.
    return Template(
        template,
        context={
            "title": title,
            "practice": ctx.practice,
            "practice_name": practice_name,
            "period": ctx.period,
            "period_label": ctx.period["code"].replace("-", " "),
            "previous_label": ctx.previous_period["code"].replace("-", " ") if ctx.previous_period else "",
            "action": _url(ctx.practice, ctx.period),
            "state_tag": presenters.state_tag(ctx.state),
            "steps": presenters.lifecycle_steps(ctx.state, ctx.row.returned_reason if ctx.row else ""),
            "returned_reason": ctx.row.returned_reason if ctx.row and ctx.state == "returned" else "",
            "deadline": calc.deadline_status(ctx.window, today),
            "exception_until": ctx.exception_until,
            "locked_reason": editable_reason,
            "version": ctx.version,
            "sections": [
                sec
                for sec in presenters.form_sections(ctx.specs, raw or {}, ctx.previous, warnings, today, feeds)
                if not section or presenters.section_slug(sec["theme"]) == section
            ]
            if template == "returns/form.html"
            else [],
            "page": page,
            "section_title": section_theme,
            "form_action": f"{url}/sections/{section}" if section else url,
            "tasks": presenters.task_list(ctx.specs, ctx.entries, ctx.previous, url)
            if template == "returns/tasks.html"
            else None,
            "summary": presenters.check_sections(
                ctx.specs, ctx.entries, ctx.previous, feeds, url if may_edit and page == "check" else None
            )
            if template in ("returns/check.html", "returns/view.html")
            else [],
            "tasks_url": url,
            "check_url": f"{url}/check",
            "warnings": [w for code, w in warnings.items() if not section or code in section_codes],
            "errors": errors,
            "conflict": conflict,
            "last_change": events[0] if events else None,
            "history": presenters.history_rows(
                events,
                {s.code: s.name for s in ctx.specs},
                await accounts.names_by_email({e.actor for e in events}),
            ),
            "may_review": may_review,
            "may_withdraw": may_withdraw,
            "may_reopen": may_reopen,
            "decided": request.query_params.get("done", ""),
            "return_id": ctx.row.id if ctx.row else None,
            "saved": request.query_params.get("saved", ""),
            "comments": comments.thread_rows(await comments.thread(ctx.row.id)) if ctx.row else [],
            "comment_party": comment_party,
            "may_comment": comment_party is not None and ctx.row is not None,
            "comment_text": comment_text,
        },
        status_code=status_code,
    )


@get("/practices/{ods_code:str}/returns/{period_code:str}", opt=ANY_SIGNED_IN, name="return_form")
async def return_form(request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]) -> Template:
    practice = await service.practice_for(ods_code, request.user)
    period = await service.period_from_url(period_code)
    # The page reads the return's history, whose newest event is its last change.
    ctx = await service.load_context(practice, period, with_last_change=False)
    return await _page(request, ctx)


@post("/practices/{ods_code:str}/returns/{period_code:str}", opt=roles(Role.PRACTICE), name="return_save")
async def return_save(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> Template | Redirect:
    practice = await service.practice_for(ods_code, request.user, Action.EDIT_RETURN)
    period = await service.period_from_url(period_code)
    settings = request.app.state.settings
    form = await read_form(request)
    submit = form.get("action") == "submit"
    ctx = await service.load_context(practice, period, with_last_change=False)
    if form.get("action") == "withdraw":
        return await _withdraw(request, ctx, form)
    raw = calc.raw_from_form(ctx.specs, form)
    checked = calc.check_return(ctx.specs, raw, ctx.previous_values, submitting=submit)
    errors = FormErrors()
    for field_id, message in checked.errors.items():
        errors.add(field_id, message)
    if errors:
        return await _page(request, ctx, raw=raw, errors=errors, warnings=checked.warnings, status_code=422, page="all")
    saving = await _save(request, ctx, checked.entries, _version(form), submit=submit, clash=KEEP_YOURS)
    if saving.fresh is None:
        saved = "submitted" if submit else "draft"
        return Redirect(f"{_url(practice, period)}?saved={saved}", status_code=303)
    fresh, errors = saving.fresh, saving.errors
    if saving.conflict:
        if not can(request.user, Action.EDIT_RETURN, service.scope_of(practice)) or calc.practice_may_edit(
            fresh.state, fresh.window, settings.current_date(), fresh.exception_until
        ):
            return await _page(request, fresh, errors=errors, status_code=409)
        return await _page(
            request,
            fresh,
            raw=raw,
            errors=errors,
            warnings=checked.warnings,
            conflict=presenters.conflict_rows(ctx.specs, fresh.entries, checked.entries),
            status_code=409,
            page="all",
        )
    return await _page(request, fresh, errors=errors, status_code=409)


KEEP_YOURS = "Nothing of yours was saved: check the differences below, then save again to keep your entries."
SUBMIT_AGAIN = "Nothing was submitted: check the answers below, then submit again."


@dataclass
class _Saving:
    """What became of a save: `fresh` is None when it was saved; otherwise the return as it now
    is, and the error that says why nothing was saved (someone else's save, or the lifecycle)."""

    fresh: service.ReturnContext | None = None
    errors: FormErrors = field(default_factory=FormErrors)
    conflict: bool = False


async def _save(
    request: Request[Any, Any, Any],
    ctx: service.ReturnContext,
    entries: dict[str, Entry],
    version: int,
    *,
    submit: bool,
    clash: str,
) -> _Saving:
    """Save through the lifecycle as the signed-in person; on a refusal, read the return afresh
    and name whoever changed it since the page was opened."""
    settings = request.app.state.settings
    result = await service.save(
        ctx,
        entries,
        version=version,
        submit=submit,
        actor=actor_of(request),
        now=settings.now(),
        today=settings.current_date(),
    )
    if result.ok:
        return _Saving()
    fresh = await service.load_context(ctx.practice, ctx.period)
    saving = _Saving(fresh=fresh, conflict=result.conflict)
    if result.conflict:
        who = fresh.last_change.actor if fresh.last_change else "someone else"
        saving.errors.add("conflict", f"This return was changed by {who} since you opened it. {clash}")
    else:
        saving.errors.add("state", result.refused)
    return saving


def _version(form: dict[str, str]) -> int:
    try:
        return int(form.get("version", ""))
    except ValueError:
        return -1


def _section_or_404(ctx: service.ReturnContext, section: str) -> tuple[str, list[Any]]:
    found = presenters.section_specs(ctx.specs, section)
    if found is None:
        raise NotFoundException("This return has no such section")
    return found


@get(
    "/practices/{ods_code:str}/returns/{period_code:str}/sections/{section:str}",
    opt=ANY_SIGNED_IN,
    name="return_section",
)
async def return_section(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str], section: FromPath[str]
) -> Template:
    """One section's questions (someone who may not change the return reads all of it instead)."""
    practice = await service.practice_for(ods_code, request.user)
    period = await service.period_from_url(period_code)
    ctx = await service.load_context(practice, period, with_last_change=False)
    _section_or_404(ctx, section)
    return await _page(request, ctx, page="section", section=section)


@post(
    "/practices/{ods_code:str}/returns/{period_code:str}/sections/{section:str}",
    opt=roles(Role.PRACTICE),
    name="return_section_save",
)
async def return_section_save(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str], section: FromPath[str]
) -> Template | Redirect:
    """Save one section's answers to the draft (only that section's values change), then back to
    the task list. The version check is the whole form's: an edit made meanwhile is never overwritten."""
    practice = await service.practice_for(ods_code, request.user, Action.EDIT_RETURN)
    period = await service.period_from_url(period_code)
    settings = request.app.state.settings
    form = await read_form(request)
    ctx = await service.load_context(practice, period, with_last_change=False)
    _, specs = _section_or_404(ctx, section)
    typed = calc.raw_from_form(specs, form)
    raw = {**calc.raw_from_entries(ctx.specs, ctx.entries), **typed}
    checked = calc.check_return(specs, typed, ctx.previous_values, submitting=False)
    errors = FormErrors()
    for field_id, message in checked.errors.items():
        errors.add(field_id, message)
    if errors:
        return await _page(
            request,
            ctx,
            raw=raw,
            errors=errors,
            warnings=checked.warnings,
            status_code=422,
            page="section",
            section=section,
        )
    saving = await _save(request, ctx, checked.entries, _version(form), submit=False, clash=KEEP_YOURS)
    if saving.fresh is None:
        return Redirect(f"{_url(practice, period)}?saved=draft", status_code=303)
    fresh, errors = saving.fresh, saving.errors
    if saving.conflict:
        if calc.practice_may_edit(fresh.state, fresh.window, settings.current_date(), fresh.exception_until) is None:
            return await _page(
                request,
                fresh,
                raw={**calc.raw_from_entries(fresh.specs, fresh.entries), **typed},
                errors=errors,
                warnings=checked.warnings,
                conflict=presenters.conflict_rows(specs, fresh.entries, checked.entries),
                status_code=409,
                page="section",
                section=section,
            )
    return await _page(request, fresh, errors=errors, status_code=409)


@dataclass
class _LinkedErrors(FormErrors):
    """Errors whose summary links to fields on other pages (check your answers -> section pages)."""

    links: list[dict[str, str]] = field(default_factory=list)

    @property
    def summary(self) -> list[dict[str, str]]:
        return self.links or super().summary


@get("/practices/{ods_code:str}/returns/{period_code:str}/check", opt=ANY_SIGNED_IN, name="return_check")
async def return_check(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> Template:
    """Check your answers: every saved answer with a Change link, and the Submit button."""
    practice = await service.practice_for(ods_code, request.user)
    period = await service.period_from_url(period_code)
    ctx = await service.load_context(practice, period, with_last_change=False)
    return await _page(request, ctx, page="check")


@post("/practices/{ods_code:str}/returns/{period_code:str}/check", opt=roles(Role.PRACTICE), name="return_submit")
async def return_submit(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> Template | Redirect:
    """Submit the saved answers as they are (they were checked on the page the person read)."""
    practice = await service.practice_for(ods_code, request.user, Action.EDIT_RETURN)
    period = await service.period_from_url(period_code)
    form = await read_form(request)
    ctx = await service.load_context(practice, period, with_last_change=False)
    url = _url(practice, period)
    raw = calc.raw_from_entries(ctx.specs, ctx.entries)
    checked = calc.check_return(ctx.specs, raw, ctx.previous_values, submitting=True)
    if checked.errors:
        linked = _LinkedErrors(links=presenters.submit_error_links(ctx.specs, checked.errors, url))
        for field_id, message in checked.errors.items():
            linked.add(field_id, message)
        return await _page(request, ctx, errors=linked, warnings=checked.warnings, status_code=422, page="check")
    saving = await _save(request, ctx, checked.entries, _version(form), submit=True, clash=SUBMIT_AGAIN)
    if saving.fresh is None:
        return Redirect(f"{url}?saved=submitted", status_code=303)
    # A clash shows the answers as they now are, to submit again; a refusal shows the return.
    page = "check" if saving.conflict else "tasks"
    return await _page(request, saving.fresh, errors=saving.errors, status_code=409, page=page)


@post(
    "/practices/{ods_code:str}/returns/{period_code:str}/comments",
    opt=roles(Role.PRACTICE, Role.CCG),
    name="return_comment",
)
async def return_comment(
    request: Request[Any, Any, Any], ods_code: FromPath[str], period_code: FromPath[str]
) -> Template | Redirect:
    """The practice or its CCG adds a comment to the return's thread."""
    practice = await service.practice_by_code(ods_code)
    party = comments.party_of(request.user, service.scope_of(practice))
    if party is None:
        raise PermissionDeniedException("You can only comment on your own practices' returns")
    period = await service.period_from_url(period_code)
    form = await read_form(request)
    ctx = await service.load_context(practice, period, with_last_change=False)
    text, problem = comments.check_comment(form.get("comment"))
    errors = FormErrors()
    if ctx.row is None:
        errors.add("comment-text", "Comments can be left once the practice has started this return")
    elif problem:
        errors.add("comment-text", problem)
    if errors:
        return await _page(request, ctx, errors=errors, comment_text=text, status_code=422)
    assert ctx.row is not None
    await comments.add(
        ctx.row.id,
        practice_code=practice.ods_code,
        period_code=period["code"],
        text=text,
        by=party,
        user=request.user,
        ip=client_ip(request),
        now=request.app.state.settings.now(),
    )
    return Redirect(f"{_url(practice, period)}?saved=comment#comments-heading", status_code=303)


async def _withdraw(
    request: Request[Any, Any, Any], ctx: service.ReturnContext, form: dict[str, str]
) -> Template | Redirect:
    settings = request.app.state.settings
    try:
        version = int(form.get("version", ""))
    except ValueError:
        version = -1
    result = await service.withdraw(
        ctx, version=version, actor=actor_of(request), now=settings.now(), today=settings.current_date()
    )
    if result.ok:
        return Redirect(f"{_url(ctx.practice, ctx.period)}?saved=withdrawn", status_code=303)
    errors = FormErrors()
    if result.conflict:
        errors.add(
            "conflict", "This return was changed since you opened it: nothing was withdrawn. Check it and try again."
        )
    else:
        errors.add("state", result.refused)
    return await _page(request, await service.load_context(ctx.practice, ctx.period), errors=errors, status_code=409)


def _url(practice: service.PracticeRow, period: PeriodRow) -> str:
    return f"/practices/{practice.ods_code}/returns/{calc.url_code(period['code'])}"


ROUTES: list[Any] = [
    my_returns,
    practice_returns,
    return_form,
    return_save,
    return_section,
    return_section_save,
    return_check,
    return_submit,
    return_comment,
    *REVIEW_ROUTES,
    *UPLOAD_ROUTES,
    *PRACTICE_WORKBOOK_ROUTES,
    *ADMIN_ROUTES,
    *API_ROUTES,
]

"""Funding pages: the national overview, allocation runs, CCG funding, reallocation, awards to
practices and what each pound bought. Handlers parse, call services, present, render."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Response, Template

from tracker.accounts.policy import Action, Level, Scope, can, require, visible
from tracker.accounts.principal import Role
from tracker.funding import (
    applications_service,
    awards_service,
    impact_service,
    presenters,
    reallocation_service,
    service,
)
from tracker.funding.calculations import (
    FundingError,
    ReallocationPolicy,
    financial_year_of,
    parse_pounds,
    pounds_text,
)
from tracker.funding.impact import Summary, summarise
from tracker.funding.xlsx import COLUMNS, UploadRefused, UploadRow, parse_upload, split_codes
from tracker.indicators import service as indicators_service
from tracker.organisations.presenters import practice_title
from tracker.organisations.service import CcgName
from tracker.web.auth import ANY_SIGNED_IN, roles
from tracker.web.dates import PARTS, form_with_date, read_date
from tracker.web.formatting import number, pounds
from tracker.web.forms import FormErrors, client_ip, read_form, read_form_lists

FUNDING_ROLES = roles(Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN)
ALLOCATORS = roles(Role.NATIONAL, Role.ADMIN)
CCG_ONLY = roles(Role.CCG)
AwardsLimit = 200


def _actor(request: Request[Any, Any, Any]) -> service.Actor:
    return service.Actor.of(request.user, client_ip(request))


def _today(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.settings.current_date()


async def _years(today: dt.date) -> list[str]:
    """The financial years a form may name: those the tracker holds, this one and the next (a
    bid or an application is often for the coming year)."""
    ahead = financial_year_of(today + dt.timedelta(days=365))
    return sorted({*await service.financial_years(), financial_year_of(today), ahead})


# --- Overview ----------------------------------------------------------------------------------


@get("/funding", opt=FUNDING_ROLES, name="funding")
async def overview(
    request: Request[Any, Any, Any], saved: Annotated[str, QueryParameter(required=False, max_length=20)] = ""
) -> Template | Redirect:
    seen = visible(request.user)
    if seen.level == Level.CCG:
        return Redirect(f"/funding/ccgs/{seen.ccg_code}", status_code=303)
    return await _overview_page(request, saved=saved)


async def _overview_page(
    request: Request[Any, Any, Any],
    *,
    saved: str = "",
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The funding overview; with `errors`, the decide form opened with what was typed and what is wrong."""
    user = request.user
    seen = visible(user)
    region_id = seen.region_filter()
    regions = await service.ccg_regions()

    def shown_ccg(code: str) -> bool:
        return region_id is None or regions.get(code) == region_id

    runs = await service.runs()
    latest = next((r for r in runs if r.state == "approved" and r.stream_code == "GPIT_REVENUE"), None)
    lines: list[dict[str, Any]] = []
    fair_pence = 0
    if latest is not None:
        detail = await service.run_detail(latest.id)
        shown = [ln for ln in detail.lines if shown_ccg(ln.ccg_code)]
        fair_pence = sum(ln.amount_pence for ln in shown)  # the user's CCGs' share, not the pot
        lines = presenters.allocation_lines(shown)
    transition = [r for r in await applications_service.transition_applications() if shown_ccg(r.ccg_code)]
    bids = [b for b in await applications_service.bids() if shown_ccg(b.ccg_code)]
    scenarios = await reallocation_service.scenarios()
    awarded = await awards_service.total_awarded(region_id)
    key_figures = presenters.key_figures(latest, fair_pence, lines, transition, bids, scenarios, awarded)
    return Template(
        "funding/overview.html",
        context={
            "title": "Funding" if region_id is None else f"Funding in {await service.region_name(region_id)}",
            "streams": presenters.stream_rows(await service.streams()),
            "runs": presenters.run_rows(runs),
            "latest": presenters.run_rows([latest])[0] if latest else None,
            "latest_id": latest.id if latest else None,
            "region_share": presenters.pounds(fair_pence) if region_id is not None and latest else None,
            "movement": presenters.gainers_losers(lines),
            "lines": lines,
            "transition_totals": presenters.transition_totals(transition),
            "bids": presenters.bid_rows([b for b in bids if b.state == "submitted"], await _indicator_names()),
            "bid_count": len(bids),
            "scenarios": presenters.scenario_rows(scenarios),
            "key_figures": key_figures,
            "can_allocate": can(user, Action.ALLOCATE),
            "transition_years": [
                {"value": y, "text": y}
                for y in sorted({*await _years(_today(request)), *(r.financial_year for r in transition)})
            ],
            "form": {
                "transition_year": financial_year_of(_today(request)),
                "fund": "10000000",
                "year_number": "1",
                "taper": "50",
                **(form or {}),
            },
            "saved": presenters.saved_message(saved),
            "errors": errors,
        },
        status_code=status_code,
    )


# --- Allocation runs ----------------------------------------------------------------------------


async def _run_form(request: Request[Any, Any, Any], form: dict[str, str], errors: FormErrors | None) -> Template:
    snapshots = await service.snapshot_dates()
    return Template(
        "funding/run_new.html",
        context={
            "title": "New fair-share allocation run",
            "streams": await service.fair_share_streams(),
            "snapshots": [d.isoformat() for d in snapshots],
            "form": form,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@get("/funding/runs/new", opt=ALLOCATORS, name="funding_run_new")
async def run_new(request: Request[Any, Any, Any]) -> Template:
    year = financial_year_of(_today(request))
    return await _run_form(request, {"stream": "GPIT_REVENUE", "year": year, "pot": "", "basis": "snapshot"}, None)


@post("/funding/runs", opt=ALLOCATORS, name="funding_run_create")
async def run_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form(request)
    errors = FormErrors()
    pot = 0
    try:
        pot = parse_pounds(form.get("pot", ""), field="Pot", allow_zero=False)
    except FundingError as exc:
        errors.add("pot", str(exc))
    if not service.valid_year(form.get("year", "").strip()):
        errors.add("year", "Financial year must look like 2014/15")
    snapshot = None
    if form.get("snapshot"):
        import datetime as dt

        try:
            snapshot = dt.date.fromisoformat(form["snapshot"])
        except ValueError:
            errors.add("snapshot", "Choose a list-size snapshot")
    if errors:
        return await _run_form(request, form, errors)
    try:
        plan = await service.plan_allocation(
            pot_pence=pot,
            stream_code=form.get("stream", ""),
            financial_year=form["year"].strip(),
            snapshot=snapshot,
            basis=form.get("basis", "snapshot"),
        )
    except FundingError as exc:
        errors.add("stream", str(exc))
        return await _run_form(request, form, errors)
    run_id = await service.save_plan(plan, _actor(request), note=form.get("note", "")[:500])
    return Redirect(f"/funding/runs/{run_id}", status_code=303)


@get("/funding/runs/{run_id:int}", opt=FUNDING_ROLES, name="funding_run")
async def run_page(request: Request[Any, Any, Any], run_id: FromPath[int]) -> Template:
    return await _run_page(request, run_id, None)


async def _run_page(request: Request[Any, Any, Any], run_id: int, errors: FormErrors | None) -> Template:
    run = await service.run_detail(run_id)
    lines = presenters.allocation_lines(run.lines)
    return Template(
        "funding/run.html",
        context={
            "title": f"{run.stream_name} {run.financial_year}",
            "run": presenters.run_rows([run])[0],
            "run_id": run_id,
            "state": run.state,
            "basis": "CCG as published on the snapshot"
            if run.basis == "snapshot"
            else "the practice's CCG in the register",
            "total": pounds(sum(ln.amount_pence for ln in run.lines)),
            "patients": number(run.total_patients),
            "snapshot_note": run.snapshot_note,
            "weighting": run.weighting,
            "unknown": [ln["code"] for ln in lines if not ln["known"]],
            "lines": lines,
            "movement": presenters.gainers_losers(lines),
            "note": run.note,
            "can_allocate": can(request.user, Action.ALLOCATE) and run.state == "preview",
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@get("/funding/runs/{run_id:int}/csv", opt=FUNDING_ROLES, name="funding_run_csv")
async def run_csv(run_id: FromPath[int]) -> Response[str]:
    run = await service.run_detail(run_id)
    body = "ccg_code,patients,amount\n" + "".join(
        f"{ln.ccg_code},{ln.patients},{pounds_text(ln.amount_pence)}\n" for ln in run.lines
    )
    return Response(
        body,
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="allocation-run-{run_id}.csv"'},
    )


@post("/funding/runs/{run_id:int}/approve", opt=ALLOCATORS, name="funding_run_approve")
async def run_approve(request: Request[Any, Any, Any], run_id: FromPath[int]) -> Template | Redirect:
    try:
        await service.approve_run(run_id, _actor(request))
    except FundingError as exc:
        errors = FormErrors()
        errors.add("approve", str(exc))
        return await _run_page(request, run_id, errors)
    return Redirect(f"/funding/runs/{run_id}", status_code=303)


@post("/funding/runs/{run_id:int}/discard", opt=ALLOCATORS, name="funding_run_discard")
async def run_discard(request: Request[Any, Any, Any], run_id: FromPath[int]) -> Template | Redirect:
    try:
        await service.discard_run(run_id, _actor(request))
    except FundingError as exc:
        errors = FormErrors()
        errors.add("approve", str(exc))
        return await _run_page(request, run_id, errors)
    return Redirect("/funding?saved=run-discarded", status_code=303)


AWARD_FIELDS = ("practice_code", "award_date", "amount", "award_stream", "indicators")


def _in_page_order(errors: FormErrors) -> FormErrors:
    """The award form's errors in the order of its fields, so the summary reads as the form does."""

    def place(key: str) -> int:
        name = key.rsplit("-", 1)[0] if key.startswith("award_date-") else key
        return AWARD_FIELDS.index(name) if name in AWARD_FIELDS else len(AWARD_FIELDS)

    errors.by_field = dict(sorted(errors.by_field.items(), key=lambda item: place(item[0])))
    return errors


# --- A CCG's funding -----------------------------------------------------------------------------


async def _ccg_page(
    request: Request[Any, Any, Any],
    ccg: CcgName,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
    saved: str = "",
) -> Template:
    user = request.user
    stream_names = await service.stream_names_by_id()
    specs = await indicators_service.active_indicators()
    names = {s.code: s.name for s in specs}
    forecasts: dict[tuple[int, str], reallocation_service.LatestForecast] = {}
    for f in await reallocation_service.latest_forecasts(ccg.id):
        seen = forecasts.get((f.stream_id, f.financial_year))
        if seen is None or f.quarter >= seen.quarter:
            forecasts[(f.stream_id, f.financial_year)] = f
    awards = await awards_service.awards(ccg_id=ccg.id, limit=AwardsLimit)
    impact = await impact_service.load(ccg_id=ccg.id)
    today = _today(request)
    years = await service.financial_years()
    defaults = form_with_date(
        {
            "year": financial_year_of(today),
            "quarter": "",
            "forecast_stream": "GPIT_REVENUE",
            "award_stream": "GPIT_REVENUE",
        },
        "award_date",
        today,
    )
    return Template(
        "funding/ccg.html",
        context={
            "title": f"Funding: {ccg.name or ccg.code}",
            "ccg": ccg,
            "budgets": presenters.budget_rows(await service.budgets(ccg.id), stream_names, forecasts, years),
            "years": [{"value": y, "text": y} for y in await _years(today)],
            "saved": saved,
            "transition": presenters.transition_rows(await applications_service.transition_applications(ccg_id=ccg.id)),
            "bids": presenters.bid_rows(await applications_service.bids(ccg.id), names),
            "awards": presenters.award_rows(awards, names),
            "indicator_choices": [{"value": s.code, "text": s.name} for s in specs],
            "award_total": pounds(sum(a.amount_pence for a in awards)),
            "impact": presenters.summary_rows(summarise(impact.impacts, "stream", impact.stream_names)),
            "streams": [{"value": r.code, "text": r.name} for r in await service.streams()],
            "can_manage": can(user, Action.MANAGE_CCG_FUNDING, Scope(ccg_id=ccg.id, region_id=ccg.region_id)),
            # What was posted, over the defaults: the page's other forms keep their defaults.
            "form": {**defaults, **(form or {})},
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@get("/funding/ccgs/{code:str}", opt=FUNDING_ROLES, name="funding_ccg")
async def ccg_page(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    saved: Annotated[str, QueryParameter(required=False, max_length=20)] = "",
    forecast: Annotated[str, QueryParameter(required=False, max_length=12)] = "",
    count: Annotated[str, QueryParameter(required=False, max_length=6)] = "",
) -> Template:
    ccg = await service.ccg_by_code(code, request.user)
    shown = None
    if saved == "forecast" and forecast.isdigit():
        shown = await reallocation_service.saved_forecast(int(forecast), ccg.id)
    return await _ccg_page(request, ccg, saved=presenters.saved_message(saved, shown, count))


async def _indicator_names() -> dict[str, str]:
    return {s.code: s.name for s in await indicators_service.active_indicators()}


async def _with_choices(request: Request[Any, Any, Any], field: str) -> dict[str, str]:
    """The form, with a checkbox group's ticked values as one space-separated field (as the
    award files write them)."""
    form = await read_form(request)
    form[field] = " ".join((await read_form_lists(request)).get(field, []))
    return form


async def _managed_ccg(request: Request[Any, Any, Any], code: str) -> CcgName:
    ccg = await service.ccg_by_code(code)
    require(request.user, Action.MANAGE_CCG_FUNDING, Scope(ccg_id=ccg.id, region_id=ccg.region_id))
    return ccg


@post("/funding/ccgs/{code:str}/forecasts", opt=CCG_ONLY, name="funding_forecast")
async def forecast(request: Request[Any, Any, Any], code: FromPath[str]) -> Template | Redirect:
    ccg = await _managed_ccg(request, code)
    form = await read_form(request)
    errors = FormErrors()
    outturn = 0
    try:
        outturn = parse_pounds(form.get("outturn", ""), field="Forecast outturn")
    except FundingError as exc:
        errors.add("outturn", str(exc))
    quarter = form.get("quarter", "").strip()
    if quarter not in ("1", "2", "3", "4"):
        errors.add("quarter", "Choose the quarter the forecast is made in")
    year = form.get("year", "").strip()
    if year not in await _years(_today(request)):
        errors.add("year", "Choose the financial year of the forecast")
    if errors:
        return await _ccg_page(request, ccg, errors, form)
    try:
        forecast_id = await reallocation_service.enter_forecast(
            ccg_id=ccg.id,
            stream_code=form.get("forecast_stream", ""),
            financial_year=year,
            quarter=int(quarter),
            outturn_pence=outturn,
            note=form.get("note", ""),
            actor=_actor(request),
        )
    except FundingError as exc:
        errors.add("forecast_stream", str(exc))
        return await _ccg_page(request, ccg, errors, form)
    return Redirect(f"/funding/ccgs/{ccg.code}?saved=forecast&forecast={forecast_id}", status_code=303)


@post("/funding/ccgs/{code:str}/awards", opt=CCG_ONLY, name="funding_award")
async def award(request: Request[Any, Any, Any], code: FromPath[str]) -> Template | Redirect:
    ccg = await _managed_ccg(request, code)
    form = await _with_choices(request, "indicators")
    errors = FormErrors()
    award_date = read_date(form, "award_date", errors, label="Date of the award")
    row = UploadRow(
        number=1,
        values={
            "practice_code": form.get("practice_code", ""),
            # A date the boxes could not give is already reported; the file's checks see a good one.
            "award_date": (award_date or _today(request)).isoformat(),
            "amount": form.get("amount", ""),
            "stream": form.get("award_stream", ""),
            "purpose": form.get("purpose", ""),
            "indicators": " ".join(split_codes(form.get("indicators", ""))),
        },
    )
    checked = await awards_service.validate([row], ccg.id, _today(request))
    for e in checked.errors:
        if e.field == "award_date":
            errors.add_date("award_date", e.message, PARTS)
        else:
            errors.add({"stream": "award_stream"}.get(e.field, e.field), e.message)
    if errors:
        return await _ccg_page(request, ccg, _in_page_order(errors), form)
    await awards_service.record(checked.awards, ccg.id, _actor(request))
    return Redirect(f"/funding/ccgs/{ccg.code}?saved=award", status_code=303)


@post("/funding/ccgs/{code:str}/bids", opt=CCG_ONLY, name="funding_bid")
async def bid(request: Request[Any, Any, Any], code: FromPath[str]) -> Template | Redirect:
    ccg = await _managed_ccg(request, code)
    form = await _with_choices(request, "bid_indicators")
    errors = FormErrors()
    amount = 0
    try:
        amount = parse_pounds(form.get("bid_amount", ""), field="Amount", allow_zero=False)
    except FundingError as exc:
        errors.add("bid_amount", str(exc))
    if not form.get("title", "").strip():
        errors.add("title", "Give the project a title")
    if form.get("bid_year", "").strip() not in await _years(_today(request)):
        errors.add("bid_year", "Choose the financial year of the bid")
    if errors:
        return await _ccg_page(request, ccg, errors, form)
    try:
        await applications_service.submit_bid(
            ccg_id=ccg.id,
            stream_code=form.get("bid_stream", "GPIT_CAPITAL"),
            financial_year=form.get("bid_year", "").strip(),
            title=form["title"],
            purpose=form.get("bid_purpose", ""),
            indicator_codes=split_codes(form.get("bid_indicators", "")),
            amount_pence=amount,
            actor=_actor(request),
        )
    except FundingError as exc:
        errors.add("bid_year", str(exc))
        return await _ccg_page(request, ccg, errors, form)
    return Redirect(f"/funding/ccgs/{ccg.code}?saved=bid", status_code=303)


@get("/funding/ccgs/{code:str}/awards/upload", opt=CCG_ONLY, name="funding_upload")
async def upload_form(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    ccg = await _managed_ccg(request, code)
    return _upload_page(ccg, None, [])


def _upload_page(ccg: CcgName, errors: FormErrors | None, rows: list[dict[str, Any]], status: int = 200) -> Template:
    return Template(
        "funding/upload.html",
        context={
            "title": "Upload awards to practices",
            "ccg": ccg,
            "errors": errors,
            "row_errors": rows,
            "columns": COLUMNS,
        },
        status_code=status,
    )


@post("/funding/ccgs/{code:str}/awards/upload", opt=CCG_ONLY, name="funding_upload_post")
async def upload(request: Request[Any, Any, Any], code: FromPath[str]) -> Template | Redirect:
    ccg = await _managed_ccg(request, code)
    form = await request.form()
    upload_file = form.get("file")
    errors = FormErrors()
    if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
        errors.add("file", "Choose a CSV or Excel file of awards")
        return _upload_page(ccg, errors, [], 422)
    data = await upload_file.read()
    import anyio

    try:
        rows = await anyio.to_thread.run_sync(parse_upload, upload_file.filename, data)
    except UploadRefused as exc:
        errors.add("file", f"The file was not uploaded: {exc}")
        return _upload_page(ccg, errors, [], 422)
    checked = await awards_service.validate(rows, ccg.id, _today(request))
    if checked.errors:
        errors.add(
            "file", f"Nothing was saved: {len(checked.errors)} problems in the file. Correct them and upload it again."
        )
        row_errors = [{"row": e.row, "field": e.field, "message": e.message} for e in checked.errors]
        return _upload_page(ccg, errors, row_errors, 422)
    recorded = await awards_service.record(
        checked.awards, ccg.id, _actor(request), upload_ref=awards_service.upload_reference(data)
    )
    if checked.awards and not recorded:
        errors.add("file", "This file was uploaded before and its awards are already recorded: nothing new was saved")
        return _upload_page(ccg, errors, [], 409)
    return Redirect(f"/funding/ccgs/{ccg.code}?saved=upload&count={len(recorded)}", status_code=303)


@post("/funding/ccgs/{code:str}/transition", opt=CCG_ONLY, name="funding_transition_apply")
async def transition_apply(request: Request[Any, Any, Any], code: FromPath[str]) -> Template | Redirect:
    ccg = await _managed_ccg(request, code)
    form = await read_form(request)
    errors = FormErrors()
    committed = requested = 0
    try:
        committed = parse_pounds(form.get("committed", ""), field="Committed running costs")
    except FundingError as exc:
        errors.add("committed", str(exc))
    try:
        requested = parse_pounds(form.get("requested", ""), field="Amount asked for", allow_zero=False)
    except FundingError as exc:
        errors.add("requested", str(exc))
    if form.get("transition_year", "").strip() not in await _years(_today(request)):
        errors.add("transition_year", "Choose the financial year of the application")
    if errors:
        return await _ccg_page(request, ccg, errors, form)
    try:
        await applications_service.apply_for_transition(
            ccg_id=ccg.id,
            stream_code="GPIT_TRANSITION",
            financial_year=form.get("transition_year", "").strip(),
            committed_pence=committed,
            requested_pence=requested,
            actor=_actor(request),
        )
    except FundingError as exc:
        errors.add("transition_year", str(exc))
        return await _ccg_page(request, ccg, errors, form)
    return Redirect(f"/funding/ccgs/{ccg.code}?saved=transition", status_code=303)


# --- NHS England decisions ----------------------------------------------------------------------


@post("/funding/bids/{bid_id:int}/decision", opt=ALLOCATORS, name="funding_bid_decision")
async def bid_decision(request: Request[Any, Any, Any], bid_id: FromPath[int]) -> Redirect:
    form = await read_form(request)
    try:
        approved = parse_pounds(form.get("approved", ""), field="Amount approved")
        await applications_service.decide_bid(bid_id, approved, form.get("note", ""), _actor(request))
    except FundingError as exc:
        from litestar.exceptions import ClientException

        raise ClientException(str(exc)) from exc
    return Redirect("/funding?saved=bid-decided", status_code=303)


@post("/funding/transition/award", opt=ALLOCATORS, name="funding_transition_award")
async def transition_award(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Decide every application for a year: in full, or scaled down pro rata when oversubscribed."""
    form = await read_form(request)
    errors = FormErrors()
    fund = 0
    try:
        fund = parse_pounds(form.get("fund", ""), field="This year's fund", allow_zero=False)
    except FundingError as exc:
        errors.add("fund", str(exc))
    if form.get("year_number", "").strip() not in ("1", "2"):
        errors.add("year_number", "Enter 1 for the fund's first year or 2 for its second")
    taper = 50.0
    try:
        taper = float(form.get("taper", "").strip().rstrip("%"))
        if not 0 <= taper <= 100:
            raise ValueError
    except ValueError:
        errors.add("taper", "Enter the taper as a percentage from 0 to 100, like 50")
    year = form.get("transition_year", "").strip()
    if year not in await _years(_today(request)) and year not in {
        r.financial_year for r in await applications_service.transition_applications()
    }:
        errors.add("transition_year", "Choose the financial year of the applications")
    if not errors:
        try:
            await applications_service.award_transition(
                "GPIT_TRANSITION",
                year,
                fund,
                year=2 if form.get("year_number", "").strip() == "2" else 1,
                taper_pct=taper,
                actor=_actor(request),
            )
        except FundingError as exc:
            errors.add("transition_year", str(exc))
    if errors:
        return await _overview_page(request, errors=errors, form=form, status_code=422)
    return Redirect("/funding?saved=transition-decided", status_code=303)


# --- Reallocation -------------------------------------------------------------------------------


async def _scenario_form(form: dict[str, str], errors: FormErrors | None) -> Template:
    return Template(
        "funding/scenario_new.html",
        context={
            "title": "New reallocation scenario",
            "streams": await service.streams(),
            "recipients": presenters.RECIPIENT_LABELS,
            "form": form,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@get("/funding/reallocation/new", opt=ALLOCATORS, name="funding_scenario_new")
async def scenario_new(request: Request[Any, Any, Any]) -> Template:
    form = {
        "stream": "GPIT_REVENUE",
        "year": financial_year_of(_today(request)),
        "quarter": "2",
        "threshold": "10",
        "recover": "100",
        "recipients": "pressure",
        "reason": "",
    }
    return await _scenario_form(form, None)


def _number(form: dict[str, str], name: str, errors: FormErrors, label: str) -> float:
    try:
        value = float(form.get(name, "").strip().rstrip("%"))
    except ValueError:
        errors.add(name, f"{label} must be a number from 0 to 100")
        return 0.0
    if not 0 <= value <= 100:
        errors.add(name, f"{label} must be from 0 to 100")
    return value


@post("/funding/reallocation", opt=ALLOCATORS, name="funding_scenario_create")
async def scenario_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form(request)
    errors = FormErrors()
    threshold = _number(form, "threshold", errors, "The threshold")
    recover = _number(form, "recover", errors, "The share recovered")
    if form.get("quarter") not in ("1", "2", "3", "4"):
        errors.add("quarter", "Choose a quarter")
    if not form.get("reason", "").strip():
        errors.add("reason", "Give a reason: it is recorded with every adjustment")
    if form.get("recipients") not in presenters.RECIPIENT_LABELS:
        errors.add("recipients", "Choose who receives the recovered money")
    if errors:
        return await _scenario_form(form, errors)
    try:
        scenario_id = await reallocation_service.preview_scenario(
            stream_code=form.get("stream", ""),
            financial_year=form.get("year", "").strip(),
            quarter=int(form["quarter"]),
            policy=ReallocationPolicy(threshold, recover, form["recipients"]),
            reason=form["reason"],
            actor=_actor(request),
        )
    except FundingError as exc:
        errors.add("stream", str(exc))
        return await _scenario_form(form, errors)
    return Redirect(f"/funding/reallocation/{scenario_id}", status_code=303)


@get(
    "/funding/reallocation/{scenario_id:int}",
    opt=roles(Role.REGION, Role.NATIONAL, Role.ADMIN),
    name="funding_scenario",
)
async def scenario_page(request: Request[Any, Any, Any], scenario_id: FromPath[int]) -> Template:
    return await _scenario_page(request, scenario_id, None)


async def _scenario_page(request: Request[Any, Any, Any], scenario_id: int, errors: FormErrors | None) -> Template:
    row = await reallocation_service.scenario_detail(scenario_id)
    region_id = visible(request.user).region_filter()
    if region_id is not None:  # a region sees its own CCGs' adjustments
        regions = await service.ccg_regions()
        row = replace(row, adjustments=tuple(a for a in row.adjustments if regions.get(a.ccg_code) == region_id))
    adjustments = presenters.adjustment_rows(row.adjustments)
    return Template(
        "funding/scenario.html",
        context={
            "title": f"Reallocation: {row.stream_name} {row.financial_year} Q{row.quarter}",
            "scenario": presenters.scenario_rows([row])[0],
            "scenario_id": scenario_id,
            "recovered": [a for a in adjustments if a["direction"] == "Recovered"],
            "received": [a for a in adjustments if a["direction"] == "Received"],
            "net": presenters.signed_pounds(sum(a.amount_pence for a in row.adjustments)),
            "can_apply": can(request.user, Action.ALLOCATE) and row.state == "preview",
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@post("/funding/reallocation/{scenario_id:int}/apply", opt=ALLOCATORS, name="funding_scenario_apply")
async def scenario_apply(request: Request[Any, Any, Any], scenario_id: FromPath[int]) -> Template | Redirect:
    try:
        await reallocation_service.apply_scenario(scenario_id, _actor(request))
    except FundingError as exc:
        errors = FormErrors()
        errors.add("apply", str(exc))
        return await _scenario_page(request, scenario_id, errors)
    return Redirect(f"/funding/reallocation/{scenario_id}", status_code=303)


@post("/funding/reallocation/{scenario_id:int}/discard", opt=ALLOCATORS, name="funding_scenario_discard")
async def scenario_discard(request: Request[Any, Any, Any], scenario_id: FromPath[int]) -> Template | Redirect:
    try:
        await reallocation_service.discard_scenario(scenario_id, _actor(request))
    except FundingError as exc:
        errors = FormErrors()
        errors.add("apply", str(exc))
        return await _scenario_page(request, scenario_id, errors)
    return Redirect("/funding?saved=scenario-discarded", status_code=303)


# --- What each pound bought ---------------------------------------------------------------------


@get("/funding/impact", opt=FUNDING_ROLES, name="funding_impact")
async def impact(
    request: Request[Any, Any, Any],
    stream: Annotated[str, QueryParameter(max_length=40)] = "",
    ccg: Annotated[str, QueryParameter(max_length=8)] = "",
) -> Template:
    user = request.user
    seen = visible(user)
    ccg_row = None
    if seen.level == Level.CCG:
        ccg = seen.ccg_code
    if ccg:
        ccg_row = await service.ccg_by_code(ccg, user)
    region_id = seen.region_filter()
    data = await impact_service.load(
        ccg_id=ccg_row.id if ccg_row else None, region_id=region_id, stream_code=stream or None
    )
    by_stream = summarise(data.impacts, "stream", data.stream_names)
    by_ccg = summarise(data.impacts, "ccg", data.ccg_names)
    total = Summary(key="all", label="All awards")
    for s in by_stream:
        total.add(s)
    total.practices = len({i.award.practice_id for i in data.impacts})
    top = sorted(data.impacts, key=lambda i: -i.award.amount_pence)[:50]
    scope = ccg_row.name if ccg_row else (await service.region_name(region_id) if region_id else "England")
    return Template(
        "funding/impact.html",
        context={
            "title": "What the money bought",
            "scope": scope or "England",
            "stream": stream,
            "total": presenters.summary_rows([total])[0],
            "verdict": presenters.verdict(total.mean_difference, len(total.comparison_changes)),
            "by_stream": presenters.summary_rows(by_stream, "/funding/impact?stream={key}"),
            "by_ccg": presenters.summary_rows(by_ccg[:25], "/funding/impact?ccg={key}") if not ccg_row else [],
            "awards": presenters.impact_rows(
                top, data.period_codes, data.practices, data.stream_names, await _indicator_names()
            ),
            "award_count": len(data.impacts),
            "source_note": presenters.SOURCE_NOTES[data.source],
            "errors": None,
        },
    )


@get("/funding/practices/{code:str}", opt=ANY_SIGNED_IN, name="funding_practice")
async def practice_page(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    practice = await service.practice_for_funding(code, request.user)
    data = await impact_service.load(practice_id=practice.id)
    return Template(
        "funding/practice.html",
        context={
            "title": f"Funding: {practice_title(practice.name)}",
            "practice": practice,
            "awards": presenters.impact_rows(
                data.impacts, data.period_codes, data.practices, data.stream_names, await _indicator_names()
            ),
            "total": pounds(sum(i.award.amount_pence for i in data.impacts)),
            "source_note": presenters.SOURCE_NOTES[data.source],
            "errors": None,
        },
    )


ROUTES: list[Any] = [
    overview,
    run_new,
    run_create,
    run_page,
    run_csv,
    run_approve,
    run_discard,
    ccg_page,
    forecast,
    award,
    bid,
    upload_form,
    upload,
    bid_decision,
    transition_apply,
    transition_award,
    scenario_new,
    scenario_create,
    scenario_page,
    scenario_apply,
    scenario_discard,
    impact,
    practice_page,
]

"""Choosing which reports you receive (/account/reports) and leaving one from the link in its
footer (/reports/leave/<token>), with no need to sign in.

Opening a leave link changes nothing (mail scanners open links): the page asks the person to
confirm with a button, which POSTs with the CSRF token. After leaving, the same page offers a way
back.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from tracker.notifications import leaving, subscriptions_service
from tracker.web.auth import ANY_SIGNED_IN, PUBLIC
from tracker.web.forms import FormErrors, client_ip, read_form_lists

Done = Annotated[str, QueryParameter(required=False, max_length=20)]


def _read(request: Request[Any, Any, Any], token: str) -> tuple[str, leaving.Report] | None:
    return leaving.read_token(request.app.state.settings.secret_key, token)


def _bad_link() -> Template:
    return Template(
        "notifications/leave.html", context={"title": "This link is not right", "bad": True}, status_code=404
    )


@get("/reports/leave/{token:str}", opt=PUBLIC, name="leave_report")
async def leave_page(request: Request[Any, Any, Any], token: FromPath[str], done: Done = "") -> Template:
    found = _read(request, token)
    if found is None:
        return _bad_link()
    email, report = found
    left = report.key in await subscriptions_service.left_reports(email)
    title = f"You will no longer get {report.label}" if left else f"Stop getting {report.label}?"
    return Template(
        "notifications/leave.html",
        context={
            "title": title[:1].upper() + title[1:],
            "bad": False,
            "token": token,
            "email": email,
            "report": report,
            "left": left,
            "done": done,
        },
    )


@post("/reports/leave/{token:str}", opt=PUBLIC, name="leave_report_confirm")
async def leave(request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
    found = _read(request, token)
    if found is None:
        return _bad_link()
    email, report = found
    await subscriptions_service.leave(email, report.key, via="link", ip=client_ip(request))
    return Redirect(f"/reports/leave/{token}?done=left", status_code=303)


@post("/reports/leave/{token:str}/rejoin", opt=PUBLIC, name="leave_report_undo")
async def rejoin(request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
    found = _read(request, token)
    if found is None:
        return _bad_link()
    email, report = found
    await subscriptions_service.rejoin(email, report.key, via="link", ip=client_ip(request))
    return Redirect(f"/reports/leave/{token}?done=rejoined", status_code=303)


def _choices(role: str, left: set[str], chosen: set[str] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "value": key,
            "text": leaving.REPORTS[key].heading,
            "checked": (key in chosen) if chosen is not None else key not in left,
        }
        for key in leaving.ROLE_REPORTS.get(role, ())
    ]


@get("/account/reports", opt=ANY_SIGNED_IN, name="my_reports")
async def my_reports(request: Request[Any, Any, Any], done: Done = "") -> Template:
    user = request.user
    left = await subscriptions_service.left_reports(user.email)
    return Template(
        "notifications/reports.html",
        context={
            "title": "Reports you receive",
            "choices": _choices(user.role.value, left),
            "errors": FormErrors(),
            "saved": done == "saved",
        },
    )


@post("/account/reports", opt=ANY_SIGNED_IN, name="my_reports_save")
async def save_my_reports(request: Request[Any, Any, Any]) -> Redirect:
    user = request.user
    chosen = set((await read_form_lists(request)).get("reports", []))
    ip = client_ip(request)
    for key in leaving.ROLE_REPORTS.get(user.role.value, ()):
        if key in chosen:
            await subscriptions_service.rejoin(user.email, key, via="account", account_id=user.id, ip=ip)
        else:
            await subscriptions_service.leave(user.email, key, via="account", account_id=user.id, ip=ip)
    return Redirect("/account/reports?done=saved", status_code=303)


ROUTES: list[Any] = [leave_page, leave, rejoin, my_reports, save_my_reports]

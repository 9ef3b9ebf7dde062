"""Administration: the /admin landing page and managing users (administrators everywhere; CCG
GP IT leads for the practice users of their own practices, under /users)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from tracker.accounts import presenters, tokens_service, users_service
from tracker.accounts.policy import Action, require, visible
from tracker.accounts.principal import Principal, Role
from tracker.accounts.service import AccountError, create_account, normalise_email, split_codes
from tracker.accounts.users_service import UserRow
from tracker.accounts.validation import email_problem, name_problem, page_number
from tracker.web.auth import roles
from tracker.web.forms import FormErrors, client_ip, read_form
from tracker.web.navigation import ADMIN_SECTIONS

ADMIN = roles(Role.ADMIN)
USER_MANAGERS = roles(Role.ADMIN, Role.CCG)

DONE = {
    "invited": "Invitation sent. The link in it works once, for 7 days.",
    "updated": "User updated.",
    "disabled": "Account disabled. Any session it had has ended.",
    "enabled": "Account re-enabled.",
    "resent": "A new invitation has been sent. Earlier links no longer work.",
    "imported": "Everyone in the file has been invited. Each link works once, for 7 days.",
}

Query = Annotated[str, QueryParameter(required=False, max_length=400)]


def _base(user: Principal) -> str:
    return "/admin/users" if user.role == Role.ADMIN else "/users"


@get("/admin", opt=ADMIN, name="admin")
async def admin_home(request: Request[Any, Any, Any]) -> Template:
    sections = [{"href": h, "heading": label, "description": d} for label, h, d in ADMIN_SECTIONS]
    return Template("admin/index.html", context={"sections": sections})


async def _list(request: Request[Any, Any, Any], q: str, role: str, page: str, done: str) -> Template:
    user = request.user
    ccg_id = visible(user).ccg_filter()
    if user.role != Role.ADMIN:
        role = ""
    result = await users_service.list_users(q, role, page_number(page), ccg_id=ccg_id)
    base = _base(user)
    return Template(
        "admin/users.html",
        context={
            "title": "Users" if user.role == Role.ADMIN else "Practice users",
            "base": base,
            "q": q,
            "role": role,
            "role_choices": presenters.ROLE_CHOICES,
            "rows": presenters.user_rows(result.rows, base),
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "pagination": presenters.pagination(base, result.page, result.pages, {"q": q, "role": role}),
            "done": DONE.get(done, ""),
            "is_admin": user.role == Role.ADMIN,
        },
    )


@get("/admin/users", opt=ADMIN, name="admin_users")
async def admin_users(
    request: Request[Any, Any, Any], q: Query = "", role: Query = "", page: Query = "", done: Query = ""
) -> Template:
    return await _list(request, q, role, page, done)


@get("/users", opt=roles(Role.CCG), name="ccg_users")
async def ccg_users(request: Request[Any, Any, Any], q: Query = "", page: Query = "", done: Query = "") -> Template:
    return await _list(request, q, "", page, done)


def _invite_page(user: Principal, form: dict[str, str], errors: FormErrors, status: int = 200) -> Template:
    return Template(
        "admin/invite.html",
        context={
            "base": _base(user),
            "form": form,
            "errors": errors,
            "role_choices": presenters.ROLE_CHOICES if user.role == Role.ADMIN else (),
            "is_admin": user.role == Role.ADMIN,
        },
        status_code=status,
    )


@get("/admin/users/invite", opt=ADMIN, name="admin_invite")
async def admin_invite_page(request: Request[Any, Any, Any]) -> Template:
    return _invite_page(request.user, {}, FormErrors())


@get("/users/invite", opt=roles(Role.CCG), name="ccg_invite")
async def ccg_invite_page(request: Request[Any, Any, Any]) -> Template:
    return _invite_page(request.user, {}, FormErrors())


def _role_from(raw: str, errors: FormErrors) -> Role | None:
    try:
        return Role(raw)
    except ValueError:
        errors.add("role", "Select the person's role")
        return None


async def _invite(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = request.user
    form = await read_form(request)
    kept = {k: form.get(k, "").strip()[:400] for k in ("email", "name", "role", "org")}
    if user.role != Role.ADMIN:
        kept["role"] = Role.PRACTICE.value
    errors = FormErrors()
    for field, problem in (("email", email_problem(kept["email"])), ("name", name_problem(kept["name"]))):
        if problem:
            errors.add(field, problem)
    role = _role_from(kept["role"], errors)
    if role is not None:
        try:
            await users_service.require_may_invite(user, role, kept["org"])
        except AccountError as exc:
            errors.add("role" if user.role == Role.ADMIN or "practice users only" in str(exc) else "org", str(exc))
    if not errors and role is not None:
        try:
            account_id = await create_account(
                email=normalise_email(kept["email"]),
                role=role,
                name=kept["name"],
                org_code=",".join(split_codes(kept["org"])),
                actor=user.email,
                actor_id=user.id,
                ip=client_ip(request),
            )
        except AccountError as exc:
            errors.add("email" if "email" in str(exc) else "org", str(exc))
        else:
            await tokens_service.send_invitation(account_id, request.app.state.settings.base_url, user.display_name)
            return Redirect(f"{_base(user)}?done=invited", status_code=303)
    return _invite_page(user, kept, errors, 422)


@post("/admin/users/invite", opt=ADMIN)
async def admin_invite(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _invite(request)


@post("/users/invite", opt=roles(Role.CCG))
async def ccg_invite(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _invite(request)


async def _managed(request: Request[Any, Any, Any], account_id: int) -> UserRow:
    if account_id <= 0 or account_id > 2**62:
        raise NotFoundException("No such user")
    target = await users_service.get_user(account_id)
    await users_service.require_may_manage(request.user, target)
    return target


def _user_page(
    user: Principal, target: UserRow, form: dict[str, str], errors: FormErrors, status: int = 200, done: str = ""
) -> Template:
    text, colour = presenters.status(target)
    return Template(
        "admin/user.html",
        context={
            "title": target.name or target.email,
            "base": _base(user),
            "target": target,
            "status": text,
            "status_colour": colour,
            "role_label": presenters.role_label(target.role),
            "organisation": presenters.organisation(target),
            "form": form,
            "errors": errors,
            "role_choices": presenters.ROLE_CHOICES,
            "is_admin": user.role == Role.ADMIN,
            "is_self": user.id == target.id,
            "done": DONE.get(done, ""),
        },
        status_code=status,
    )


def _form_of(target: UserRow) -> dict[str, str]:
    return {"name": target.name, "role": target.role, "org": users_service.org_code_of(target)}


@get("/admin/users/{account_id:int}", opt=ADMIN, name="admin_user")
async def admin_user(request: Request[Any, Any, Any], account_id: FromPath[int], done: Query = "") -> Template:
    target = await _managed(request, account_id)
    return _user_page(request.user, target, _form_of(target), FormErrors(), done=done)


@get("/users/{account_id:int}", opt=roles(Role.CCG), name="ccg_user")
async def ccg_user(request: Request[Any, Any, Any], account_id: FromPath[int], done: Query = "") -> Template:
    target = await _managed(request, account_id)
    return _user_page(request.user, target, _form_of(target), FormErrors(), done=done)


@post("/admin/users/{account_id:int}", opt=ADMIN)
async def admin_update_user(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Template | Redirect:
    user = request.user
    target = await _managed(request, account_id)
    require(user, Action.ADMINISTER)
    form = await read_form(request)
    kept = {k: form.get(k, "").strip()[:400] for k in ("name", "role", "org")}
    errors = FormErrors()
    problem = name_problem(kept["name"])
    if problem:
        errors.add("name", problem)
    role = _role_from(kept["role"], errors)
    if not errors and role is not None:
        try:
            await users_service.update_user(
                user, account_id, name=kept["name"], role=role, org_code=kept["org"], ip=client_ip(request)
            )
        except AccountError as exc:
            errors.add("role" if "role" in str(exc) else "org", str(exc))
        else:
            return Redirect(f"/admin/users/{account_id}?done=updated", status_code=303)
    return _user_page(user, target, kept, errors, 422)


async def _set_disabled(request: Request[Any, Any, Any], account_id: int, disabled: bool) -> Template | Redirect:
    user = request.user
    target = await _managed(request, account_id)
    try:
        await users_service.set_disabled(user, account_id, disabled, client_ip(request))
    except AccountError as exc:
        errors = FormErrors()
        errors.add("status", str(exc))
        return _user_page(user, target, _form_of(target), errors, 422)
    return Redirect(f"{_base(user)}/{account_id}?done={'disabled' if disabled else 'enabled'}", status_code=303)


@post("/admin/users/{account_id:int}/disable", opt=ADMIN)
async def admin_disable(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Template | Redirect:
    return await _set_disabled(request, account_id, True)


@post("/admin/users/{account_id:int}/enable", opt=ADMIN)
async def admin_enable(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Template | Redirect:
    return await _set_disabled(request, account_id, False)


@post("/users/{account_id:int}/disable", opt=roles(Role.CCG))
async def ccg_disable(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Template | Redirect:
    return await _set_disabled(request, account_id, True)


@post("/users/{account_id:int}/enable", opt=roles(Role.CCG))
async def ccg_enable(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Template | Redirect:
    return await _set_disabled(request, account_id, False)


async def _resend(request: Request[Any, Any, Any], account_id: int) -> Redirect:
    user = request.user
    target = await _managed(request, account_id)
    if target.disabled or target.has_password:
        return Redirect(f"{_base(user)}/{account_id}", status_code=303)
    await tokens_service.send_invitation(account_id, request.app.state.settings.base_url, user.display_name)
    return Redirect(f"{_base(user)}/{account_id}?done=resent", status_code=303)


@post("/admin/users/{account_id:int}/resend-invitation", opt=ADMIN)
async def admin_resend(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Redirect:
    return await _resend(request, account_id)


@post("/users/{account_id:int}/resend-invitation", opt=roles(Role.CCG))
async def ccg_resend(request: Request[Any, Any, Any], account_id: FromPath[int]) -> Redirect:
    return await _resend(request, account_id)


ROUTES: list[Any] = [
    admin_home,
    admin_users,
    ccg_users,
    admin_invite_page,
    ccg_invite_page,
    admin_invite,
    ccg_invite,
    admin_user,
    ccg_user,
    admin_update_user,
    admin_disable,
    admin_enable,
    ccg_disable,
    ccg_enable,
    admin_resend,
    ccg_resend,
]

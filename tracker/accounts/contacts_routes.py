"""Contact addresses (/contacts: administrators, CCG leads, practice users) and importing them or
users from CSV files (/contacts/import; /admin/users/import and /users/import), each previewed
before it is confirmed."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from tracker.accounts import contacts_service, csv_import, users_import
from tracker.accounts.principal import Principal, Role
from tracker.accounts.validation import email_problem
from tracker.web.auth import roles
from tracker.web.forms import FormErrors, client_ip, read_form
from tracker.web.navigation import ADMIN_SECTIONS

CONTACT_EDITORS = roles(Role.ADMIN, Role.CCG, Role.PRACTICE)
IMPORTERS = roles(Role.ADMIN, Role.CCG)
PAGE_SIZE = 50

Query = Annotated[str, QueryParameter(required=False, max_length=200)]

if not any(href == "/contacts" for _, href, _ in ADMIN_SECTIONS):
    ADMIN_SECTIONS.insert(
        1,
        (
            "Contact addresses",
            "/contacts",
            "Each practice's and CCG's contact address for reminders and reports: search, edit, import from a CSV file.",
        ),
    )

DONE = {
    "saved": "Contact address saved.",
    "removed": "Contact address removed.",
    "imported": "Contact addresses imported.",
}


def _back(user: Principal) -> list[dict[str, str]]:
    items = [{"href": "/", "text": "Home"}]
    if user.role == Role.ADMIN:
        items.append({"href": "/admin", "text": "Administration"})
    return items


@get("/contacts", opt=CONTACT_EDITORS, name="contacts")
async def contacts(request: Request[Any, Any, Any], q: Query = "", page: Query = "", done: Query = "") -> Template:
    user = request.user
    found = await contacts_service.entries(user, q)
    number = int(page) if page.isdigit() and 0 < len(page) < 6 else 1
    pages = max(1, -(-len(found) // PAGE_SIZE))
    number = min(number, pages)
    shown = found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return Template(
        "accounts/contacts.html",
        context={
            "title": "Contact addresses",
            "breadcrumbs": _back(user),
            "q": q,
            "rows": shown,
            "total": len(found),
            "page": number,
            "pages": pages,
            "previous": "/contacts?" + urlencode({"q": q, "page": number - 1}) if number > 1 else "",
            "next": "/contacts?" + urlencode({"q": q, "page": number + 1}) if number < pages else "",
            "may_import": user.role in (Role.ADMIN, Role.CCG),
            "done": DONE.get(done, ""),
            "imported": done.removeprefix("imported-") if done.startswith("imported-") else "",
        },
    )


def _contact_page(found: Any, form: dict[str, str], errors: FormErrors, status: int = 200) -> Template:
    return Template(
        "accounts/contact.html",
        context={
            "title": f"Contact address of {found.code}",
            "entry": found,
            "form": form,
            "errors": errors,
        },
        status_code=status,
    )


@get("/contacts/{code:str}", opt=CONTACT_EDITORS, name="contact")
async def contact(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    found = await contacts_service.entry(request.user, code[:12])
    return _contact_page(found, {"email": found.contact_email}, FormErrors())


@post("/contacts/{code:str}", opt=CONTACT_EDITORS, name="contact_save")
async def contact_save(request: Request[Any, Any, Any], code: FromPath[str]) -> Template | Redirect:
    found = await contacts_service.entry(request.user, code[:12])
    form = await read_form(request)
    email = form.get("email", "").strip()[:400]
    errors = FormErrors()
    if problem := email_problem(email):
        errors.add("email", problem)
        return _contact_page(found, {"email": email}, errors, 422)
    await contacts_service.update_one(request.user, found, email, client_ip(request))
    return Redirect("/contacts?done=saved", status_code=303)


@post("/contacts/{code:str}/remove", opt=CONTACT_EDITORS, name="contact_remove")
async def contact_remove(request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
    """No shared address any more: reminders and reports go to the organisation's people only."""
    found = await contacts_service.entry(request.user, code[:12])
    await contacts_service.update_one(request.user, found, "", client_ip(request))
    return Redirect("/contacts?done=removed", status_code=303)


# --- Imports ---------------------------------------------------------------------------------


async def _upload(request: Request[Any, Any, Any], field: str, errors: FormErrors) -> bytes | None:
    form = await request.form()
    file = form.get(field)
    if not isinstance(file, UploadFile) or not file.filename:
        errors.add(field, "Select a CSV file")
        return None
    data = await file.read(csv_import.MAX_BYTES + 1)
    if not data:
        errors.add(field, "The selected file is empty")
        return None
    return data


def _import_page(kind: str, user: Principal, errors: FormErrors, status: int = 200, **context: Any) -> Template:
    base = (
        "/contacts/import"
        if kind == "contacts"
        else ("/admin/users/import" if user.role == Role.ADMIN else "/users/import")
    )
    problems = context.get("problems") or []
    return Template(
        f"accounts/import_{kind}.html",
        context={
            "title": "Import contact addresses" if kind == "contacts" else "Invite users from a CSV file",
            "base": base,
            "errors": errors,
            "is_admin": user.role == Role.ADMIN,
            "breadcrumbs": _back(user),
            "shown_problems": problems[: csv_import.SHOWN_PROBLEMS],
            "more_problems": max(0, len(problems) - csv_import.SHOWN_PROBLEMS),
            **context,
        },
        status_code=status,
    )


def _problems_error(errors: FormErrors, field: str, problems: list[csv_import.Problem]) -> None:
    n = len(problems)
    errors.add(
        field,
        f"The file has {n} problem{'s' if n != 1 else ''}: nothing was saved. Correct the file and upload it again.",
    )


@get("/contacts/import", opt=IMPORTERS, name="contacts_import")
async def contacts_import_page(request: Request[Any, Any, Any]) -> Template:
    return _import_page("contacts", request.user, FormErrors())


@post("/contacts/import", opt=IMPORTERS, name="contacts_import_preview")
async def contacts_import_preview(request: Request[Any, Any, Any]) -> Template:
    user = request.user
    errors = FormErrors()
    data = await _upload(request, "file", errors)
    if data is None:
        return _import_page("contacts", user, errors, 422)
    checked = await contacts_service.check_file(user, data)
    if checked.problems:
        _problems_error(errors, "file", checked.problems)
        return _import_page("contacts", user, errors, 422, problems=checked.problems)
    key = await contacts_service.keep_upload("contacts", user, data)
    return _import_page(
        "contacts", user, errors, changes=checked.changes, changed=sum(1 for c in checked.changes if c.changed), key=key
    )


@post("/contacts/import/confirm", opt=IMPORTERS, name="contacts_import_confirm")
async def contacts_import_confirm(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = request.user
    key = (await read_form(request)).get("key", "")
    errors = FormErrors()
    data = await contacts_service.kept_upload("contacts", user, key)
    if data is None:
        errors.add("file", "The preview has expired: upload the file again")
        return _import_page("contacts", user, errors, 422)
    checked, changed = await contacts_service.apply_file(user, data, client_ip(request))
    if checked.problems:
        _problems_error(errors, "file", checked.problems)
        return _import_page("contacts", user, errors, 422, problems=checked.problems)
    await contacts_service.forget_upload("contacts", key)
    return Redirect(f"/contacts?done=imported-{changed}", status_code=303)


async def _users_preview(request: Request[Any, Any, Any]) -> Template:
    user = request.user
    errors = FormErrors()
    data = await _upload(request, "file", errors)
    if data is None:
        return _import_page("users", user, errors, 422)
    checked = await users_import.check_file(user, data)
    if checked.problems:
        _problems_error(errors, "file", checked.problems)
        return _import_page("users", user, errors, 422, problems=checked.problems)
    key = await contacts_service.keep_upload("users", user, data)
    return _import_page("users", user, errors, users=checked.users, key=key)


async def _users_confirm(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = request.user
    key = (await read_form(request)).get("key", "")
    errors = FormErrors()
    data = await contacts_service.kept_upload("users", user, key)
    if data is None:
        errors.add("file", "The preview has expired: upload the file again")
        return _import_page("users", user, errors, 422)
    checked, _invited = await users_import.apply_file(
        user, data, base_url=request.app.state.settings.base_url, ip=client_ip(request)
    )
    if checked.problems:
        _problems_error(errors, "file", checked.problems)
        return _import_page("users", user, errors, 422, problems=checked.problems)
    await contacts_service.forget_upload("users", key)
    base = "/admin/users" if user.role == Role.ADMIN else "/users"
    return Redirect(f"{base}?done=imported", status_code=303)


@get("/admin/users/import", opt=roles(Role.ADMIN), name="admin_users_import")
async def admin_users_import_page(request: Request[Any, Any, Any]) -> Template:
    return _import_page("users", request.user, FormErrors())


@post("/admin/users/import", opt=roles(Role.ADMIN), name="admin_users_import_preview")
async def admin_users_import_preview(request: Request[Any, Any, Any]) -> Template:
    return await _users_preview(request)


@post("/admin/users/import/confirm", opt=roles(Role.ADMIN), name="admin_users_import_confirm")
async def admin_users_import_confirm(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _users_confirm(request)


@get("/users/import", opt=roles(Role.CCG), name="ccg_users_import")
async def ccg_users_import_page(request: Request[Any, Any, Any]) -> Template:
    return _import_page("users", request.user, FormErrors())


@post("/users/import", opt=roles(Role.CCG), name="ccg_users_import_preview")
async def ccg_users_import_preview(request: Request[Any, Any, Any]) -> Template:
    return await _users_preview(request)


@post("/users/import/confirm", opt=roles(Role.CCG), name="ccg_users_import_confirm")
async def ccg_users_import_confirm(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _users_confirm(request)


ROUTES: list[Any] = [
    contacts,
    contacts_import_page,
    contacts_import_preview,
    contacts_import_confirm,
    contact,
    contact_save,
    contact_remove,
    admin_users_import_page,
    admin_users_import_preview,
    admin_users_import_confirm,
    ccg_users_import_page,
    ccg_users_import_preview,
    ccg_users_import_confirm,
]

"""Organisations' contact addresses as people manage them: administrators every one, a CCG lead
its CCG's and its practices', a practice user its own practices' (`Action.MANAGE_CONTACTS`).

An import is checked whole (tracker/accounts/csv_import.py), shown as a preview, kept for a short
while under a random key, and written only when the same person confirms, all in one
transaction: every row or none.
"""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from tracker.accounts import csv_import
from tracker.accounts.policy import Action, can, require
from tracker.accounts.principal import Principal, Role
from tracker.kv import uploads_service as uploads
from tracker.organisations import service as organisations
from tracker.organisations.service import ContactEntry

PREVIEW_MINUTES = 30


def may_change(principal: Principal, entry: ContactEntry) -> bool:
    return can(principal, Action.MANAGE_CONTACTS, entry.scope)


def whose(principal: Principal) -> str:
    """Which organisations a person may change, as the end of "X is not ..."."""
    if principal.role == Role.CCG:
        return "your CCG or one of its practices"
    return "one of your practices"


async def entries(principal: Principal, q: str = "") -> list[ContactEntry]:
    """The organisations whose contact address this person may change, narrowed by a search."""
    match principal.role:
        case Role.ADMIN:
            found = await organisations.contact_entries(q=q)
        case Role.CCG:
            found = await organisations.contact_entries(q=q, ccg_id=principal.ccg_id or 0)
        case Role.PRACTICE:
            found = await organisations.contact_entries(q=q, practice_ids=principal.practice_ids)
        case _:
            found = []
    return [e for e in found if may_change(principal, e)]


async def entry(principal: Principal, code: str) -> ContactEntry:
    """One organisation by ODS code, if this person may change its contact address (else 403)."""
    found = (await organisations.contact_entries_by_code({code.upper()})).get(code.upper())
    if found is None:
        raise NotFoundException(f"There is no practice or CCG with the code {code[:12]}")
    require(principal, Action.MANAGE_CONTACTS, found.scope)
    return found


async def update_one(principal: Principal, found: ContactEntry, email: str, ip: str) -> int:
    return await organisations.set_contact_emails(
        [(found, email.strip().lower())], actor=principal.email, account_id=principal.id, ip=ip, via="form"
    )


async def check_file(principal: Principal, data: bytes) -> csv_import.Checked:
    """A contacts file checked whole for this uploader."""
    table = csv_import.read_csv(data, csv_import.CONTACT_COLUMNS)
    codes = {row["code"].upper() for _, row in table.rows if csv_import.CODE.match(row["code"].upper())}
    found = await organisations.contact_entries_by_code(codes)
    known = {code: csv_import.Organisation(e.kind, e.code, e.name, e.contact_email) for code, e in found.items()}
    return csv_import.check_contacts(table, known, lambda o: may_change(principal, found[o.code]), whose(principal))


async def apply_file(principal: Principal, data: bytes, ip: str) -> tuple[csv_import.Checked, int]:
    """Check the file again (the organisations may have changed since the preview) and, when it
    has no problems, write every row in one transaction; (the check, how many changed)."""
    checked = await check_file(principal, data)
    if checked.problems:
        return checked, 0
    codes = {c.organisation.code for c in checked.changes}
    found = await organisations.contact_entries_by_code(codes)
    changed = await organisations.set_contact_emails(
        [(found[c.organisation.code], c.email) for c in checked.changes],
        actor=principal.email,
        account_id=principal.id,
        ip=ip,
        via="import",
    )
    return checked, changed


# --- The file between its preview and its confirmation -----------------------------------------


async def keep_upload(kind: str, principal: Principal, data: bytes) -> str:
    """Keep an uploaded file for its confirmation; the key the confirming form sends back."""
    return await uploads.keep(kind, principal.id, data, PREVIEW_MINUTES)


async def kept_upload(kind: str, principal: Principal, key: str) -> bytes | None:
    """The file kept under this key, if this person uploaded it and it has not expired."""
    found = await uploads.kept(kind, principal.id, key)
    return found[1] if found else None


async def forget_upload(kind: str, key: str) -> None:
    await uploads.forget(kind, key)

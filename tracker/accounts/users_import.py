"""Inviting many people at once from a CSV file (email, name, role, organisation code):
administrators anyone, a CCG lead practice users of its own practices.

The file is checked whole; when it has no problems every account is made and every invitation
queued in one transaction, so either all the people are invited or none is. Invitations go
through the usual invitation flow and the outbox, keyed by each invitation's token: each is
sent exactly once.
"""

from __future__ import annotations

from tracker import db
from tracker.accounts import csv_import, tokens_service
from tracker.accounts.policy import Action, Scope, can
from tracker.accounts.principal import Principal, Role
from tracker.accounts.service import create_account
from tracker.accounts.users_service import emails_in_use
from tracker.organisations import service as organisations


async def check_file(principal: Principal, data: bytes) -> csv_import.CheckedUsers:
    table = csv_import.read_csv(data, csv_import.USER_COLUMNS)
    codes = {c for _, row in table.rows for c in csv_import.split_org(row["org"])}
    practices = {p.ods_code: p for p in await organisations.practice_places(codes=sorted(codes))}
    ccgs = {c.code for c in await organisations.ccg_contacts()}
    regions = {r.code for r in await organisations.regions_by_id()}
    known = csv_import.OrgCodes(frozenset(practices), frozenset(ccgs), frozenset(regions))
    existing = await emails_in_use({row["email"].strip().lower() for _, row in table.rows})

    def may_invite(role: Role, org: list[str]) -> str | None:
        if principal.role == Role.ADMIN:
            return None
        if role != Role.PRACTICE:
            return "you can invite practice users only"
        foreign = [
            c
            for c in org
            if not can(
                principal,
                Action.INVITE,
                Scope(practice_id=practices[c].id, ccg_id=practices[c].ccg, region_id=practices[c].region),
            )
        ]
        return f"{', '.join(foreign[:5])} is not one of your CCG's practices" if foreign else None

    return csv_import.check_users(table, existing_emails=existing, codes=known, may_invite=may_invite)


async def apply_file(
    principal: Principal, data: bytes, *, base_url: str, ip: str
) -> tuple[csv_import.CheckedUsers, int]:
    """Check the file again and, without problems, make every account and queue every invitation
    in one transaction; (the check, how many were invited)."""
    checked = await check_file(principal, data)
    if checked.problems:
        return checked, 0
    async with db.write_transaction():
        for user in checked.users:
            account_id = await create_account(
                email=user.email,
                role=user.role,
                name=user.name,
                org_code=",".join(user.org_codes),
                actor=principal.email,
                actor_id=principal.id,
                ip=ip,
            )
            await tokens_service.send_invitation(account_id, base_url, principal.display_name)
    return checked, len(checked.users)

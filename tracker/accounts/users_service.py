"""Managing users: listing and searching, changing role and organisations, disabling.

Every change is audited with the old and new values. Administrators manage everyone; a CCG user
manages the practice users of its own practices (see `policy.can(..., Action.INVITE, ...)`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException

from tracker import clock, db
from tracker.accounts.policy import Action, Scope, can, require
from tracker.accounts.principal import Principal, Role
from tracker.accounts.service import AccountError, resolve_org, split_codes
from tracker.audit import service as audit
from tracker.organisations import codes_service as org_codes
from tracker.organisations import service as organisations
from tracker.tables import Account, AccountPractice, AccountToken

PAGE_SIZE = 25


@dataclass(frozen=True)
class UserRow:
    """A user as the users pages show them: the account, its organisation codes and whether it
    can sign in yet."""

    id: int
    email: str
    name: str
    role: str  # a `Role` value
    disabled: bool
    demo: bool
    last_sign_in_at: dt.datetime | None
    locked_until: dt.datetime | None
    created_at: dt.datetime
    ccg_code: str | None
    region_code: str | None
    practice_codes: tuple[str, ...]  # sorted
    has_password: bool
    invited: bool  # an invitation not yet used and not expired


@dataclass(frozen=True)
class UserPage:
    rows: list[UserRow]
    total: int
    page: int
    pages: int


def _ilike(column: Any, pattern: str) -> Any:
    """Case-insensitive LIKE on both engines (SQLite's LIKE already is, and has no ILIKE)."""
    return column.like(pattern) if db.is_sqlite() else column.ilike(pattern)


def _like(text: str) -> str:
    # LIKE's wildcards are dropped rather than escaped: SQLite and PostgreSQL escape differently.
    return "%" + text.replace("%", "").replace("_", "").replace("\\", "").lower() + "%"


async def _practice_codes(account_ids: list[int]) -> dict[int, list[str]]:
    if not account_ids:
        return {}
    rows = await AccountPractice.select(AccountPractice.account, AccountPractice.practice).where(
        AccountPractice.account.is_in(account_ids)
    )
    ods = (await org_codes.codes(practice_ids=[r["practice"] for r in rows])).practice
    codes: dict[int, list[str]] = {}
    for r in rows:
        codes.setdefault(r["account"], []).append(ods.get(r["practice"], ""))
    return {k: sorted(v) for k, v in codes.items()}


async def _invited_ids(account_ids: list[int]) -> set[int]:
    if not account_ids:
        return set()
    rows = await AccountToken.select(AccountToken.account).where(
        AccountToken.account.is_in(account_ids)
        & (AccountToken.purpose == "invite")
        & AccountToken.used_at.is_null()
        & (AccountToken.expires_at > clock.now())
    )
    return {r["account"] for r in rows}


COLUMNS = (
    Account.id,
    Account.email,
    Account.name,
    Account.role,
    Account.disabled,
    Account.demo,
    Account.password_hash,
    Account.last_sign_in_at,
    Account.locked_until,
    Account.created_at,
    Account.ccg,
    Account.region,
)


async def _decorate(rows: list[dict[str, Any]]) -> list[UserRow]:
    ids = [r["id"] for r in rows]
    codes = await _practice_codes(ids)
    invited = await _invited_ids(ids)
    orgs = await org_codes.codes([r["ccg"] for r in rows], [r["region"] for r in rows])
    return [
        UserRow(
            id=r["id"],
            email=r["email"],
            name=r["name"],
            role=r["role"],
            disabled=bool(r["disabled"]),
            demo=bool(r["demo"]),
            last_sign_in_at=r["last_sign_in_at"],
            locked_until=r["locked_until"],
            created_at=r["created_at"],
            ccg_code=orgs.ccg.get(r["ccg"]),
            region_code=orgs.region.get(r["region"]),
            practice_codes=tuple(codes.get(r["id"], [])),
            has_password=bool(r["password_hash"]),
            invited=r["id"] in invited,
        )
        for r in rows
    ]


async def list_users(q: str = "", role: str = "", page: int = 1, ccg_id: int | None = None) -> UserPage:
    """Users matching a search of email, name or organisation code, newest first, a page at a time.
    With `ccg_id`: only practice users of that CCG's practices."""
    where: list[Any] = []
    q = q.strip()[:200]
    if q:
        like = _like(q)
        orgs = await org_codes.matching(like.upper(), case_insensitive=True)
        in_practice = AccountPractice.select(AccountPractice.account).where(
            AccountPractice.practice.is_in(orgs.practice or [0])
        )
        where.append(
            _ilike(Account.email, like)
            | _ilike(Account.name, like)
            | Account.ccg.is_in(orgs.ccg or [0])
            | Account.region.is_in(orgs.region or [0])
            | Account.id.is_in(in_practice)
        )
    if role in {r.value for r in Role}:
        where.append(Account.role == role)
    if ccg_id is not None:
        where.append(Account.role == Role.PRACTICE.value)
        where.append(
            Account.id.is_in(
                AccountPractice.select(AccountPractice.account).where(
                    AccountPractice.practice.is_in(await org_codes.practice_ids_in_ccg(ccg_id) or [0])
                )
            )
        )
    count_query = Account.count()
    select = Account.select(*COLUMNS)
    for condition in where:
        count_query = count_query.where(condition)
        select = select.where(condition)
    total = await count_query
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = await select.order_by(Account.email).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return UserPage(await _decorate(rows), total, page, pages)


async def get_user(account_id: int) -> UserRow:
    row = await Account.select(*COLUMNS).where(Account.id == account_id).first()
    if row is None:
        raise NotFoundException("No such user")
    return (await _decorate([row]))[0]


def org_code_of(user: UserRow) -> str:
    if user.role == Role.PRACTICE.value:
        return ", ".join(user.practice_codes)
    return user.ccg_code or user.region_code or ""


async def practices_scope(codes: list[str]) -> list[Scope]:
    return [_own_scope(p) for p in await organisations.practice_places(codes=codes)]


def _own_scope(practice: organisations.PracticePlace) -> Scope:
    # The practice's own region column, as user management has always asked the policy.
    return Scope(practice_id=practice.id, ccg_id=practice.ccg, region_id=practice.region)


async def require_may_invite(actor: Principal, role: Role, org_code: str) -> None:
    """Administrators invite anyone; a CCG user invites practice users of its own practices only."""
    if actor.role == Role.ADMIN:
        return
    if role != Role.PRACTICE:
        raise AccountError("You can invite practice users only")
    codes = set(split_codes(org_code))
    rows = await organisations.practice_places(codes=list(codes))
    if len(rows) != len(codes):
        return  # unknown codes: resolve_org names them
    foreign = sorted(p.ods_code for p in rows if not can(actor, Action.INVITE, _own_scope(p)))
    if foreign:
        raise AccountError(f"{', '.join(foreign[:5])} is not one of your CCG's practices")


async def require_may_manage(actor: Principal, user: UserRow) -> None:
    """Administrators manage anyone; a CCG user manages practice users whose practices are all its own."""
    if actor.role == Role.ADMIN:
        return
    if user.role != Role.PRACTICE.value or not user.practice_codes:
        require(actor, Action.ADMINISTER)
    for scope in await practices_scope(list(user.practice_codes)):
        require(actor, Action.INVITE, scope)


async def update_user(actor: Principal, account_id: int, *, name: str, role: Role, org_code: str, ip: str) -> UserRow:
    """Change name, role and organisations; AccountError says what is wrong. The audit keeps old and new."""
    before = await get_user(account_id)
    if actor.id == account_id and role.value != before.role:
        raise AccountError("You cannot change your own role: ask another administrator")
    links = await resolve_org(role, org_code)
    async with db.write_transaction():
        await Account.update(
            {Account.name: name, Account.role: role.value, Account.ccg: links.ccg_id, Account.region: links.region_id}
        ).where(Account.id == account_id)
        await AccountPractice.delete().where(AccountPractice.account == account_id)
        if links.practice_ids:
            await AccountPractice.insert(*[AccountPractice(account=account_id, practice=p) for p in links.practice_ids])
        after = {"name": name, "role": role.value, "org": ",".join(split_codes(org_code))}
        old = {"name": before.name, "role": before.role, "org": org_code_of(before).replace(", ", ",")}
        await audit.record(
            "user.updated",
            account_id=actor.id,
            actor=actor.email,
            entity_type="account",
            entity_id=account_id,
            detail={"email": before.email, "old": old, "new": after},
            ip=ip,
        )
    return await get_user(account_id)


async def set_disabled(actor: Principal, account_id: int, disabled: bool, ip: str) -> UserRow:
    """Disable (every session ends at once) or re-enable an account."""
    user = await get_user(account_id)
    if actor.id == account_id:
        raise AccountError("You cannot disable your own account")
    if user.disabled == disabled:
        return user
    async with db.write_transaction():
        await Account.update({Account.disabled: disabled}).where(Account.id == account_id)
        await audit.record(
            "user.disabled" if disabled else "user.enabled",
            account_id=actor.id,
            actor=actor.email,
            entity_type="account",
            entity_id=account_id,
            detail={"email": user.email, "old": {"disabled": not disabled}, "new": {"disabled": disabled}},
            ip=ip,
        )
    return await get_user(account_id)


async def practice_user_emails(practice_id: int) -> list[str]:
    """The email addresses of a practice's enabled practice users, sorted (for the emails a
    practice is sent about its own returns)."""
    return (await practice_users_emails([practice_id])).get(practice_id, [])


# --- Who other features email ------------------------------------------------------------------


async def practice_users_emails(practice_ids: list[int] | None = None) -> dict[int, list[str]]:
    """Practice id -> the email addresses of its enabled practice users, sorted and once each
    (every practice at once, or those given)."""
    sql = (
        "SELECT ap.practice AS practice_id, a.email FROM account_practice ap JOIN account a ON a.id = ap.account "
        "WHERE a.role = 'practice' AND a.disabled = {}"
    )
    rows: list[dict[str, Any]] = []
    if practice_ids is None:
        rows = await db.fetch(sql + " ORDER BY a.email", False)
    else:
        ordered = sorted(set(practice_ids))
        for chunk in db.chunks(ordered):
            marks = ", ".join("{}" for _ in chunk)
            rows += await db.fetch(sql + f" AND ap.practice IN ({marks}) ORDER BY a.email", False, *chunk)
    out: dict[int, list[str]] = {}
    for r in sorted(rows, key=lambda r: r["email"].lower()):
        found = out.setdefault(r["practice_id"], [])
        if r["email"].lower() not in found:
            found.append(r["email"].lower())
    return out


async def enabled_emails_by_org(role: str) -> dict[int | None, list[str]]:
    """The email addresses of a role's enabled users, sorted, by their CCG or region id (None for
    national users)."""
    column = {"ccg": "ccg", "region": "region", "national": "NULL"}[role]
    rows = await db.fetch(
        f"SELECT {column} AS org_id, email FROM account WHERE role = {{}} AND disabled = {{}} ORDER BY email",  # noqa: S608 (column from the mapping above)
        role,
        False,
    )
    out: dict[int | None, list[str]] = {}
    for r in rows:
        out.setdefault(r["org_id"], []).append(r["email"].lower())
    return out


async def email_in_use(email: str) -> bool:
    """Whether an account has this email address already."""
    return bool(await Account.exists().where(Account.email == email))


async def emails_in_use(emails: set[str]) -> set[str]:
    """Those of these (lower-case) email addresses that have an account already."""
    ordered = sorted(emails)
    found: set[str] = set()
    for chunk in db.chunks(ordered):
        rows = await Account.select(Account.email).where(Account.email.is_in(chunk))
        found |= {r["email"].lower() for r in rows}
    return found

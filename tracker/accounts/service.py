"""Accounts: creating them, signing in, and loading the signed-in principal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.accounts.passwords import hash_password, verify_password
from tracker.accounts.principal import Principal, Role
from tracker.audit import service as audit
from tracker.tables import Account, AccountPractice, Ccg, Practice, Region

LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15


class AccountError(ValueError):
    """An account could not be created or changed; the message says why, for a person."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class SignInResult:
    principal: Principal | None
    locked_until: dt.datetime | None = None


async def create_account(
    *,
    email: str,
    role: Role,
    password: str | None = None,
    password_hash: str | None = None,
    name: str = "",
    org_code: str = "",
    demo: bool = False,
) -> int:
    """Create an account for an organisation given by its code (practice, CCG or region)."""
    email = normalise_email(email)
    if await Account.exists().where(Account.email == email):
        raise AccountError(f"An account with the email {email} already exists")
    ccg_id = region_id = None
    practice_ids: list[int] = []
    if role == Role.PRACTICE:
        codes = [c.strip().upper() for c in org_code.split(",") if c.strip()]
        rows = await Practice.select(Practice.id, Practice.ods_code).where(Practice.ods_code.is_in(codes or [""]))
        if not codes or len(rows) != len(codes):
            raise AccountError(f"Unknown practice code: {org_code!r}")
        practice_ids = [r["id"] for r in rows]
    elif role == Role.CCG:
        ccg = await Ccg.select(Ccg.id).where(Ccg.code == org_code.strip().upper()).first()
        if ccg is None:
            raise AccountError(f"Unknown CCG code: {org_code!r}")
        ccg_id = ccg["id"]
    elif role == Role.REGION:
        region = await Region.select(Region.id).where(Region.code == org_code.strip().upper()).first()
        if region is None:
            raise AccountError(f"Unknown region code: {org_code!r}")
        region_id = region["id"]
    if password_hash is None:
        password_hash = await hash_password(password) if password else ""
    rows = await Account.insert(
        Account(
            email=email,
            name=name,
            password_hash=password_hash,
            role=role.value,
            ccg=ccg_id,
            region=region_id,
            demo=demo,
            created_at=dt.datetime.now(dt.UTC),
        )
    ).returning(Account.id)
    account_id = rows[0]["id"]
    if practice_ids:
        await AccountPractice.insert(*[AccountPractice(account=account_id, practice=p) for p in practice_ids])
    await audit.record(
        "account.created",
        entity_type="account",
        entity_id=account_id,
        detail={"email": email, "role": role.value, "org": org_code},
    )
    return account_id


async def load_principal(account_id: int, signed_in_at: dt.datetime | None = None) -> Principal | None:
    """The principal for an account, or None if it is gone, disabled, or was signed out
    everywhere after `signed_in_at`."""
    row = (
        await Account.select(
            Account.id,
            Account.email,
            Account.name,
            Account.role,
            Account.disabled,
            Account.sessions_valid_after,
            Account.ccg,
            Account.region,
            Account.ccg.code,
            Account.region.code,
        )
        .where(Account.id == account_id)
        .first()
    )
    if row is None or row["disabled"]:
        return None
    valid_after = row["sessions_valid_after"]
    if signed_in_at is not None and valid_after is not None and signed_in_at < valid_after:
        return None
    practices = await AccountPractice.select(AccountPractice.practice, AccountPractice.practice.ods_code).where(
        AccountPractice.account == account_id
    )
    return Principal(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        ccg_id=row["ccg"],
        region_id=row["region"],
        practice_ids=frozenset(p["practice"] for p in practices),
        ccg_code=row["ccg.code"] or "",
        region_code=row["region.code"] or "",
        practice_codes=tuple(sorted(p["practice.ods_code"] for p in practices)),
    )


async def sign_in(email: str, password: str, ip: str, now: dt.datetime | None = None) -> SignInResult:
    """Check an email and password. Unknown emails and wrong passwords get the same answer."""
    now = now or dt.datetime.now(dt.UTC)
    email = normalise_email(email)
    row = (
        await Account.select(Account.id, Account.password_hash, Account.disabled, Account.locked_until)
        .where(Account.email == email)
        .first()
    )
    if row is not None and row["locked_until"] is not None and row["locked_until"] > now:
        await verify_password(None, password)
        await audit.record("sign_in.refused_locked", actor=email, account_id=row["id"], ip=ip)
        return SignInResult(None, locked_until=row["locked_until"])
    ok = await verify_password(row["password_hash"] if row else None, password)
    if row is None or not ok or row["disabled"]:
        await audit.record("sign_in.failed", actor=email, account_id=row["id"] if row else None, ip=ip)
        if row is not None and not row["disabled"]:
            failures = await _count_failure(row["id"], now)
            if failures >= LOCK_AFTER_FAILURES:
                until = now + dt.timedelta(minutes=LOCK_MINUTES)
                await Account.update({Account.locked_until: until, Account.failed_sign_ins: 0}).where(
                    Account.id == row["id"]
                )
                await audit.record("account.locked", actor=email, account_id=row["id"], ip=ip)
                return SignInResult(None, locked_until=until)
        return SignInResult(None)
    await Account.update({Account.failed_sign_ins: 0, Account.locked_until: None, Account.last_sign_in_at: now}).where(
        Account.id == row["id"]
    )
    await audit.record("sign_in.succeeded", actor=email, account_id=row["id"], ip=ip)
    return SignInResult(await load_principal(row["id"]))


async def _count_failure(account_id: int, now: dt.datetime) -> int:
    await Account.update({Account.failed_sign_ins: Account.failed_sign_ins + 1}).where(Account.id == account_id)
    row = await Account.select(Account.failed_sign_ins).where(Account.id == account_id).first()
    return int(row["failed_sign_ins"]) if row else 0


async def demo_accounts() -> list[dict[str, str]]:
    return (
        await Account.select(Account.email, Account.role, Account.name)
        .where(Account.demo.eq(True))
        .order_by(Account.id)
    )

"""Accounts: creating them, signing in, and loading the signed-in principal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker import clock, db
from tracker.accounts import throttle
from tracker.accounts.passwords import hash_password, verify_password
from tracker.accounts.principal import Principal, Role
from tracker.audit import service as audit
from tracker.organisations import codes_service as org_codes
from tracker.organisations import service as organisations
from tracker.tables import Account, AccountPractice


class AccountError(ValueError):
    """An account could not be created or changed; the message says why, for a person."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class SignInResult:
    principal: Principal | None
    lock: throttle.Lock | None = None
    disabled: bool = False


@dataclass(frozen=True)
class OrgLinks:
    """Where an account works: practices for a practice user, a CCG, a region, or none."""

    ccg_id: int | None = None
    region_id: int | None = None
    practice_ids: tuple[int, ...] = ()


def split_codes(org_code: str) -> list[str]:
    return [c.strip().upper() for c in org_code.replace(" ", ",").split(",") if c.strip()]


async def resolve_org(role: Role, org_code: str) -> OrgLinks:
    """Check the organisation code(s) a role needs against the database; AccountError says what is wrong."""
    codes = split_codes(org_code)
    if any(len(c) > 10 for c in codes):
        raise AccountError("Organisation codes are up to 10 characters, like A81001, 00K or Y63")
    if role == Role.PRACTICE:
        if not codes:
            raise AccountError("Enter the ODS code of at least one practice, like A81001")
        if len(codes) > 50:
            raise AccountError("A practice user can work for up to 50 practices")
        found = {p.ods_code: p.id for p in await organisations.practice_places(codes=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise AccountError(f"No practice has the code {', '.join(missing[:5])}")
        return OrgLinks(practice_ids=tuple(dict.fromkeys(found[c] for c in codes)))
    if role == Role.CCG:
        if len(codes) != 1:
            raise AccountError("Enter the code of one CCG, like 00K")
        ccg = await organisations.locate("ccg", codes[0])
        if ccg is None:
            raise AccountError(f"No CCG has the code {codes[0]}")
        return OrgLinks(ccg_id=ccg[0])
    if role == Role.REGION:
        if len(codes) != 1:
            raise AccountError("Enter the code of one region, like Y63")
        region = await organisations.locate("region", codes[0])
        if region is None:
            raise AccountError(f"No region has the code {codes[0]}")
        return OrgLinks(region_id=region[0])
    if codes:
        raise AccountError("National users and administrators are not linked to an organisation: leave this empty")
    return OrgLinks()


async def create_account(
    *,
    email: str,
    role: Role,
    password: str | None = None,
    password_hash: str | None = None,
    name: str = "",
    org_code: str = "",
    demo: bool = False,
    actor: str = "system",
    actor_id: int | None = None,
    ip: str = "",
) -> int:
    """Create an account for an organisation given by its code(s) (practices, CCG or region)."""
    email = normalise_email(email)
    if await Account.exists().where(Account.email == email):
        raise AccountError(f"An account with the email {email} already exists")
    links = await resolve_org(role, org_code)
    if password_hash is None:
        password_hash = await hash_password(password) if password else ""
    async with db.write_transaction():
        if await Account.exists().where(Account.email == email):
            raise AccountError(f"An account with the email {email} already exists")
        rows = await Account.insert(
            Account(
                email=email,
                name=name,
                password_hash=password_hash,
                role=role.value,
                ccg=links.ccg_id,
                region=links.region_id,
                demo=demo,
                created_at=clock.now(),
            )
        ).returning(Account.id)
        account_id = rows[0]["id"]
        if links.practice_ids:
            await AccountPractice.insert(*[AccountPractice(account=account_id, practice=p) for p in links.practice_ids])
        await audit.record(
            "account.created",
            account_id=actor_id,
            actor=actor,
            entity_type="account",
            entity_id=account_id,
            detail={"email": email, "name": name, "role": role.value, "org": ",".join(split_codes(org_code))},
            ip=ip,
        )
    return account_id


async def load_principal(account_id: int, signed_in_at: dt.datetime | None = None) -> Principal | None:
    """The principal for an account, or None if it is gone, disabled, or was signed out
    everywhere after `signed_in_at`."""
    # One read on every signed-in request: the account with its practices (one row per practice).
    rows = await db.fetch(
        """SELECT a.id, a.email, a.name, a.role, a.disabled, a.sessions_valid_after, a.ccg, a.region,
                  ap.practice
           FROM account a LEFT JOIN account_practice ap ON ap.account = a.id
           WHERE a.id = {}""",
        account_id,
    )
    if not rows or rows[0]["disabled"]:
        return None
    row = rows[0]
    valid_after = row["sessions_valid_after"]
    if signed_in_at is not None and valid_after is not None and signed_in_at < valid_after:
        return None
    practice_ids = [r["practice"] for r in rows if r["practice"] is not None]
    codes = await org_codes.codes([row["ccg"]], [row["region"]], practice_ids)
    return Principal(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        ccg_id=row["ccg"],
        region_id=row["region"],
        practice_ids=frozenset(practice_ids),
        ccg_code=codes.ccg.get(row["ccg"], ""),
        region_code=codes.region.get(row["region"], ""),
        practice_codes=tuple(sorted(codes.practice[p] for p in practice_ids if p in codes.practice)),
    )


async def sign_in(email: str, password: str, ip: str, *, demo_mode: bool = False) -> SignInResult:
    """Check an email and password. Unknown emails and wrong passwords get the same answer, the
    same work (a hash is checked either way) and the same throttling.

    The attempt is reserved before the password is checked, so however many guesses arrive at
    once, no more than the limit are checked."""
    email = normalise_email(email)
    reservation = await throttle.reserve(email, ip)
    row = (
        await Account.select(Account.id, Account.password_hash, Account.disabled, Account.demo)
        .where(Account.email == email)
        .first()
    )
    account_id = row["id"] if row else None
    if reservation.refused is not None:
        # No hash is checked while locked: a lock is the same for known and unknown emails, and
        # a locked attacker should not get to spend the server's time on argon2.
        await audit.record(
            "sign_in.refused_locked",
            actor=email,
            account_id=account_id,
            ip=ip,
            detail={"lock": reservation.refused.kind},
        )
        return SignInResult(None, lock=reservation.refused)
    stored_hash = row["password_hash"] if row else None
    ok = await verify_password(stored_hash, password) and bool(stored_hash)
    reason = ""
    if row is None:
        reason = "unknown email"
    elif not ok:
        reason = "wrong password" if stored_hash else "no password set"
    elif row["demo"] and not demo_mode:
        reason = "demo account outside demo mode"
    elif row["disabled"]:
        # The right password for a disabled account: they are told, it does not count as a guess.
        await throttle.succeeded(email, reservation)
        await audit.record("sign_in.refused_disabled", actor=email, account_id=account_id, ip=ip)
        return SignInResult(None, disabled=True)
    if reason or row is None:
        await audit.record(
            "sign_in.failed",
            actor=email,
            account_id=account_id,
            entity_type="account" if account_id else "",
            entity_id=account_id or "",
            ip=ip,
            detail={"reason": reason},
        )
        for new in reservation.locks_on_failure:
            await audit.record(
                f"{new.kind}.locked",
                actor=email,
                account_id=account_id,
                entity_type=new.kind,
                entity_id=(account_id or "") if new.kind == "account" else ip,
                ip=ip,
                detail={"until": new.until.isoformat(), "minutes": int(throttle.LOCK.total_seconds() // 60)},
            )
            if new.kind == "account" and account_id is not None:
                await Account.update({Account.locked_until: new.until}).where(Account.id == account_id)
        return SignInResult(None, lock=reservation.locks_on_failure[0] if reservation.locks_on_failure else None)
    await throttle.succeeded(email, reservation)
    await Account.update(
        {Account.failed_sign_ins: 0, Account.locked_until: None, Account.last_sign_in_at: clock.now()}
    ).where(Account.id == row["id"])
    await audit.record(
        "sign_in.succeeded", actor=email, account_id=row["id"], entity_type="account", entity_id=row["id"], ip=ip
    )
    return SignInResult(await load_principal(row["id"]))


async def record_sign_out(principal: Principal, ip: str) -> None:
    await audit.record("sign_out", actor=principal.email, account_id=principal.id, ip=ip)


async def sign_out_everywhere(principal: Principal, ip: str) -> None:
    """End every session of this account, on every device (sessions started before now are refused)."""
    await Account.update({Account.sessions_valid_after: clock.now()}).where(Account.id == principal.id)
    await audit.record(
        "sign_out.everywhere",
        actor=principal.email,
        account_id=principal.id,
        entity_type="account",
        entity_id=principal.id,
        ip=ip,
    )


async def demo_accounts() -> list[dict[str, str]]:
    return (
        await Account.select(Account.email, Account.role, Account.name)
        .where(Account.demo.eq(True))
        .order_by(Account.id)
    )


# --- Accounts named by other features --------------------------------------------------------


async def account_emails(ids: set[int]) -> dict[int, str]:
    """The email address of each of these accounts, by id (those that still exist)."""
    if not ids:
        return {}
    rows = await Account.select(Account.id, Account.email).where(Account.id.is_in(sorted(ids)))
    return {r["id"]: r["email"] for r in rows}


async def names_by_email(emails: set[str]) -> dict[str, str]:
    """The name of each of these accounts that has one, by its (lower-case) email address."""
    wanted = sorted({e.lower() for e in emails if "@" in e})
    if not wanted:
        return {}
    rows = await Account.select(Account.email, Account.name).where(Account.email.is_in(wanted))
    return {r["email"]: r["name"] for r in rows if r["name"]}

"""Factories for test data, written through the tracker's own tables (never mocks)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from tracker import clock
from tracker.accounts.passwords import hash_password_sync
from tracker.accounts.principal import Role
from tracker.tables import Account, AccountPractice, Ccg, ListSize, Practice, Region

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = hash_password_sync(PASSWORD)  # hashed once: argon2 is slow on purpose

_seq = itertools.count(1)


async def make_region(code: str | None = None, name: str = "Test Region") -> dict[str, Any]:
    code = code or f"Y{next(_seq) % 100:02d}"
    rows = await Region.insert(Region(code=code, name=name)).returning(*Region.all_columns())
    return rows[0]


async def make_ccg(code: str | None = None, name: str = "", region: dict[str, Any] | None = None) -> dict[str, Any]:
    region = region or await make_region()
    n = next(_seq)
    code = code or f"{n % 100:02d}{chr(65 + n % 26)}"
    rows = await Ccg.insert(Ccg(code=code, name=name or f"NHS Test CCG {code}", region=region["id"])).returning(
        *Ccg.all_columns()
    )
    return rows[0]


async def make_practice(
    ccg: dict[str, Any] | None = None,
    code: str | None = None,
    name: str | None = None,
    patients: int | None = 6000,
    status: str = "A",
    **values: Any,
) -> dict[str, Any]:
    ccg = ccg or await make_ccg()
    code = code or f"P{next(_seq):05d}"
    rows = await Practice.insert(
        Practice(
            ods_code=code,
            name=name or f"TEST SURGERY {code}",
            postcode="TS1 1AA",
            region=ccg["region"],
            ccg=ccg["id"],
            status=status,
            open_date=dt.date(1990, 4, 1),
            clinical_system="EMIS Web",
            **values,
        )
    ).returning(*Practice.all_columns())
    practice = rows[0]
    if patients is not None:
        await ListSize.insert(ListSize(practice=practice["id"], snapshot_date=dt.date(2018, 4, 1), patients=patients))
    return practice


async def make_account(
    role: Role,
    *,
    email: str | None = None,
    practices: list[dict[str, Any]] | None = None,
    ccg: dict[str, Any] | None = None,
    region: dict[str, Any] | None = None,
    disabled: bool = False,
    name: str = "",
) -> dict[str, Any]:
    email = (email or f"{role.value}{next(_seq)}@example.nhs.test").lower()
    rows = await Account.insert(
        Account(
            email=email,
            name=name or f"Test {role.value}",
            password_hash=PASSWORD_HASH,
            role=role.value,
            ccg=ccg["id"] if ccg else None,
            region=region["id"] if region else None,
            disabled=disabled,
            created_at=clock.now(),
        )
    ).returning(*Account.all_columns())
    account = rows[0]
    for practice in practices or []:
        await AccountPractice.insert(AccountPractice(account=account["id"], practice=practice["id"]))
    return account


async def make_org_tree() -> dict[str, Any]:
    """Two regions, a CCG in each, two practices in each CCG, and one user per role for the first."""
    north = await make_region("Y63", "North East and Yorkshire")
    south = await make_region("Y58", "South West")
    ccg_a = await make_ccg("00K", "NHS Hartlepool and Stockton-on-Tees CCG", north)
    ccg_b = await make_ccg("11J", "NHS Dorset CCG", south)
    pa1 = await make_practice(ccg_a, "A81001", "THE DENSHAM SURGERY")
    pa2 = await make_practice(ccg_a, "A81002", "QUEENS PARK MEDICAL CENTRE")
    pb1 = await make_practice(ccg_b, "J81001", "DORSET SURGERY")
    pb2 = await make_practice(ccg_b, "J81002", "POOLE SURGERY")
    return {
        "regions": (north, south),
        "ccgs": (ccg_a, ccg_b),
        "practices": (pa1, pa2, pb1, pb2),
        "users": {
            Role.PRACTICE: await make_account(Role.PRACTICE, email="practice@a81001.test", practices=[pa1]),
            Role.CCG: await make_account(Role.CCG, email="lead@00k.test", ccg=ccg_a),
            Role.REGION: await make_account(Role.REGION, email="region@y63.test", region=north),
            Role.NATIONAL: await make_account(Role.NATIONAL, email="national@england.test"),
            Role.ADMIN: await make_account(Role.ADMIN, email="admin@england.test"),
        },
        "foreign_users": {
            Role.PRACTICE: await make_account(Role.PRACTICE, email="practice@j81001.test", practices=[pb1]),
            Role.CCG: await make_account(Role.CCG, email="lead@11j.test", ccg=ccg_b),
            Role.REGION: await make_account(Role.REGION, email="region@y58.test", region=south),
        },
    }

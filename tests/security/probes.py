"""Shared by the security probes: who may use a route, a signed-in session for them, and a
checksum of every table to prove that a refused request changed nothing."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.route_matrix.matrix import OWN, Entry
from tests.route_matrix.test_route_matrix import _session_for
from tracker.accounts.principal import Role
from tracker.tables import TABLES


async def table_checksums() -> dict[str, str]:
    """Every table's rows, hashed in id order."""
    sums = {}
    for table in TABLES:
        rows = await table.select().order_by(table._meta.primary_key)
        sums[table._meta.tablename] = f"{len(rows)}:" + hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
    return sums


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


def allowed_role(entry: Entry) -> Role | None:
    """A role that may use the route for the own organisation (None: a public route, signed out)."""
    for role in (Role.ADMIN, Role.CCG, Role.PRACTICE, Role.NATIONAL, Role.REGION):
        if OWN in entry.allow.get(role, ()):
            return role
    return None


async def act_as(client: Any, tree: dict[str, Any], role: Role | None) -> None:
    client.cookies.clear()
    if role is not None:
        sid = await _session_for(tree["users"][role]["id"])
        client.cookies.set("tracker_session", sid, domain="testserver.local")
        await client.get("/", follow_redirects=False)  # the session is rewritten once in the app's own encoding

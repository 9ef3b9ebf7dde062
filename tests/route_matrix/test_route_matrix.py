"""Every route x every role x own/foreign organisation (and signed out): allowed or denied as its
entry says. A route without an entry fails the first test, by name."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from tests.conftest import CSRF
from tests.factories import make_account, make_org_tree
from tests.route_matrix.matrix import FOREIGN, OWN, Cell, Entry, all_entries, app_routes, build, fill, size
from tracker import clock
from tracker.accounts.principal import Role
from tracker.web.stores import DatabaseStore

pytestmark = pytest.mark.security

ENTRIES = all_entries()


async def test_every_route_has_an_entry_and_every_entry_a_route(client):
    routes = set(app_routes(client.app))
    keys = [e.key for e in ENTRIES]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    missing = sorted(routes - set(keys), key=lambda k: (k[1], k[0]))
    stale = sorted(set(keys) - routes, key=lambda k: (k[1], k[0]))
    problems = []
    if missing:
        problems.append(
            "Routes with no route-matrix entry (add them to tests/route_matrix/entries_<feature>.py):\n"
            + "\n".join(f"  {m} {p}" for m, p in missing)
        )
    if stale:
        problems.append("Entries for routes that do not exist:\n" + "\n".join(f"  {m} {p}" for m, p in stale))
    if duplicated:
        problems.append("Routes with more than one entry:\n" + "\n".join(f"  {m} {p}" for m, p in duplicated))
    assert not problems, "\n".join(problems)
    print(f"route matrix: {len(routes)} routes x 11 principals = {size(ENTRIES)} cells")


async def _session_for(account_id: int) -> str:
    """A signed-in session put straight into the session store (what signing in would leave)."""
    sid = secrets.token_hex(16)
    data = {"account_id": account_id, "signed_in_at": clock.now().isoformat()}
    await DatabaseStore("session").set(sid, json.dumps(data).encode(), expires_in=3600)
    return sid


def _principals(tree: dict[str, Any], extra: dict[Role, dict[str, Any]]) -> list[tuple[Role | None, str, Any]]:
    cells: list[tuple[Role | None, str, Any]] = [(None, OWN, None)]
    for role in Role:
        cells.append((role, OWN, tree["users"][role]))
        cells.append((role, FOREIGN, tree["foreign_users"].get(role) or extra[role]))
    return cells


def _judge(entry: Entry, role: Role | None, side: str, response: Any) -> Cell:
    expected = entry.expected(role, side)
    status = response.status_code
    location = response.headers.get("location", "")
    to_sign_in = status in (302, 303) and location.startswith("/sign-in?next=")
    cell = Cell(entry, role, side, expected, status, location)
    if status >= 500:
        cell.problems.append("server error")
    elif expected:
        if status in (401, 403, 405) or to_sign_in:
            cell.problems.append("refused but should be allowed")
        elif entry.method == "GET" and status >= 400:
            cell.problems.append("allowed GET did not answer 2xx/3xx")
    else:
        refused = (status == 403) if role is not None else (to_sign_in or status == 401)
        if not refused:
            cell.problems.append("allowed but should be refused")
    return cell


async def extra_accounts() -> dict[Role, dict[str, Any]]:
    """The second national user and administrator (their "foreign" side)."""
    return {
        Role.NATIONAL: await make_account(Role.NATIONAL, email="national2@england.test"),
        Role.ADMIN: await make_account(Role.ADMIN, email="admin2@england.test"),
    }


async def check_entry(client: Any, entry: Entry, tree: dict[str, Any], extra: dict[Role, dict[str, Any]]) -> list[str]:
    """Every principal against one route; the cells that went wrong, in words."""
    failures = []
    for role, side, account in _principals(tree, extra):
        path = fill(entry.path, await build(entry.params, tree))
        client.cookies.clear()
        if account is not None:
            client.cookies.set("tracker_session", await _session_for(account["id"]), domain="testserver.local")
        if entry.method == "GET":
            response = await client.get(path, follow_redirects=False)
        else:
            page = await client.get("/sign-in")
            token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            form = await build(entry.form, tree)
            if entry.json:
                response = await client.request(
                    entry.method, path, json=form, headers={"x-csrf-token": token}, follow_redirects=False
                )
            else:
                response = await client.request(
                    entry.method, path, data={"_csrf_token": token, **form}, follow_redirects=False
                )
        cell = _judge(entry, role, side, response)
        if cell.problems:
            who = "signed out" if role is None else f"{role.value} ({side} organisation)"
            failures.append(f"{entry.method} {path} as {who}: {response.status_code} {cell.location} {cell.problems}")
    return failures


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.method} {e.path}")
async def test_route_matrix(client, entry: Entry):
    tree = await make_org_tree()
    failures = await check_entry(client, entry, tree, await extra_accounts())
    assert not failures, "\n".join(failures)

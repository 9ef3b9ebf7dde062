"""The route matrix: every route of the app, for every role, as a user of the right organisation
and of a foreign one, must be allowed or denied exactly as its entry says.

Each feature declares its routes in its own `entries_<feature>.py` (a module-level `ENTRIES`
list); `all_entries()` collects them all. See README.md in this folder.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.accounts.principal import Role

OWN = "own"
FOREIGN = "foreign"
BOTH = (OWN, FOREIGN)
SIGNED_OUT = "signed_out"

# Path prefixes that are not routes of ours: third-party files and the generated API docs.
EXCLUDED_PREFIXES = ("/assets", "/static", "/schema")

Builder = Callable[[dict[str, Any]], "dict[str, Any] | Awaitable[dict[str, Any]]"]


def _none(tree: dict[str, Any]) -> dict[str, Any]:
    return {}


@dataclass
class Entry:
    """One route (method + path template exactly as in the app's route table) and who may use it.

    allow: {Role: (OWN,) | (FOREIGN,) | BOTH}. A role not listed is denied for both users. "own"
    is the user of the organisation the path points at (the first of make_org_tree()'s two sides:
    A81001 / 00K / Y63); "foreign" is the user of the other side (J81001 / 11J / Y58). National
    users and administrators have no organisation: their foreign user is a second account.
    params: builds the path parameters (and may create records) from make_org_tree()'s data.
    form: the fields to POST (POST entries only).
    public: signed-out people may use it too.
    """

    method: str
    path: str
    allow: dict[Role, tuple[str, ...]]
    params: Builder = _none
    form: Builder = _none
    public: bool = False
    json: bool = False  # POST a JSON body (with the x-csrf-token header) rather than a form
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.method.upper(), self.path)

    def expected(self, role: Role | None, side: str) -> bool:
        if role is None:
            return self.public
        return side in self.allow.get(role, ())


@dataclass
class Cell:
    entry: Entry
    role: Role | None
    side: str
    allowed: bool
    status: int
    location: str = ""
    problems: list[str] = field(default_factory=list)


def all_entries() -> list[Entry]:
    """Every ENTRIES list of every entries_*.py module in this folder."""
    folder = Path(__file__).parent
    entries: list[Entry] = []
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda i: i.name):
        if info.name.startswith("entries_"):
            module = importlib.import_module(f"tests.route_matrix.{info.name}")
            entries.extend(module.ENTRIES)
    return entries


def app_routes(app: Any) -> list[tuple[str, str]]:
    """(METHOD, path) for every route handler of the app, from its own route table."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if route.path.startswith(EXCLUDED_PREFIXES):
            continue
        for method in getattr(route, "methods", ()):
            if method in ("OPTIONS", "HEAD"):
                continue
            found.add((method, route.path))
    return sorted(found, key=lambda k: (k[1], k[0]))


async def build(builder: Builder, tree: dict[str, Any]) -> dict[str, Any]:
    result = builder(tree)
    if inspect.isawaitable(result):
        result = await result
    return dict(result)


def fill(path: str, params: dict[str, Any]) -> str:
    """/practices/{ods_code:str} + {"ods_code": "A81001"} -> /practices/A81001"""
    import re

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise KeyError(f"no value for path parameter {name!r} of {path}")
        return str(params[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def own_org(*roles: Role) -> dict[Role, tuple[str, ...]]:
    """These roles are allowed for a record of their own organisation only."""
    return {r: (OWN,) for r in roles}


def any_org(*roles: Role) -> dict[Role, tuple[str, ...]]:
    """These roles are allowed whichever organisation the record belongs to."""
    return {r: BOTH for r in roles}


def everyone() -> dict[Role, tuple[str, ...]]:
    return any_org(*Role)


def merge(*parts: dict[Role, tuple[str, ...]]) -> dict[Role, tuple[str, ...]]:
    out: dict[Role, tuple[str, ...]] = {}
    for part in parts:
        out.update(part)
    return out


def size(entries: Iterable[Entry]) -> int:
    """Cells in the matrix: routes x (5 roles x own/foreign + signed out)."""
    return sum(len(Role) * 2 + 1 for _ in entries)

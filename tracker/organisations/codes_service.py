"""Organisation codes by id, and ids by code, for the features that keep an organisation's id
(accounts keep a user's CCG, region and practices): they ask here rather than join these tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from piccolo.columns import Varchar
from piccolo.columns.combination import Where

from tracker import db
from tracker.tables import Ccg, Practice, Region


@dataclass(frozen=True)
class OrgCodes:
    """Codes by id: a CCG's and region's code, a practice's ODS code."""

    ccg: dict[int, str] = field(default_factory=dict)
    region: dict[int, str] = field(default_factory=dict)
    practice: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OrgIds:
    """Ids of the organisations whose code matched a search."""

    ccg: list[int] = field(default_factory=list)
    region: list[int] = field(default_factory=list)
    practice: list[int] = field(default_factory=list)


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


async def codes(
    ccg_ids: Iterable[int | None] = (), region_ids: Iterable[int | None] = (), practice_ids: Iterable[int] = ()
) -> OrgCodes:
    """The codes of these organisations, in one query (none when no id is given)."""
    parts: list[str] = []
    args: list[int] = []
    for kind, table, column, ids in (
        ("ccg", "ccg", "code", _ids(ccg_ids)),
        ("region", "region", "code", _ids(region_ids)),
        ("practice", "practice", "ods_code", _ids(practice_ids)),
    ):
        for chunk in db.chunks(ids):
            marks = ", ".join("{}" for _ in chunk)
            sql = f"SELECT '{kind}' AS kind, id, {column} AS code FROM {table} WHERE id IN ({marks})"  # noqa: S608 (names are constants; ids are bound)
            parts.append(sql)
            args += chunk
    found = OrgCodes()
    if not parts:
        return found
    for row in await db.fetch(" UNION ALL ".join(parts), *args):
        getattr(found, row["kind"])[row["id"]] = row["code"]
    return found


async def matching(pattern: str, *, case_insensitive: bool) -> OrgIds:
    """The CCGs, regions and practices whose code is LIKE `pattern` (already holding its `%`s)."""

    def like(column: Varchar) -> Where:
        # SQLite's LIKE is already case-insensitive for ASCII, and it has no ILIKE.
        return column.ilike(pattern) if case_insensitive and not db.is_sqlite() else column.like(pattern)

    return OrgIds(
        ccg=[r["id"] for r in await Ccg.select(Ccg.id).where(like(Ccg.code))],
        region=[r["id"] for r in await Region.select(Region.id).where(like(Region.code))],
        practice=[r["id"] for r in await Practice.select(Practice.id).where(like(Practice.ods_code))],
    )


async def practice_ids_in_ccg(ccg_id: int) -> list[int]:
    """The practices whose CCG (in the practice file of today) is this one."""
    return [r["id"] for r in await Practice.select(Practice.id).where(Practice.ccg == ccg_id)]

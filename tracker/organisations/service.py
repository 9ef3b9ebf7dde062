"""Queries for the organisation browser: national -> region -> CCG -> practice, and search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, NamedTuple

from litestar.exceptions import NotFoundException

from tracker import db
from tracker.accounts.policy import Action, Scope, require
from tracker.accounts.principal import Principal
from tracker.audit import service as audit
from tracker.changes import service as changes
from tracker.organisations.history import OrgHistory, PracticeNow, Span, standing, standing_note
from tracker.tables import Ccg, CcgRegion, ListSize, Practice, PracticeMembership, PracticeRegion, Region

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class RegionSummary:
    """A region with how many CCGs it has and how many active practices."""

    id: int
    code: str
    name: str
    ccgs: int
    practices: int  # active


async def regions_overview() -> list[RegionSummary]:
    """The regions with an active practice, by name."""
    rows = await db.fetch(
        """
        SELECT r.id, r.code, r.name,
               COUNT(DISTINCT c.id) AS ccgs,
               (SELECT COUNT(*) FROM practice p WHERE p.region = r.id AND p.status = 'A') AS practices
        FROM region r LEFT JOIN ccg c ON c.region = r.id
        GROUP BY r.id, r.code, r.name
        HAVING (SELECT COUNT(*) FROM practice p WHERE p.region = r.id AND p.status = 'A') > 0
        ORDER BY r.name
        """
    )
    return [RegionSummary(r["id"], r["code"], r["name"], r["ccgs"], r["practices"]) for r in rows]


@dataclass(frozen=True)
class RegionName:
    """A region's id, ODS code and name."""

    id: int
    code: str
    name: str


async def region(code: str, user: Principal) -> RegionName:
    """The region with this code, if the user may see it."""
    rows = await db.fetch("SELECT id, code, name FROM region WHERE code = {}", code.upper())
    if not rows:
        raise NotFoundException()
    row = rows[0]
    require(user, Action.VIEW, Scope(region_id=row["id"]))
    return RegionName(row["id"], row["code"], row["name"])


@dataclass(frozen=True)
class CcgSummary:
    """A CCG with how many active practices it has."""

    id: int
    code: str
    name: str
    practices: int  # active


async def ccgs_in_region(region_id: int) -> list[CcgSummary]:
    """A region's CCGs with an active practice, by name."""
    rows = await db.fetch(
        """
        SELECT c.id, c.code, c.name, COUNT(p.id) AS practices
        FROM ccg c JOIN practice p ON p.ccg = c.id AND p.status = 'A'
        WHERE c.region = {}
        GROUP BY c.id, c.code, c.name
        ORDER BY c.name
        """,
        region_id,
    )
    return [CcgSummary(r["id"], r["code"], r["name"], r["practices"]) for r in rows]


@dataclass(frozen=True)
class CcgPlace:
    """A CCG with the region it sits in today (all None for a CCG without a region)."""

    id: int
    code: str
    name: str
    region_id: int | None
    region_code: str | None
    region_name: str | None


async def ccg(code: str, user: Principal) -> CcgPlace:
    """The CCG with this code, if the user may see it."""
    rows = await db.fetch(
        """SELECT c.id, c.code, c.name, c.region, r.code AS region_code, r.name AS region_name
           FROM ccg c LEFT JOIN region r ON r.id = c.region WHERE c.code = {}""",
        code.upper(),
    )
    if not rows:
        raise NotFoundException()
    row = rows[0]
    require(user, Action.VIEW, Scope(ccg_id=row["id"], region_id=row["region"]))
    return CcgPlace(row["id"], row["code"], row["name"], row["region"], row["region_code"], row["region_name"])


@dataclass(frozen=True)
class PracticeInCcg:
    """An active practice of a CCG with its latest registered patients (None without a list size)."""

    id: int
    ods_code: str
    name: str
    postcode: str
    clinical_system: str
    patients: int | None


async def practices_in_ccg(ccg_id: int) -> list[PracticeInCcg]:
    """A CCG's active practices, by name."""
    rows = await db.fetch(
        """
        SELECT p.id, p.ods_code, p.name, p.postcode, p.clinical_system,
               (SELECT l.patients FROM list_size l WHERE l.practice = p.id
                ORDER BY l.snapshot_date DESC LIMIT 1) AS patients
        FROM practice p
        WHERE p.ccg = {} AND p.status = 'A'
        ORDER BY p.name
        """,
        ccg_id,
    )
    return [
        PracticeInCcg(r["id"], r["ods_code"], r["name"], r["postcode"], r["clinical_system"], r["patients"])
        for r in rows
    ]


def practice_scope(practice_id: int, *, ccg_id: int | None, ccg_region_id: int | None, region_id: int | None) -> Scope:
    """Where a practice sits for the policy: its CCG, and its CCG's region (its own region
    column only when its CCG has none)."""
    return Scope(practice_id=practice_id, ccg_id=ccg_id, region_id=ccg_region_id or region_id)


@dataclass(frozen=True)
class PracticeDetail:
    """A practice as its own pages show it: the register's record, with its CCG (and that CCG's
    region), its own region and its local office today."""

    id: int
    ods_code: str
    name: str
    address: str
    postcode: str
    phone: str
    status: str
    open_date: dt.date | None
    close_date: dt.date | None
    clinical_system: str
    ccg_id: int | None
    ccg_code: str | None
    ccg_name: str | None
    ccg_region_id: int | None
    region_id: int | None  # the practice's own region column, which the ODS file can set apart from its CCG's
    region_code: str | None
    region_name: str | None
    local_office_code: str | None
    local_office_name: str | None

    @property
    def scope(self) -> Scope:
        return practice_scope(self.id, ccg_id=self.ccg_id, ccg_region_id=self.ccg_region_id, region_id=self.region_id)


async def practice(ods_code: str, user: Principal) -> PracticeDetail:
    """The practice with this ODS code, open or closed, if the user may see it."""
    row = (
        await Practice.select(
            *Practice.all_columns(),
            Practice.ccg.code,
            Practice.ccg.name,
            Practice.ccg.region,
            Practice.region.code,
            Practice.region.name,
            Practice.local_office.code,
            Practice.local_office.name,
        )
        .where(Practice.ods_code == ods_code.upper())
        .first()
    )
    if row is None:
        raise NotFoundException()
    found = PracticeDetail(
        row["id"],
        row["ods_code"],
        row["name"],
        row["address"],
        row["postcode"],
        row["phone"],
        row["status"],
        row["open_date"],
        row["close_date"],
        row["clinical_system"],
        row["ccg"],
        row["ccg.code"],
        row["ccg.name"],
        row["ccg.region"],
        row["region"],
        row["region.code"],
        row["region.name"],
        row["local_office.code"],
        row["local_office.name"],
    )
    require(user, Action.VIEW, found.scope)
    return found


@dataclass(frozen=True)
class ListSizeSnapshot:
    """A practice's registered patients on a snapshot date."""

    snapshot_date: dt.date
    patients: int


async def list_sizes(practice_id: int) -> list[ListSizeSnapshot]:
    """A practice's list sizes, newest first."""
    rows = (
        await ListSize.select(ListSize.snapshot_date, ListSize.patients)
        .where(ListSize.practice == practice_id)
        .order_by(ListSize.snapshot_date, ascending=False)
    )
    return [ListSizeSnapshot(r["snapshot_date"], r["patients"]) for r in rows]


@dataclass(frozen=True)
class PracticeFound:
    """A practice a search found, with where it sits today (for the policy)."""

    id: int
    ods_code: str
    name: str
    postcode: str
    ccg_id: int | None
    ccg_region_id: int | None
    region_id: int | None  # the practice's own region column

    @property
    def scope(self) -> Scope:
        return practice_scope(self.id, ccg_id=self.ccg_id, ccg_region_id=self.ccg_region_id, region_id=self.region_id)


async def search_practices(query: str, user: Principal) -> list[PracticeFound]:
    """Practices whose code starts with, or whose name contains, the query, within the user's scope."""
    text = query.strip()
    if not text:
        return []
    # ODS names and codes are stored upper case, so LIKE on an upper-cased pattern is case-blind
    # on both engines (SQLite has no ILIKE).
    pattern = "%" + text.upper().replace("\\", "").replace("%", "").replace("_", "") + "%"
    q = Practice.select(
        Practice.id,
        Practice.ods_code,
        Practice.name,
        Practice.postcode,
        Practice.status,
        Practice.ccg,
        Practice.region,
        Practice.ccg.region,
    ).where((Practice.ods_code.like(text.upper().replace("%", "") + "%")) | (Practice.name.like(pattern)))
    rows = await q.order_by(Practice.status).order_by(Practice.name).limit(SEARCH_LIMIT * 4)
    from tracker.accounts.policy import can

    found = [
        PracticeFound(r["id"], r["ods_code"], r["name"], r["postcode"], r["ccg"], r["ccg.region"], r["region"])
        for r in rows
    ]
    visible = [p for p in found if can(user, Action.VIEW, p.scope)]
    return visible[:SEARCH_LIMIT]


@dataclass(frozen=True)
class OrgCounts:
    """How much of the register is loaded, for `tracker status` and the demo."""

    regions: int
    ccgs: int
    practices_by_status: dict[str, int]  # ODS status -> practices
    list_size_rows: int


async def counts() -> OrgCounts:
    by_status = await db.fetch("SELECT status, COUNT(*) AS n FROM practice GROUP BY status ORDER BY status")
    return OrgCounts(
        regions=await Region.count(),
        ccgs=await Ccg.count(),
        practices_by_status={r["status"]: r["n"] for r in by_status},
        list_size_rows=await ListSize.count(),
    )


# --- Organisations as they were ------------------------------------------------------------


_NOW_COLUMNS = (
    Practice.id,
    Practice.ccg,
    Practice.region,
    Practice.open_date,
    Practice.close_date,
    Practice.status,
    Practice.ods_as_at,
)


def _practices_now(rows: list[dict[str, Any]]) -> dict[int, PracticeNow]:
    return {
        r["id"]: PracticeNow(
            r["id"], r["ccg"], r["region"], r["open_date"], r["close_date"], r["status"], r["ods_as_at"]
        )
        for r in rows
    }


# Beyond this many practices, reading everyone's rows once is cheaper than a long IN list (and
# SQLite binds at most 999 values).
MANY_PRACTICES = 500


def _some(practice_id: int | list[int] | None) -> list[int] | None:
    """The practices asked for, or None for all of them."""
    if practice_id is None:
        return None
    ids = [practice_id] if isinstance(practice_id, int) else sorted(set(practice_id))
    return None if len(ids) > MANY_PRACTICES else ids


async def history(practice_id: int | list[int] | None = None) -> OrgHistory:
    """Every practice's memberships and every CCG's regions of the time (one practice's, or some
    practices', when given), for the rules in `organisations.history`."""
    out = OrgHistory()
    practices = Practice.select(*_NOW_COLUMNS)
    spans = PracticeMembership.select(
        PracticeMembership.practice, PracticeMembership.ccg, PracticeMembership.start_date, PracticeMembership.end_date
    ).order_by(PracticeMembership.start_date)
    some = _some(practice_id)
    if some is not None:
        practices = practices.where(Practice.id.is_in(some))
        spans = spans.where(PracticeMembership.practice.is_in(some))
    out.practices.update(_practices_now(await practices))
    for r in await spans:
        out.spans.setdefault(r["practice"], []).append(Span(r["ccg"], r["start_date"], r["end_date"]))
    for r in await CcgRegion.select(CcgRegion.ccg, CcgRegion.region, CcgRegion.as_at).order_by(CcgRegion.as_at):
        out.ccg_regions.setdefault(r["ccg"], []).append((r["as_at"], r["region"]))
    for r in await Ccg.select(Ccg.id, Ccg.region):
        out.ccg_region_now[r["id"]] = r["region"]
    regions = PracticeRegion.select(PracticeRegion.practice, PracticeRegion.region, PracticeRegion.as_at).order_by(
        PracticeRegion.as_at
    )
    if some is not None:
        regions = regions.where(PracticeRegion.practice.is_in(some))
    for r in await regions:
        out.practice_regions.setdefault(r["practice"], []).append((r["as_at"], r["region"]))
    out.latest_edition = await _latest_edition()
    return out


async def _latest_edition() -> dt.date | None:
    rows = await db.fetch("SELECT as_at FROM ods_edition WHERE kind = 'practices' ORDER BY as_at DESC LIMIT 1")
    return rows[0]["as_at"] if rows else None


async def ods_notes(ids: set[int]) -> dict[int, str]:
    """For the dashboards, each of these practices that is closed or missing from the newest ODS
    practice file, with the words to show ("Closed on ...", "Not in the ODS file since ...")."""
    if not ids:
        return {}
    found = OrgHistory(latest_edition=await _latest_edition())
    found.practices.update(
        _practices_now(
            await db.fetch(
                f"""SELECT id, ccg, region, open_date, close_date, status, ods_as_at FROM practice
                    WHERE id IN ({", ".join("{}" for _ in ids)})""",  # noqa: S608 (placeholders only)
                *sorted(ids),
            )
        )
    )
    notes = {i: standing_note(standing(found, i)) for i in found.practices}
    return {i: note for i, note in notes.items() if note}


@dataclass(frozen=True)
class CcgName:
    """A CCG's id, ODS code and name, and the region it is in today (None when it has none)."""

    id: int
    code: str
    name: str
    region_id: int | None


async def _read_org_names() -> tuple[dict[int, RegionName], dict[int, CcgName]]:
    regions = {
        r["id"]: RegionName(r["id"], r["code"], r["name"]) for r in await db.fetch("SELECT id, code, name FROM region")
    }
    ccgs = {
        r["id"]: CcgName(r["id"], r["code"], r["name"], r["region"])
        for r in await db.fetch("SELECT id, code, name, region FROM ccg")
    }
    return regions, ccgs


# Most dashboards ask, some twice: kept until a region or CCG changes (changes.REFERENCE).
_org_names = changes.KeptReference(_read_org_names)


async def org_names() -> tuple[dict[int, RegionName], dict[int, CcgName]]:
    """Every region and every CCG (with its region today), by id."""
    regions, ccgs = await _org_names.get()
    return dict(regions), dict(ccgs)


async def regions_by_id() -> list[RegionName]:
    """Every region."""
    regions, _ = await _org_names.get()
    return list(regions.values())


async def list_size_history(practice_id: int | list[int] | None = None) -> dict[int, list[tuple[dt.date, int]]]:
    """Each practice's registered patients per snapshot date, oldest first (every practice's, or
    one's or some practices' when given)."""
    query = ListSize.select(ListSize.practice, ListSize.snapshot_date, ListSize.patients).order_by(
        ListSize.snapshot_date
    )
    some = _some(practice_id)
    if some is not None:
        query = query.where(ListSize.practice.is_in(some))
    out: dict[int, list[tuple[dt.date, int]]] = {}
    for r in await query:
        out.setdefault(r["practice"], []).append((r["snapshot_date"], r["patients"]))
    return out


@dataclass(frozen=True)
class PracticeName:
    id: int
    ods_code: str
    name: str
    clinical_system: str


async def practice_names(ids: set[int] | None = None) -> dict[int, PracticeName]:
    """Practices' codes, names and clinical systems, open or closed (all of them, or those given)."""
    where = ""
    if ids is not None:
        if not ids:
            return {}
        where = f"WHERE id IN ({', '.join('{}' for _ in ids)})"
    rows = await db.fetch_tuples(  # thousands of rows for a national workbook
        f"SELECT id, ods_code, name, clinical_system FROM practice {where}",  # noqa: S608 (placeholders only)
        *sorted(ids or ()),
    )
    return {id_: PracticeName(id_, ods_code, name, system or "") for id_, ods_code, name, system in rows}


async def locate(scope: str, code: str) -> tuple[int | None, Scope] | None:
    """An organisation's id and where it sits today, for the authorisation policy."""
    code = code.upper()
    if scope == "england":
        return (None, Scope()) if code in ("ENG", "ENGLAND") else None
    if scope == "region":
        row = await Region.select(Region.id).where(Region.code == code).first()
        return (row["id"], Scope(region_id=row["id"])) if row else None
    if scope == "ccg":
        ccg = await Ccg.select(Ccg.id, Ccg.region).where(Ccg.code == code).first()
        return (ccg["id"], Scope(ccg_id=ccg["id"], region_id=ccg["region"])) if ccg else None
    practice = (
        await Practice.select(Practice.id, Practice.ccg, Practice.region, Practice.ccg.region)
        .where(Practice.ods_code == code)
        .first()
    )
    if practice is None:
        return None
    where = practice_scope(
        practice["id"], ccg_id=practice["ccg"], ccg_region_id=practice["ccg.region"], region_id=practice["region"]
    )
    return practice["id"], where


# --- Practices where they sit today, for other features ------------------------------------


@dataclass(frozen=True)
class PracticeToday:
    """A practice as the register has it today, open or closed, with its latest list size."""

    id: int
    ods_code: str
    name: str
    status: str
    open_date: dt.date | None
    ccg_id: int | None
    region_id: int | None  # its CCG's region, or its own when it has no CCG
    patients: int | None  # on its latest list-size snapshot


async def practices_today(ccg_id: int | None = None) -> list[PracticeToday]:
    """Every practice (or one CCG's) with its CCG, region, status and latest registered patients."""
    where, args = ("WHERE p.ccg = {}", (ccg_id,)) if ccg_id is not None else ("", ())
    rows = await db.fetch(
        f"""
        SELECT p.id, p.ods_code, p.name, p.status, p.open_date, p.ccg, COALESCE(c.region, p.region) AS region,
               (SELECT l.patients FROM list_size l WHERE l.practice = p.id
                ORDER BY l.snapshot_date DESC LIMIT 1) AS patients
        FROM practice p LEFT JOIN ccg c ON c.id = p.ccg
        {where}
        """,  # noqa: S608 (the filter is a constant with a bound value)
        *args,
    )
    return [
        PracticeToday(
            r["id"], r["ods_code"], r["name"], r["status"], r["open_date"], r["ccg"], r["region"], r["patients"]
        )
        for r in rows
    ]


# --- Contact details and places, for other features' emails and the demo ---------------------


class PracticeContact(NamedTuple):
    """A practice's code, name and contact address, and its CCG and region today. A tuple: a
    reminder run reads thousands of them."""

    id: int
    ods_code: str
    name: str
    contact_email: str
    ccg_id: int | None
    region_id: int | None


_CONTACTS = "SELECT id, ods_code, name, contact_email, ccg, region FROM practice"  # PracticeContact's fields


async def practice_contacts(ids: set[int]) -> dict[int, PracticeContact]:
    """These practices' contact details, open or closed, by id."""
    out: dict[int, PracticeContact] = {}
    for chunk in db.chunks(sorted(ids), 900):
        rows = await db.fetch_tuples(f"{_CONTACTS} WHERE id IN ({', '.join('{}' for _ in chunk)})", *chunk)
        out.update((r[0], PracticeContact._make(r)) for r in rows)
    return out


async def active_practice_contacts(opened_by: dt.date, leaving_out: Collection[int] = ()) -> list[PracticeContact]:
    """Active practices open by a date (one without an open date counts as open), by ODS code,
    but for those left out (a reminder run leaves out the thousands whose return is in)."""
    rows = await db.fetch_tuples(
        f"{_CONTACTS} WHERE status = 'A' AND (open_date IS NULL OR open_date <= {{}}) ORDER BY ods_code",
        opened_by,
    )
    left = set(leaving_out)
    return [PracticeContact._make(r) for r in rows if r[0] not in left]


@dataclass(frozen=True)
class CcgContact:
    """A CCG's code, name, region today and contact address."""

    id: int
    code: str
    name: str
    region_id: int | None
    contact_email: str


async def ccg_contacts() -> list[CcgContact]:
    """Every CCG's contact details, by code."""
    rows = await Ccg.select(Ccg.id, Ccg.code, Ccg.name, Ccg.region, Ccg.contact_email).order_by(Ccg.code)
    return [CcgContact(r["id"], r["code"], r["name"], r["region"], r["contact_email"]) for r in rows]


async def fill_blank_contact_emails(ccg_code: str, ccg_email: str, practice_email: Callable[[str], str]) -> None:
    """Give a CCG, and each of its practices, a contact address where it has none (practice_email
    makes a practice's from its ODS code); nothing when there is no such CCG."""
    ccg = await Ccg.select(Ccg.id, Ccg.contact_email).where(Ccg.code == ccg_code).first()
    if ccg is None:
        return
    if not ccg["contact_email"]:
        await Ccg.update({Ccg.contact_email: ccg_email}).where(Ccg.id == ccg["id"])
    practices = await Practice.select(Practice.id, Practice.ods_code).where(
        (Practice.ccg == ccg["id"]) & (Practice.contact_email == "")
    )
    for p in practices:
        await Practice.update({Practice.contact_email: practice_email(p["ods_code"])}).where(Practice.id == p["id"])


@dataclass(frozen=True)
class PracticeListed:
    """A practice as the demo's history needs it: dates, status, clinical system, its CCG's code
    today and its latest registered patients (None without a list size)."""

    id: int
    ods_code: str
    status: str
    open_date: dt.date | None
    close_date: dt.date | None
    clinical_system: str
    ccg_code: str | None
    patients: int | None


async def practices_listed() -> list[PracticeListed]:
    """Every practice, open or closed, with its CCG's code and latest list size, by ODS code."""
    rows = await db.fetch(
        """
        SELECT p.id, p.ods_code, p.status, p.open_date, p.close_date, p.clinical_system, c.code AS ccg_code,
               (SELECT l.patients FROM list_size l WHERE l.practice = p.id
                ORDER BY l.snapshot_date DESC LIMIT 1) AS patients
        FROM practice p LEFT JOIN ccg c ON c.id = p.ccg
        ORDER BY p.ods_code
        """
    )
    return [
        PracticeListed(
            r["id"],
            r["ods_code"],
            r["status"],
            r["open_date"],
            r["close_date"],
            r["clinical_system"],
            r["ccg_code"],
            r["patients"],
        )
        for r in rows
    ]


async def set_clinical_systems(practices_by_system: dict[str, list[int]]) -> None:
    """Record each practice's clinical system: system name -> the practices using it."""
    async with db.write_transaction():
        for name, ids in practices_by_system.items():
            for start in range(0, len(ids), 900):
                await Practice.update({Practice.clinical_system: name}).where(
                    Practice.id.is_in(ids[start : start + 900])
                )


# --- Practices with their CCG, for other features ---------------------------------------------


@dataclass(frozen=True)
class PracticePlace:
    """A practice with the CCG it sits under today and that CCG's region (`region` is the
    practice's own region column, which the ODS file can set differently from its CCG's)."""

    id: int
    ods_code: str
    name: str
    status: str
    ccg: int | None
    region: int | None
    ccg_code: str | None
    ccg_name: str | None
    ccg_region: int | None


async def practice_places(
    *,
    ids: set[int] | None = None,
    codes: list[str] | None = None,
    ccg_id: int | None = None,
    active_only: bool = False,
) -> list[PracticePlace]:
    """The practices with these ids, these ODS codes, or under this CCG today (open ones only with
    `active_only`), by name."""
    # Plain SQL: every page that names a practice asks, and Piccolo's query objects (a join and its
    # aliases) cost several times the query itself.
    conditions: list[str] = []
    args: list[Any] = []
    if ids is not None:
        if not ids:
            return []
        conditions.append(f"p.id IN ({', '.join('{}' for _ in ids)})")
        args += sorted(ids)
    if codes is not None:
        if not codes:
            return []
        wanted = sorted(set(codes))
        conditions.append(f"p.ods_code IN ({', '.join('{}' for _ in wanted)})")
        args += wanted
    if ccg_id is not None:
        conditions.append("p.ccg = {}")
        args.append(ccg_id)
    if active_only:
        conditions.append("p.status = 'A'")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await db.fetch(
        f"""SELECT p.id, p.ods_code, p.name, p.status, p.ccg, p.region, c.code AS ccg_code, c.name AS ccg_name,
                   c.region AS ccg_region
            FROM practice p LEFT JOIN ccg c ON c.id = p.ccg {where} ORDER BY p.name""",  # noqa: S608 (placeholders only)
        *args,
    )
    return [
        PracticePlace(
            r["id"],
            r["ods_code"],
            r["name"],
            r["status"],
            r["ccg"],
            r["region"],
            r["ccg_code"],
            r["ccg_name"],
            r["ccg_region"],
        )
        for r in rows
    ]


# --- Contact addresses: listed, edited and imported (accounts' contacts pages) -------------------


@dataclass(frozen=True)
class ContactEntry:
    """A practice or CCG with its contact address, and where it sits (for the policy)."""

    kind: str  # practice | ccg
    id: int
    code: str
    name: str
    contact_email: str
    ccg_id: int | None
    ccg_code: str
    region_id: int | None

    @property
    def scope(self) -> Scope:
        if self.kind == "ccg":
            return Scope(ccg_id=self.id, region_id=self.region_id)
        return Scope(practice_id=self.id, ccg_id=self.ccg_id, region_id=self.region_id)


async def contact_entries(
    *, q: str = "", ccg_id: int | None = None, practice_ids: frozenset[int] | None = None
) -> list[ContactEntry]:
    """CCGs, then practices, by code: every one, or a CCG and its practices, or these practices;
    narrowed by a search of code, name or address."""
    ccgs = Ccg.select(Ccg.id, Ccg.code, Ccg.name, Ccg.contact_email, Ccg.region)
    practices = Practice.select(
        Practice.id,
        Practice.ods_code,
        Practice.name,
        Practice.contact_email,
        Practice.ccg,
        Practice.ccg.code,
        Practice.region,
    )
    if practice_ids is not None:
        ccg_rows: list[dict[str, Any]] = []
        practice_rows = await practices.where(Practice.id.is_in(sorted(practice_ids) or [0]))
    else:
        if ccg_id is not None:
            ccgs = ccgs.where(Ccg.id == ccg_id)
            practices = practices.where(Practice.ccg == ccg_id)
        ccg_rows = await ccgs
        practice_rows = await practices
    out = [_ccg_entry(r) for r in sorted(ccg_rows, key=lambda r: r["code"])] + [
        _practice_entry(r) for r in sorted(practice_rows, key=lambda r: r["ods_code"])
    ]
    words = q.strip().lower().split()
    if words:
        out = [e for e in out if all(w in f"{e.code} {e.name} {e.contact_email} {e.ccg_code}".lower() for w in words)]
    return out


async def contact_entries_by_code(codes: set[str]) -> dict[str, ContactEntry]:
    """The practices and CCGs with these ODS codes, by code."""
    out: dict[str, ContactEntry] = {}
    ordered = sorted(codes)
    for chunk in db.chunks(ordered, 400):
        for r in await Ccg.select(Ccg.id, Ccg.code, Ccg.name, Ccg.contact_email, Ccg.region).where(
            Ccg.code.is_in(chunk)
        ):
            out[r["code"]] = _ccg_entry(r)
        for r in await Practice.select(
            Practice.id,
            Practice.ods_code,
            Practice.name,
            Practice.contact_email,
            Practice.ccg,
            Practice.ccg.code,
            Practice.region,
        ).where(Practice.ods_code.is_in(chunk)):
            out[r["ods_code"]] = _practice_entry(r)
    return out


def _ccg_entry(r: dict[str, Any]) -> ContactEntry:
    return ContactEntry("ccg", r["id"], r["code"], r["name"], r["contact_email"], r["id"], r["code"], r["region"])


def _practice_entry(r: dict[str, Any]) -> ContactEntry:
    return ContactEntry(
        "practice", r["id"], r["ods_code"], r["name"], r["contact_email"], r["ccg"], r["ccg.code"] or "", r["region"]
    )


async def set_contact_emails(
    changes: list[tuple[ContactEntry, str]], *, actor: str, account_id: int | None, ip: str, via: str
) -> int:
    """Give each organisation its new contact address, all in one transaction (all or nothing),
    each change audited with the old and new address; how many changed."""
    changed = [(e, email) for e, email in changes if email != e.contact_email]
    if not changed:
        return 0
    async with db.write_transaction():
        for entry, email in changed:
            if entry.kind == "ccg":
                await Ccg.update({Ccg.contact_email: email}).where(Ccg.id == entry.id)
            else:
                await Practice.update({Practice.contact_email: email}).where(Practice.id == entry.id)
        events = [
            {
                "account_id": account_id,
                "actor": actor,
                "action": "contact.updated",
                "entity_type": entry.kind,
                "entity_id": entry.code,
                "detail": {"old": {"contact_email": entry.contact_email}, "new": {"contact_email": email}, "via": via},
                "ip": ip,
            }
            for entry, email in changed
        ]
        for start in range(0, len(events), 100):  # SQLite binds at most so many values at once
            await audit.record_many(events[start : start + 100])
    return len(changed)

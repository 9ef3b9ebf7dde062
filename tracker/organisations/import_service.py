"""Importing the official files: validated whole, then written in one transaction, idempotent.

Each import returns an `ImportSummary` saying what it did with every record, including the cases
where the two files disagree (a practice in one file only, a different CCG code).
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker import clock, db
from tracker.audit import service as audit
from tracker.organisations.files import (
    MembershipRecord,
    OdsRecord,
    edition_date,
    parse_ccgs,
    parse_list_sizes,
    parse_memberships,
    parse_ods_practices,
)
from tracker.organisations.presenters import practice_title
from tracker.tables import (
    Ccg,
    CcgRegion,
    ListSize,
    LocalOffice,
    OdsEdition,
    Practice,
    PracticeMembership,
    PracticeRegion,
    Region,
)

NAMES_PATH = Path(__file__).resolve().parent.parent.parent / "fixtures" / "regions.toml"
EXAMPLES = 10


@dataclass
class ImportSummary:
    what: str
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, example: str | None = None, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n
        if example is not None:
            found = self.examples.setdefault(key, [])
            if len(found) < EXAMPLES:
                found.append(example)

    @property
    def changed(self) -> bool:
        return any(
            self.counts.get(k)
            for k in (
                "created",
                "updated",
                "closed",
                "ccgs created",
                "ccgs updated",
                "regions created",
                "memberships recorded",
                "memberships updated",
            )
        )

    def lines(self) -> list[str]:
        out = [f"{self.what}: " + ("changes written" if self.changed else "nothing changed")]
        out += [f"  {key}: {value}" for key, value in self.facts.items()]
        for key, value in self.counts.items():
            line = f"  {key}: {value:,}"
            if key in self.examples:
                line += " (e.g. " + ", ".join(self.examples[key]) + ")"
            out.append(line)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"what": self.what, "counts": self.counts, "examples": self.examples, "facts": self.facts}


def load_names(path: Path = NAMES_PATH) -> dict[str, dict[str, str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {k: {str(c): str(n) for c, n in data.get(k, {}).items()} for k in ("regions", "local_offices", "ccgs")}


def _town(record: OdsRecord) -> str:
    parts = [p for p in record.address.split(", ") if p]
    return practice_title(parts[-2] if len(parts) >= 2 else (parts[-1] if parts else ""))


async def _upsert_codes(
    table: Any, codes: set[str], names: dict[str, str], summary: ImportSummary, label: str
) -> dict[str, int]:
    existing = {r["code"]: r for r in await table.select(table.id, table.code, table.name)}
    created = sorted(codes - existing.keys())
    for code in created:
        summary.add(f"{label} created", code)
    await db.bulk_insert(table._meta.tablename, ("code", "name"), [(code, names.get(code, "")) for code in created])
    for code in codes & existing.keys():
        name = names.get(code)
        if name and existing[code]["name"] != name:
            await table.update({table.name: name}).where(table.code == code)
    return {r["code"]: r["id"] for r in await table.select(table.id, table.code)}


async def _edition(kind: str, as_at: dt.date, records: int) -> tuple[bool, dt.date | None]:
    """Record an imported edition; (whether it is the newest of its kind, the newest before it)."""
    rows = await OdsEdition.select(OdsEdition.as_at).where(OdsEdition.kind == kind)
    before = max((r["as_at"] for r in rows), default=None)
    if not any(r["as_at"] == as_at for r in rows):
        await OdsEdition.insert(OdsEdition(kind=kind, as_at=as_at, records=records, imported_at=clock.now()))
    return before is None or as_at >= before, before


async def import_ods(
    data: bytes,
    *,
    names: dict[str, dict[str, str]] | None = None,
    actor: str = "system",
    as_at: dt.date | None = None,
) -> ImportSummary:
    """One edition of the ODS practice file. Its date (the latest date inside it unless given)
    decides what it may change: the newest edition sets each practice's current details; an older
    one only adds the history it holds (memberships, the regions of the time) and never reopens a
    practice that a newer file closed."""
    records = parse_ods_practices(data)  # raises FileRefused before anything is written
    as_at = as_at or edition_date(records)
    names = names or load_names()
    summary = ImportSummary("ODS practice import")
    summary.facts["edition dated"] = as_at.isoformat()
    summary.add("records read", n=len(records))
    practices: list[OdsRecord] = []
    seen: set[str] = set()
    for r in records:
        if not r.is_gp_practice:
            summary.add("skipped: not a GP practice (prescribing setting is not 4)")
        elif not r.in_england:
            summary.add("skipped: not in England", r.code)
        elif r.code in seen:
            summary.add("skipped: listed twice", r.code)
        else:
            seen.add(r.code)
            practices.append(r)
    active = [r for r in practices if r.status == "A"]
    summary.add("active GP practices in the file", n=len(active))

    # A CCG's region is the region most of its active practices are in.
    ccg_regions: dict[str, Counter[str]] = {}
    ccg_towns: dict[str, Counter[str]] = {}
    for r in active:
        if r.commissioner:
            ccg_regions.setdefault(r.commissioner, Counter())[r.region_code] += 1
            ccg_towns.setdefault(r.commissioner, Counter())[_town(r)] += 1
    for r in practices:
        if r.commissioner and r.commissioner not in ccg_regions:
            ccg_regions[r.commissioner] = Counter({r.region_code: 1})
            ccg_towns[r.commissioner] = Counter({_town(r): 1})

    # The whole write runs in the database's writer (one transaction, no hop to a connection
    # thread for each of its statements).
    await db.in_writer(
        functools.partial(_write_ods, practices, seen, ccg_regions, ccg_towns, as_at, names, actor, summary)
    )
    return summary


async def _write_ods(
    practices: list[OdsRecord],
    seen: set[str],
    ccg_regions: dict[str, Counter[str]],
    ccg_towns: dict[str, Counter[str]],
    as_at: dt.date,
    names: dict[str, dict[str, str]],
    actor: str,
    summary: ImportSummary,
) -> None:
    """`import_ods`'s writes, all in one transaction."""
    async with db.write_transaction():
        newest, before = await _edition("practices", as_at, len(practices))
        if not newest:
            summary.facts["older than"] = f"the edition of {before.isoformat() if before else '?'} already imported"
        region_ids = await _upsert_codes(
            Region, {r.region_code for r in practices}, names["regions"], summary, "regions"
        )
        office_ids = await _upsert_codes(
            LocalOffice,
            {r.local_office_code for r in practices if r.local_office_code},
            names["local_offices"],
            summary,
            "local offices",
        )
        existing_ccgs = {r["code"]: r for r in await Ccg.select()}
        known_regions = {r["ccg"] for r in await CcgRegion.select(CcgRegion.ccg).where(CcgRegion.as_at == as_at)}
        # New CCGs and the regions of this edition are written together once all are known, in the
        # order they are found (so ids are as they were when each was inserted on its own).
        new_ccgs: list[tuple[Any, ...]] = []
        regions_of_edition: list[tuple[str, int]] = []
        for code, regions in sorted(ccg_regions.items()):
            region_id = region_ids[regions.most_common(1)[0][0]]
            town = ccg_towns[code].most_common(1)[0][0]
            placeholder = f"CCG {code} ({town})" if town else f"CCG {code}"
            fixture_name = names["ccgs"].get(code)
            row = existing_ccgs.get(code)
            if row is None:
                new_ccgs.append((code, fixture_name or placeholder, region_id, "", None, None))
                summary.add("ccgs created")
            else:
                update: dict[Any, Any] = {}
                if newest and row["region"] != region_id:
                    update[Ccg.region] = region_id
                if fixture_name and row["name"] != fixture_name and not row["open_date"]:
                    update[Ccg.name] = fixture_name  # a name from the CCG file (with dates) wins
                if update:
                    await Ccg.update(update).where(Ccg.id == row["id"])
                    summary.add("ccgs updated", code)
            if row is None or row["id"] not in known_regions:
                regions_of_edition.append((code, region_id))
        await db.bulk_insert("ccg", ("code", "name", "region", "contact_email", "open_date", "close_date"), new_ccgs)
        ccg_ids = {r["code"]: r["id"] for r in await Ccg.select(Ccg.id, Ccg.code)}
        await db.bulk_insert(
            "ccg_region",
            ("ccg", "region", "as_at"),
            [(ccg_ids[code], region_id, as_at) for code, region_id in regions_of_edition],
        )

        existing = {r["ods_code"]: r for r in await Practice.select()}
        new_rows: list[tuple[Any, ...]] = []
        # Practices whose only change is the edition that speaks for them: a few statements for all.
        dated_only: list[str] = []
        for r in practices:
            values = {
                "name": r.name,
                "address": r.address,
                "postcode": r.postcode,
                "region": region_ids[r.region_code],
                "local_office": office_ids.get(r.local_office_code),
                "ccg": ccg_ids.get(r.commissioner),
                "status": r.status,
                "open_date": r.open_date,
                "close_date": r.close_date,
                "phone": r.phone,
            }
            if not r.commissioner:
                summary.add("practices with no commissioner", r.code)
            row = existing.get(r.code)
            if row is None:
                new_rows.append((r.code, *values.values(), "", "", as_at))
                summary.add("created")
                continue
            if row["ods_as_at"] is not None and row["ods_as_at"] > as_at:
                # A newer file already spoke for this practice: an older one never reopens it.
                if row["status"] != r.status:
                    summary.add("left as a newer file has it (status differs in this older file)", r.code)
                else:
                    summary.add("unchanged")
                continue
            changed: dict[Any, Any] = {k: v for k, v in values.items() if row[k] != v}
            if row["ods_as_at"] != as_at:
                changed["ods_as_at"] = as_at
            if not changed or set(changed) == {"ods_as_at"}:
                if changed:
                    dated_only.append(r.code)
                summary.add("unchanged")
                continue
            await Practice.update(changed).where(Practice.ods_code == r.code)
            if changed.get("status") == "C":
                summary.add("closed", r.code)
            else:
                summary.add("updated", r.code)
        for codes in db.chunks(dated_only):
            await Practice.update({Practice.ods_as_at: as_at}).where(Practice.ods_code.is_in(codes))
        await db.bulk_insert(
            "practice",
            (
                "ods_code",
                "name",
                "address",
                "postcode",
                "region",
                "local_office",
                "ccg",
                "status",
                "open_date",
                "close_date",
                "phone",
                "clinical_system",
                "contact_email",
                "ods_as_at",
            ),
            new_rows,
        )
        practice_ids = {r["ods_code"]: r["id"] for r in await Practice.select(Practice.id, Practice.ods_code)}
        spans = [
            MembershipRecord(
                r.line,
                r.code,
                r.commissioner,
                r.joined_commissioner or r.open_date or as_at,
                r.left_commissioner,
            )
            for r in practices
            if r.commissioner
        ]
        await _write_memberships(spans, practice_ids, ccg_ids, newest, summary)
        known = {
            r["practice"]
            for r in await PracticeRegion.select(PracticeRegion.practice).where(PracticeRegion.as_at == as_at)
        }
        await db.bulk_insert(
            "practice_edition_region",
            ("practice", "region", "as_at"),
            [
                (practice_ids[r.code], region_ids[r.region_code], as_at)
                for r in practices
                if practice_ids[r.code] not in known
            ],
        )
        missing = sorted(set(existing) - seen)
        if missing and newest:
            summary.add(
                "practices in the tracker but not in this file (shown as not in the ODS file since "
                f"{as_at:%-d %B %Y}; left as they are)",
                missing[0],
                n=len(missing),
            )
        await audit.record("import.ods", actor=actor, entity_type="import", detail=summary.as_dict())


async def _write_memberships(
    records: list[MembershipRecord],
    practice_ids: dict[str, int],
    ccg_ids: dict[str, int],
    newest: bool,
    summary: ImportSummary,
) -> None:
    """Upsert membership spans keyed on (practice, CCG, start). An end date is added when one is
    learnt; a newer source may change it, an older one never removes it."""
    existing = {
        (r["practice"], r["ccg"], r["start_date"]): r
        for r in await PracticeMembership.select(
            PracticeMembership.id,
            PracticeMembership.practice,
            PracticeMembership.ccg,
            PracticeMembership.start_date,
            PracticeMembership.end_date,
        )
    }
    new_rows: list[tuple[Any, ...]] = []
    seen: set[tuple[int, int, dt.date]] = set()
    for r in records:
        practice_id = practice_ids.get(r.practice_code)
        ccg_id = ccg_ids.get(r.commissioner)
        if practice_id is None or ccg_id is None:
            continue
        key = (practice_id, ccg_id, r.start_date)
        if key in seen:
            continue
        seen.add(key)
        row = existing.get(key)
        if row is None:
            new_rows.append((practice_id, ccg_id, r.start_date, r.end_date))
            summary.add("memberships recorded")
        elif row["end_date"] != r.end_date and (row["end_date"] is None or (newest and r.end_date is not None)):
            await PracticeMembership.update({PracticeMembership.end_date: r.end_date}).where(
                PracticeMembership.id == row["id"]
            )
            summary.add("memberships updated", r.practice_code)
    await db.bulk_insert("practice_membership", ("practice", "ccg", "start_date", "end_date"), new_rows)


def is_sub_icb_name(name: str) -> bool:
    """A CCG code still open in 2022 is named in today's ODS file as the integrated care board's
    sub-location ("NHS LANCASHIRE AND SOUTH CUMBRIA ICB - 01A"), not as the CCG it was until then."""
    return " ICB - " in name.upper()


def has_own_name(name: str) -> bool:
    """Whether a CCG's stored name is its own: not the placeholder the practice file gives a code it
    has seen ("CCG 01A (NELSON)"), nor a sub-ICB location's name."""
    return bool(name) and not name.startswith("CCG ") and not is_sub_icb_name(name)


def ccg_name_of_the_time(name: str) -> str:
    """A CCG's name as a file of 2013-2019 prints it ('EAST LANCASHIRE CCG', 'NHS Airedale,
    Wharfedale and Craven CCG'), in the tracker's form: 'NHS East Lancashire CCG'."""
    upper = " ".join(name.upper().split())
    if not upper.startswith("NHS "):
        upper = "NHS " + upper
    return ccg_display_name(upper)


def ccg_display_name(upper: str) -> str:
    """'NHS HARTLEPOOL AND STOCKTON-ON-TEES CCG' -> 'NHS Hartlepool and Stockton-on-Tees CCG'."""
    small = {"and", "of", "on", "upon", "the", "in", "with", "le", "by"}
    keep = {"NHS", "CCG", "ICB", "II", "CIC"}
    words = []
    for i, word in enumerate(upper.split()):
        parts = []
        for j, part in enumerate(word.split("-")):
            low = part.lower()
            if part in keep or any(ch.isdigit() for ch in part):
                parts.append(part)
            elif (i > 0 or j > 0) and low in small:
                parts.append(low)
            else:
                parts.append(low[:1].upper() + low[1:])
        words.append("-".join(parts))
    return " ".join(words)


async def import_ccgs(data: bytes, *, actor: str = "system") -> ImportSummary:
    """The ODS CCG file (eccg.csv): names, open and close dates of every CCG, closed ones too."""
    records = parse_ccgs(data)
    summary = ImportSummary("ODS CCG import")
    summary.facts["edition dated"] = edition_date(records).isoformat()
    summary.add("records read", n=len(records))
    async with db.write_transaction():
        await _edition("ccgs", edition_date(records), len(records))
        existing = {r["code"]: r for r in await Ccg.select()}
        for r in records:
            if not r.is_ccg:
                summary.add("skipped: not a CCG (an integrated care board or sub-ICB entity, 2021 on)", r.code)
                continue
            values: dict[str, Any] = {
                "name": ccg_display_name(r.name),
                "open_date": r.open_date,
                "close_date": r.close_date,
            }
            row = existing.get(r.code)
            if row is None:
                await Ccg.insert(Ccg(code=r.code, name=values["name"], open_date=r.open_date, close_date=r.close_date))
                summary.add("ccgs created", r.code)
                continue
            if is_sub_icb_name(values["name"]) and has_own_name(row["name"]):
                # The name the CCG had in its time, from a file of the time, is kept.
                values["name"] = row["name"]
            changed: dict[Any, Any] = {k: v for k, v in values.items() if row[k] != v}
            if changed:
                await Ccg.update(changed).where(Ccg.id == row["id"])
                summary.add("ccgs updated", r.code)
            else:
                summary.add("unchanged")
        await audit.record("import.ccgs", actor=actor, entity_type="import", detail=summary.as_dict())
    return summary


async def import_memberships(data: bytes, *, actor: str = "system") -> ImportSummary:
    """The ODS membership file (epcmem.csv): which CCG each practice belonged to, and when."""
    records = parse_memberships(data)
    as_at = edition_date(records)
    summary = ImportSummary("ODS membership import")
    summary.facts["edition dated"] = as_at.isoformat()
    summary.add("records read", n=len(records))
    async with db.write_transaction():
        newest, _ = await _edition("memberships", as_at, len(records))
        practice_ids = {r["ods_code"]: r["id"] for r in await Practice.select(Practice.id, Practice.ods_code)}
        ccg_ids = {r["code"]: r["id"] for r in await Ccg.select(Ccg.id, Ccg.code)}
        wanted: list[MembershipRecord] = []
        for r in records:
            if not r.is_ccg:
                summary.add("skipped: a commissioner before CCGs (a primary care trust code)")
            elif r.practice_code not in practice_ids:
                summary.add(
                    "skipped: practice not in the tracker (import the ODS practice file first?)", r.practice_code
                )
            elif r.commissioner not in ccg_ids:
                summary.add("skipped: CCG not in the tracker (import the CCG file first?)", r.commissioner)
            else:
                wanted.append(r)
        before = summary.counts.get("memberships recorded", 0) + summary.counts.get("memberships updated", 0)
        await _write_memberships(wanted, practice_ids, ccg_ids, newest, summary)
        after = summary.counts.get("memberships recorded", 0) + summary.counts.get("memberships updated", 0)
        summary.add("unchanged", n=len(wanted) - (after - before))
        await audit.record("import.memberships", actor=actor, entity_type="import", detail=summary.as_dict())
    return summary


async def import_list_sizes(data: bytes, *, actor: str = "system") -> ImportSummary:
    records = parse_list_sizes(data)  # raises FileRefused before anything is written
    summary = ImportSummary("Registered patients import")
    summary.add("practice rows read", n=len(records))
    dates = {r.extract_date for r in records}
    snapshot = max(dates)
    if len(dates) > 1:
        summary.add("extract dates in the file", n=len(dates))
    async with db.write_transaction():
        practices = {
            r["ods_code"]: r
            for r in await Practice.select(Practice.id, Practice.ods_code, Practice.status, Practice.ccg.code)
        }
        ccg_codes = {r["code"] for r in await Ccg.select(Ccg.code)}
        existing = {
            (r["practice"], r["snapshot_date"]): r
            for r in await ListSize.select(
                ListSize.id, ListSize.practice, ListSize.snapshot_date, ListSize.patients, ListSize.ccg_code
            ).where(ListSize.snapshot_date.is_in(sorted(dates)))
        }
        new_rows: list[tuple[Any, ...]] = []
        matched: set[str] = set()
        unknown_ccgs: Counter[str] = Counter()
        for r in records:
            practice = practices.get(r.practice_code)
            if practice is None:
                summary.add("skipped: practice not in the tracker (import the ODS file first?)", r.practice_code)
                continue
            matched.add(r.practice_code)
            if practice["status"] != "A":
                summary.add("attached to a practice the ODS file lists as not active", r.practice_code)
            if r.ccg_code not in ccg_codes:
                unknown_ccgs[r.ccg_code] += 1
            elif practice["ccg.code"] and practice["ccg.code"] != r.ccg_code:
                summary.add(
                    "CCG differs from the ODS file (kept as published on the snapshot)",
                    f"{r.practice_code}: {practice['ccg.code']}→{r.ccg_code}",
                )
            key = (practice["id"], r.extract_date)
            row = existing.get(key)
            if row is None:
                new_rows.append((practice["id"], r.extract_date, r.patients, r.ccg_code))
                summary.add("created")
            elif row["patients"] != r.patients or row["ccg_code"] != r.ccg_code:
                await ListSize.update({ListSize.patients: r.patients, ListSize.ccg_code: r.ccg_code}).where(
                    ListSize.id == row["id"]
                )
                summary.add("updated", r.practice_code)
            else:
                summary.add("unchanged")
        for code, n in sorted(unknown_ccgs.items()):
            summary.add("practices under a CCG code the ODS file does not have (a CCG formed by a merger?)", code, n=n)
        await db.bulk_insert("list_size", ("practice", "snapshot_date", "patients", "ccg_code"), new_rows)
        without = sorted(code for code, p in practices.items() if p["status"] == "A" and code not in matched)
        if without:
            summary.add("active practices with no list size in this file", without[0], n=len(without))
        summary.facts["snapshot date"] = snapshot.isoformat()
        await audit.record("import.list_sizes", actor=actor, entity_type="import", detail=summary.as_dict())
    return summary


async def latest_snapshot_date() -> dt.date | None:
    row = await ListSize.select(ListSize.snapshot_date).order_by(ListSize.snapshot_date, ascending=False).first()
    return row["snapshot_date"] if row else None


async def name_ccgs_of_the_time(names: dict[str, str], *, source: str, actor: str = "system") -> list[str]:
    """Give each CCG without its own name (a placeholder, or a sub-ICB location's) its name from a file of its
    time (`names`: CCG code -> name as the file prints it); the codes renamed. Runs inside the
    caller's transaction (the list-size and feed imports)."""
    renamed: list[str] = []
    for row in await Ccg.select(Ccg.id, Ccg.code, Ccg.name).where(Ccg.code.is_in(sorted(names) or [""])):
        if has_own_name(row["name"]):
            continue
        name = ccg_name_of_the_time(names[row["code"]])
        if name and name != row["name"]:
            await Ccg.update({Ccg.name: name}).where(Ccg.id == row["id"])
            renamed.append(row["code"])
    if renamed:
        await audit.record(
            "ccg.named_of_the_time",
            actor=actor,
            entity_type="import",
            detail={"source": source, "ccgs": renamed},
        )
    return renamed

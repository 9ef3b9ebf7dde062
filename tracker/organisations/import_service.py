"""Importing the official files: validated whole, then written in one transaction, idempotent.

Each import returns an `ImportSummary` saying what it did with every record, including the cases
where the two files disagree (a practice in one file only, a different CCG code).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker import db
from tracker.audit import service as audit
from tracker.organisations.files import OdsRecord, parse_list_sizes, parse_ods_practices
from tracker.tables import Ccg, ListSize, LocalOffice, Practice, Region

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
        return any(self.counts.get(k) for k in ("created", "updated", "closed", "ccgs created", "regions created"))

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
    return parts[-2].title() if len(parts) >= 2 else (parts[-1].title() if parts else "")


async def _upsert_codes(
    table: Any, codes: set[str], names: dict[str, str], summary: ImportSummary, label: str
) -> dict[str, int]:
    existing = {r["code"]: r for r in await table.select(table.id, table.code, table.name)}
    for code in sorted(codes - existing.keys()):
        await table.insert(table(code=code, name=names.get(code, "")))
        summary.add(f"{label} created", code)
    for code in codes & existing.keys():
        name = names.get(code)
        if name and existing[code]["name"] != name:
            await table.update({table.name: name}).where(table.code == code)
    return {r["code"]: r["id"] for r in await table.select(table.id, table.code)}


async def import_ods(
    data: bytes, *, names: dict[str, dict[str, str]] | None = None, actor: str = "system"
) -> ImportSummary:
    records = parse_ods_practices(data)  # raises FileRefused before anything is written
    names = names or load_names()
    summary = ImportSummary("ODS practice import")
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

    async with db.write_transaction():
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
        for code, regions in sorted(ccg_regions.items()):
            region_id = region_ids[regions.most_common(1)[0][0]]
            town = ccg_towns[code].most_common(1)[0][0]
            name = names["ccgs"].get(code) or (f"CCG {code} ({town})" if town else f"CCG {code}")
            row = existing_ccgs.get(code)
            if row is None:
                await Ccg.insert(Ccg(code=code, name=name, region=region_id))
                summary.add("ccgs created")
            elif row["region"] != region_id or (names["ccgs"].get(code) and row["name"] != name):
                await Ccg.update({Ccg.region: region_id, Ccg.name: name}).where(Ccg.code == code)
                summary.add("ccgs updated", code)
        ccg_ids = {r["code"]: r["id"] for r in await Ccg.select(Ccg.id, Ccg.code)}

        existing = {r["ods_code"]: r for r in await Practice.select()}
        new_rows: list[tuple[Any, ...]] = []
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
                new_rows.append((r.code, *values.values(), "", ""))
                summary.add("created")
                continue
            changed: dict[Any, Any] = {k: v for k, v in values.items() if row[k] != v}
            if not changed:
                summary.add("unchanged")
                continue
            await Practice.update(changed).where(Practice.ods_code == r.code)
            if changed.get("status") == "C":
                summary.add("closed", r.code)
            else:
                summary.add("updated", r.code)
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
            ),
            new_rows,
        )
        missing = sorted(set(existing) - seen)
        if missing:
            summary.add("practices in the tracker but not in this file (left as they are)", missing[0], n=len(missing))
        await audit.record("import.ods", actor=actor, entity_type="import", detail=summary.as_dict())
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

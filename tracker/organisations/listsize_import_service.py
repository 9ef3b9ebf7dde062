"""NHSBSA quarterly list sizes (and other feeds' list sizes): validated whole, written in one
transaction, idempotent.

The registered total per practice goes into `list_size` (the table every population figure reads)
with the CCG code as published; the 18 sex and age bands go into `list_size_band`, for the
optional age weighting of fair shares. Other features store list sizes through
`store_list_sizes` and read bands through `bands_by_ccg`: this module owns both tables' writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tracker import db
from tracker.audit import service as audit
from tracker.organisations.files import FileRefused
from tracker.organisations.import_service import ImportSummary, name_ccgs_of_the_time
from tracker.organisations.listsize_files import BANDS, parse_band_file, snapshot_from_name
from tracker.organisations.service import history
from tracker.tables import Ccg, ListSize, ListSizeBand, Practice

Progress = Callable[[str], None]


class ChangeSummary(ImportSummary):
    """An import summary whose "changed" counts every kind of row created or updated."""

    @property
    def changed(self) -> bool:
        return any(n for key, n in self.counts.items() if key.split(":")[0] in {"created", "updated"})


@dataclass(frozen=True)
class PublishedSize:
    """One practice's registered patients on a snapshot, as a publication placed it."""

    practice_code: str
    ccg_code: str  # blank when the publisher's commissioner is not a CCG
    patients: int
    bands: tuple[int, ...] | None = None


@dataclass(frozen=True)
class PracticePlace:
    id: int
    ccg_code: str | None
    status: str


async def practice_places(day: dt.date) -> dict[str, PracticePlace]:
    """Every practice in the register by ODS code, with the CCG the tracker has for it on `day`
    (its membership of the time; today's CCG where no history covers the day)."""
    ccg_code_of = {r["id"]: r["code"] for r in await Ccg.select(Ccg.id, Ccg.code)}
    past = await history()
    rows = await Practice.select(Practice.id, Practice.ods_code, Practice.status)
    out: dict[str, PracticePlace] = {}
    for r in rows:
        ccg_id = past.ccg_on(r["id"], day)
        out[r["ods_code"]] = PracticePlace(r["id"], ccg_code_of.get(ccg_id) if ccg_id else None, r["status"])
    return out


async def ccg_codes() -> set[str]:
    return {r["code"] for r in await Ccg.select(Ccg.code)}


def place(
    summary: ImportSummary,
    practice_code: str,
    ccg_code: str,
    practices: dict[str, PracticePlace],
    known_ccgs: set[str],
) -> PracticePlace | None:
    """Count how a published record meets the register; None when it cannot be placed."""
    found = practices.get(practice_code)
    if found is None:
        summary.add("not placed: practice not in the tracker (import the ODS file first?)", practice_code)
        return None
    if not ccg_code:
        return found
    if ccg_code not in known_ccgs:
        summary.add(
            "placed, under a CCG code the tracker does not have (kept as published)", f"{practice_code}: {ccg_code}"
        )
    elif found.ccg_code and found.ccg_code != ccg_code:
        summary.add(
            "placed, in another CCG than the tracker has for that date (kept as published)",
            f"{practice_code}: tracker {found.ccg_code}, file {ccg_code}",
        )
    return found


async def store_list_sizes(
    snapshot: dt.date, sizes: Iterable[tuple[int, PublishedSize]], summary: ImportSummary, noun: str = "list sizes"
) -> None:
    """Create or update one snapshot's list sizes (and bands where given), inside the caller's
    transaction. `sizes` pairs each record with its practice id."""
    sizes = list(sizes)
    existing = {
        r["practice"]: r
        for r in await ListSize.select(ListSize.id, ListSize.practice, ListSize.patients, ListSize.ccg_code).where(
            ListSize.snapshot_date == snapshot
        )
    }
    existing_bands = {
        r["practice"]: r
        for r in await ListSizeBand.select(ListSizeBand.id, ListSizeBand.practice, ListSizeBand.bands).where(
            ListSizeBand.snapshot_date == snapshot
        )
    }
    new_sizes: list[tuple[Any, ...]] = []
    new_bands: list[tuple[Any, ...]] = []
    for practice_id, size in sizes:
        row = existing.get(practice_id)
        if row is None:
            new_sizes.append((practice_id, snapshot, size.patients, size.ccg_code))
            summary.add(f"created: {noun}")
        elif row["patients"] != size.patients or row["ccg_code"] != size.ccg_code:
            await ListSize.update({ListSize.patients: size.patients, ListSize.ccg_code: size.ccg_code}).where(
                ListSize.id == row["id"]
            )
            summary.add(f"updated: {noun}", size.practice_code)
        else:
            summary.add(f"unchanged: {noun}")
        if size.bands is None:
            continue
        text = ",".join(str(n) for n in size.bands)
        band_row = existing_bands.get(practice_id)
        if band_row is None:
            new_bands.append((practice_id, snapshot, text))
        elif band_row["bands"] != text:
            await ListSizeBand.update({ListSizeBand.bands: text}).where(ListSizeBand.id == band_row["id"])
            summary.add("updated: age bands", size.practice_code)
    await db.bulk_insert("list_size", ("practice", "snapshot_date", "patients", "ccg_code"), new_sizes)
    await db.bulk_insert("list_size_band", ("practice", "snapshot_date", "bands"), new_bands)
    if new_bands:
        summary.add("created: age bands", n=len(new_bands))


async def import_nhsbsa_list_sizes(
    data: bytes,
    *,
    file_name: str = "",
    snapshot: dt.date | None = None,
    actor: str = "system",
    progress: Progress | None = None,
) -> ChangeSummary:
    """One NHSBSA quarter. The snapshot date is the first day of the quarter named in the file
    name (`Patient_List_Size_2015_04-06.csv` → 2015-04-01) unless given."""
    snapshot = snapshot or snapshot_from_name(file_name)
    if snapshot is None:
        raise FileRefused(
            f"The quarter is not in the file name {file_name!r} (Patient_List_Size_YYYY_MM-MM.csv): give it with --quarter"
        )
    records = parse_band_file(data)  # raises FileRefused before anything is written
    report = progress or (lambda line: None)
    report(f"read {len(records):,} rows")
    summary = ChangeSummary("NHSBSA list-size import")
    summary.facts["snapshot date"] = snapshot.isoformat()
    summary.add("rows read", n=len(records))
    async with db.write_transaction():
        practices = await practice_places(snapshot)
        known_ccgs = await ccg_codes()
        placed: list[tuple[int, PublishedSize]] = []
        for r in records:
            if not r.is_practice:
                summary.add("skipped: not a practice (no patients; e.g. a drug service)", r.practice_code)
                continue
            if not r.ccg_code:
                summary.add(
                    "commissioner is not a CCG (counted under the practice's CCG in the register)",
                    f"{r.practice_code}: {r.pco_code}",
                )
            found = place(summary, r.practice_code, r.ccg_code, practices, known_ccgs)
            if found is None:
                continue
            placed.append((found.id, PublishedSize(r.practice_code, r.ccg_code, r.patients, r.bands)))
        report(f"placed {len(placed):,} practices; writing")
        await store_list_sizes(snapshot, placed, summary)
        names = {r.ccg_code: r.pco_name for r in records if r.ccg_code in known_ccgs and r.pco_name}
        for code in await name_ccgs_of_the_time(names, source=file_name or snapshot.isoformat(), actor=actor):
            summary.add("CCGs given their name of the time from the file", code)
        summary.facts["registered patients placed"] = f"{sum(s.patients for _, s in placed):,}"
        summary.facts["registered patients in the file"] = f"{sum(r.patients for r in records):,}"
        await audit.record("import.nhsbsa_list_sizes", actor=actor, entity_type="import", detail=summary.as_dict())
    return summary


async def bands_by_ccg(snapshot: dt.date) -> dict[str, tuple[int, ...]]:
    """Patients per sex and age band (BANDS order) per CCG code on one snapshot: the published
    CCG code, or the practice's CCG in the register when the publisher's was not a CCG."""
    rows = await db.fetch(
        """
        SELECT COALESCE(NULLIF(l.ccg_code, ''), c.code) AS ccg_code, b.bands
        FROM list_size_band b
        JOIN list_size l ON l.practice = b.practice AND l.snapshot_date = b.snapshot_date
        JOIN practice p ON p.id = b.practice LEFT JOIN ccg c ON c.id = p.ccg
        WHERE b.snapshot_date = {}
        """,
        snapshot,
    )
    totals: dict[str, list[int]] = {}
    for r in rows:
        if not r["ccg_code"]:
            continue
        into = totals.setdefault(r["ccg_code"], [0] * len(BANDS))
        for i, n in enumerate(str(r["bands"]).split(",")):
            into[i] += int(n)
    return {code: tuple(v) for code, v in totals.items()}


# --- Populations for other features ---------------------------------------------------------


async def snapshot_dates() -> list[dt.date]:
    """Every list-size snapshot date held, newest first."""
    rows = await ListSize.select(ListSize.snapshot_date).distinct().order_by(ListSize.snapshot_date, ascending=False)
    return [r["snapshot_date"] for r in rows]


async def patients_by_ccg(snapshot: dt.date, *, published_first: bool = True) -> dict[str, int]:
    """Registered patients per CCG code on one snapshot: each practice's under the CCG code the
    publication gave (its CCG in the register when blank) or, not `published_first`, under its
    CCG in the register (the published code when it has none)."""
    code = "COALESCE(NULLIF(l.ccg_code, ''), c.code)" if published_first else "COALESCE(c.code, NULLIF(l.ccg_code, ''))"
    rows = await db.fetch(
        f"""
        SELECT {code} AS ccg_code, SUM(l.patients) AS patients
        FROM list_size l JOIN practice p ON p.id = l.practice LEFT JOIN ccg c ON c.id = p.ccg
        WHERE l.snapshot_date = {{}}
        GROUP BY {code}
        """,  # noqa: S608 (the expression is one of two constants)
        snapshot,
    )
    return {r["ccg_code"]: int(r["patients"]) for r in rows if r["ccg_code"]}

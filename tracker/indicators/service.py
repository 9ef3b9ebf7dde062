"""The catalogue in the database: planning and applying a reviewed catalogue file, reading
active indicators, and the definition each indicator had on a date.

Owns the indicator and indicator_version tables.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker import clock
from tracker.audit import service as audit
from tracker.changes import service as changes
from tracker.db import fetch, write_transaction
from tracker.indicators import calculations
from tracker.indicators.calculations import FIELDS, CataloguePlan, Version, in_force, plan, spec_values
from tracker.indicators.catalogue import DEFAULT_PATH, CatalogueError, IndicatorSpec, parse_catalogue
from tracker.kv import uploads_service as uploads
from tracker.returns import facts_service as return_facts
from tracker.tables import Indicator, IndicatorVersion

# A catalogue of 16 indicators is under 7 KB: a file a hundred times that is not a catalogue.
MAX_UPLOAD_BYTES = 256 * 1024
PREVIEW_MINUTES = 30
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class CatalogueFile:
    path: Path
    sha256: str
    specs: list[IndicatorSpec]

    @property
    def source(self) -> str:
        return f"{self.path.name} sha256:{self.sha256[:16]}"

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> CatalogueFile:
        """A catalogue from a file's bytes (UnicodeDecodeError, or CatalogueError naming the
        indicator and field); `name` is kept only as the file's name, for the versions' source. A
        byte-order mark, which some editors write at the start of UTF-8 files, is allowed."""
        base = Path(name.replace("\\", "/")).name[:MAX_NAME_LENGTH] or "catalogue.toml"
        return cls(Path(base), hashlib.sha256(data).hexdigest(), list(_parsed(data.decode("utf-8-sig"))))


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> tuple[IndicatorSpec, ...]:
    # The same file is read again and again (the demo, `tracker catalogue`, every test that loads
    # the catalogue): its specs, which are frozen, are parsed once per text. An error is not kept.
    return tuple(parse_catalogue(text))


def read_file(path: Path = DEFAULT_PATH) -> CatalogueFile:
    """Read and check a catalogue file (CatalogueError names the indicator and field)."""
    file = CatalogueFile.from_bytes(path.name, path.read_bytes())
    return CatalogueFile(path, file.sha256, file.specs)


def read_upload(name: str, data: bytes) -> CatalogueFile:
    """An uploaded catalogue file, checked whole: CatalogueError says what is wrong with it."""
    if not data.strip():
        raise CatalogueError("The selected file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise CatalogueError(f"The selected file must be smaller than {MAX_UPLOAD_BYTES // 1024} KB")
    try:
        return CatalogueFile.from_bytes(name, data)
    except UnicodeDecodeError:
        raise CatalogueError("The selected file must be a text file saved as UTF-8") from None


async def keep_upload(account_id: int, name: str, data: bytes) -> str:
    """Keep a previewed file until it is applied; the key the preview's form sends back."""
    return await uploads.keep("catalogue", account_id, data, PREVIEW_MINUTES, name=name)


async def kept_upload(account_id: int, key: str) -> tuple[str, bytes] | None:
    """The file (name, bytes) kept under this key, if this person previewed it and it has not expired."""
    return await uploads.kept("catalogue", account_id, key)


async def forget_upload(key: str) -> None:
    await uploads.forget("catalogue", key)


async def _values_by_code() -> dict[str, int]:
    counts = await return_facts.value_counts()
    return {code: counts[i] for code, i in (await indicator_ids()).items() if i in counts}


async def plan_file(catalogue: CatalogueFile) -> CataloguePlan:
    return plan(await Indicator.select(), catalogue.specs, await _values_by_code())


async def apply_plan(
    catalogue: CatalogueFile,
    valid_from: dt.date,
    *,
    actor: str = "cli",
    account_id: int | None = None,
    ip: str = "",
) -> CataloguePlan:
    """Write the file's catalogue in one transaction, re-planned inside it; refused plans write nothing."""
    async with write_transaction():
        the_plan = await plan_file(catalogue)
        if the_plan.refused:
            return the_plan
        now = clock.now()
        versions = {
            r["code"]: r["version"]
            for r in await IndicatorVersion.raw(
                "SELECT code, MAX(version) AS version FROM indicator_version GROUP BY code"
            )
        }
        new_versions = []
        for spec in the_plan.added:
            await Indicator.insert(Indicator(code=spec.code, active=True, **spec_values(spec)))
            new_versions.append(spec)
        for spec, _ in the_plan.changed:
            await Indicator.update({**spec_values(spec), "active": True}).where(  # type: ignore[dict-item]
                Indicator.code == spec.code
            )
            new_versions.append(spec)
        changed_codes = {s.code for s, _ in the_plan.changed}
        for code in the_plan.reactivated:
            if code not in changed_codes:
                await Indicator.update({Indicator.active: True}).where(Indicator.code == code)
        if the_plan.retired:
            await Indicator.update({Indicator.active: False}).where(Indicator.code.is_in(list(the_plan.retired)))
        if new_versions:
            await IndicatorVersion.insert(
                *[
                    IndicatorVersion(
                        code=spec.code,
                        version=versions.get(spec.code, 0) + 1,
                        valid_from=valid_from,
                        definition=json.dumps(spec_values(spec), default=str, sort_keys=True),
                        source=catalogue.source,
                        loaded_at=now,
                    )
                    for spec in new_versions
                ]
            )
        if the_plan.has_changes:
            await audit.record(
                "catalogue.applied",
                account_id=account_id,
                actor=actor,
                entity_type="catalogue",
                entity_id=catalogue.sha256[:16],
                detail={
                    **the_plan.summary(),
                    "file": str(catalogue.path),
                    "valid_from": valid_from.isoformat(),
                    "added": [s.code for s in the_plan.added],
                    "changed": sorted(changed_codes),
                    "retired": list(the_plan.retired),
                },
                ip=ip,
            )
    return the_plan


async def load(path: Path = DEFAULT_PATH, valid_from: dt.date = dt.date(2014, 4, 1)) -> dict[str, int]:
    """Create or update every indicator in the file; retire those no longer in it (the demo's way)."""
    catalogue = read_file(path)
    result = await apply_plan(catalogue, valid_from, actor="system")
    if result.refused:
        raise ValueError("; ".join(result.refused))
    return result.summary()


def _spec(row: dict[str, Any]) -> IndicatorSpec:
    return IndicatorSpec(**{k: row[k] for k in ("code", *FIELDS)})


# Plain SQL for the reads every page makes: Piccolo's query objects cost more than the query.
_ACTIVE = f"SELECT id, code, {', '.join(FIELDS)} FROM indicator WHERE active = {{}} ORDER BY sort_order"  # noqa: S608


async def _read_active() -> tuple[list[IndicatorSpec], dict[str, int]]:
    rows = await fetch(_ACTIVE, True)
    return [_spec(r) for r in rows], {r["code"]: r["id"] for r in rows}


async def _read_ids() -> dict[str, int]:
    return {r["code"]: r["id"] for r in await fetch("SELECT id, code FROM indicator")}


# Every return page and dashboard asks: kept until the catalogue changes (changes.REFERENCE).
_active = changes.KeptReference(_read_active)
_ids = changes.KeptReference(_read_ids)


async def active_indicators() -> list[IndicatorSpec]:
    return list((await _active.get())[0])


async def active_indicators_and_ids() -> tuple[list[IndicatorSpec], dict[str, int]]:
    """The active indicators, and their ids by code."""
    specs, ids = await _active.get()
    return list(specs), dict(ids)


async def indicator_ids() -> dict[str, int]:
    return dict(await _ids.get())


def _version_spec(code: str, definition: str) -> IndicatorSpec:
    values = json.loads(definition)
    if values.get("target_date"):
        values["target_date"] = dt.date.fromisoformat(values["target_date"])
    return IndicatorSpec(code=code, **values)


async def _versions() -> dict[str, list[Version]]:
    """Every stored definition, by indicator code, oldest first."""
    out: dict[str, list[Version]] = {}
    rows = await IndicatorVersion.select(
        IndicatorVersion.code, IndicatorVersion.version, IndicatorVersion.valid_from, IndicatorVersion.definition
    ).order_by(IndicatorVersion.version)
    for row in rows:
        out.setdefault(row["code"], []).append(
            Version(row["version"], row["valid_from"], _version_spec(row["code"], row["definition"]))
        )
    return out


async def definitions_as_at(day: dt.date) -> dict[str, IndicatorSpec]:
    """Each indicator's definition in force on `day` (its latest version valid from then or before)."""
    out = {}
    for code, versions in (await _versions()).items():
        found = in_force(versions, day)
        if found is not None:
            out[code] = found.spec
    return out


async def definitions_by_period(
    periods: Sequence[tuple[int, dt.date]], active: list[IndicatorSpec] | None = None
) -> dict[int, list[IndicatorSpec]]:
    """The active indicators (`active`, when the caller has read them) as defined when each
    (period id, start date) began: what scoring uses, so that a catalogue change never rewrites the
    scores of periods before its date."""
    current = active if active is not None else await active_indicators()
    return calculations.definitions_by_period(current, await _versions(), periods)


@dataclass(frozen=True)
class StoredVersion:
    """One stored definition of an indicator, as its history page lists it."""

    version: int
    valid_from: dt.date
    definition: str  # JSON of the catalogue fields
    source: str  # the reviewed file's name and SHA-256
    loaded_at: dt.datetime


async def versions(code: str) -> list[StoredVersion]:
    """An indicator's stored definitions, oldest first."""
    rows = (
        await IndicatorVersion.select(
            IndicatorVersion.version,
            IndicatorVersion.valid_from,
            IndicatorVersion.definition,
            IndicatorVersion.source,
            IndicatorVersion.loaded_at,
        )
        .where(IndicatorVersion.code == code)
        .order_by(IndicatorVersion.version)
    )
    return [
        StoredVersion(r["version"], r["valid_from"], r["definition"], r["source"] or "", r["loaded_at"]) for r in rows
    ]


@dataclass(frozen=True)
class CatalogueEntry:
    """An indicator as the catalogue holds it now, with its latest version."""

    spec: IndicatorSpec
    active: bool
    version: int
    valid_from: dt.date | None
    loaded_at: dt.datetime | None


async def catalogue_entries() -> list[CatalogueEntry]:
    """Every indicator, active or retired, in the catalogue's order, with its latest version."""
    latest: dict[str, dict[str, Any]] = {}
    for row in await IndicatorVersion.select(
        IndicatorVersion.code, IndicatorVersion.version, IndicatorVersion.valid_from, IndicatorVersion.loaded_at
    ).order_by(IndicatorVersion.version):
        latest[row["code"]] = row
    out = []
    for row in await Indicator.select().order_by(Indicator.sort_order, Indicator.id):
        version = latest.get(row["code"], {})
        out.append(
            CatalogueEntry(
                spec=_spec(row),
                active=bool(row["active"]),
                version=int(version.get("version") or 0),
                valid_from=version.get("valid_from"),
                loaded_at=version.get("loaded_at"),
            )
        )
    return out


# --- Read by other features ------------------------------------------------------------------


async def by_id() -> dict[int, IndicatorSpec]:
    """Every indicator, active or retired, by id."""
    return {r["id"]: _spec(r) for r in await Indicator.select()}

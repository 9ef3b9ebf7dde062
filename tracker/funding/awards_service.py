"""Awards to practices: one at a time or a whole file, validated whole, all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from tracker import db
from tracker.audit import service as audit
from tracker.funding.calculations import FundingError, parse_pounds
from tracker.funding.service import Actor, ccg_ids_in, utcnow
from tracker.funding.xlsx import UploadRow, parse_date, split_codes
from tracker.indicators import service as indicators_service
from tracker.organisations import service as organisations
from tracker.organisations.service import PracticeToday
from tracker.tables import FundingStream, PracticeAward


@dataclass(frozen=True)
class AwardInput:
    practice_id: int
    practice_code: str
    award_date: dt.date
    amount_pence: int
    stream_id: int
    purpose: str
    indicator_ids: tuple[int, ...]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass
class Validation:
    awards: list[AwardInput] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


async def _lookups(ccg_id: int) -> tuple[dict[str, PracticeToday], dict[str, int], dict[str, int]]:
    practices = {p.ods_code: p for p in await organisations.practices_today(ccg_id)}
    streams = {r["code"]: r["id"] for r in await FundingStream.select(FundingStream.id, FundingStream.code)}
    return practices, streams, await indicators_service.indicator_ids()


async def validate(rows: list[UploadRow], ccg_id: int, today: dt.date) -> Validation:
    """Check every row; a row's problems are all reported, with its number and column."""
    practices, streams, indicators = await _lookups(ccg_id)
    out = Validation()
    for row in rows:
        v = row.values
        errors: list[RowError] = []
        code = v.get("practice_code", "").strip().upper()
        practice = practices.get(code)
        if not code:
            errors.append(RowError(row.number, "practice_code", "Enter the practice's ODS code"))
        elif practice is None:
            errors.append(RowError(row.number, "practice_code", f"{code} is not a practice of this CCG"))
        award_date = None
        try:
            award_date = parse_date(v.get("award_date", ""))
            if award_date > today:
                errors.append(RowError(row.number, "award_date", "The award date must not be in the future"))
        except ValueError as exc:
            errors.append(RowError(row.number, "award_date", str(exc)))
        amount = 0
        try:
            amount = parse_pounds(v.get("amount", ""), field="Amount", allow_zero=False)
        except FundingError as exc:
            errors.append(RowError(row.number, "amount", str(exc)))
        stream_code = v.get("stream", "").strip().upper()
        if stream_code not in streams:
            errors.append(
                RowError(
                    row.number,
                    "stream",
                    f"Unknown funding stream {stream_code!r}: use one of " + ", ".join(sorted(streams)),
                )
            )
        codes = split_codes(v.get("indicators", ""))
        unknown = [c for c in codes if c not in indicators]
        if unknown:
            errors.append(RowError(row.number, "indicators", "Unknown indicator: " + ", ".join(unknown)))
        if errors:
            out.errors.extend(errors)
            continue
        assert practice is not None and award_date is not None
        out.awards.append(
            AwardInput(
                practice_id=practice.id,
                practice_code=code,
                award_date=award_date,
                amount_pence=amount,
                stream_id=streams[stream_code],
                purpose=v.get("purpose", "").strip()[:2000],
                indicator_ids=tuple(dict.fromkeys(indicators[c] for c in codes)),
            )
        )
    return out


async def record(awards: list[AwardInput], ccg_id: int, actor: Actor, upload_ref: str = "") -> list[int]:
    """Write the awards and the indicators each is meant to move, in one transaction."""
    if not awards:
        return []
    now = utcnow()
    async with db.write_transaction():
        if upload_ref and await already_uploaded(upload_ref, ccg_id):
            # The same file again (a double click, a retry after a timeout) records nothing new.
            return []
        created = await PracticeAward.insert(
            *[
                PracticeAward(
                    practice=a.practice_id,
                    ccg=ccg_id,
                    stream=a.stream_id,
                    award_date=a.award_date,
                    amount_pence=a.amount_pence,
                    purpose=a.purpose,
                    upload_ref=upload_ref,
                    created_at=now,
                    created_by=actor.account_id,
                )
                for a in awards
            ]
        ).returning(PracticeAward.id)
        ids = [int(r["id"]) for r in created]
        links = [(award_id, ind) for award_id, a in zip(ids, awards, strict=True) for ind in a.indicator_ids]
        await db.bulk_insert("practice_award_indicator", ("award", "indicator"), links)
        await audit.record_many(
            [
                {
                    "action": "funding.award.recorded",
                    "account_id": actor.account_id,
                    "actor": actor.label,
                    "entity_type": "practice_award",
                    "entity_id": award_id,
                    "ip": actor.ip,
                    "detail": {
                        "practice": a.practice_code,
                        "amount_pence": a.amount_pence,
                        "award_date": a.award_date.isoformat(),
                        "upload": upload_ref,
                    },
                }
                for award_id, a in zip(ids, awards, strict=True)
            ]
        )
    return ids


async def already_uploaded(upload_ref: str, ccg_id: int) -> bool:
    found = (
        await PracticeAward.select(PracticeAward.id)
        .where((PracticeAward.upload_ref == upload_ref) & (PracticeAward.ccg == ccg_id))
        .first()
    )
    return found is not None


def upload_reference(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class AwardRow:
    """An award to a practice, with the practice, CCG, stream and the indicators it was meant to move."""

    id: int
    award_date: dt.date
    amount_pence: int
    purpose: str
    upload_ref: str  # the file it came from; empty when entered by hand
    practice_id: int
    ods_code: str
    practice_name: str
    ccg_id: int
    ccg_code: str
    ccg_name: str
    stream_code: str
    stream_name: str
    indicator_codes: tuple[str, ...]  # in the catalogue's order


def _as_date(value: Any) -> dt.date:
    # SQLite may hand a date column back as its ISO text.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


async def awards(
    *, ccg_id: int | None = None, practice_id: int | None = None, stream_id: int | None = None, limit: int | None = None
) -> list[AwardRow]:
    """Awards, newest first, of one CCG, practice or stream (or all of them), at most `limit`."""
    filters, args = [], []
    for column, value in (("a.ccg", ccg_id), ("a.practice", practice_id), ("a.stream", stream_id)):
        if value is not None:
            filters.append(f"{column} = {{}}")
            args.append(value)
    where = ("WHERE " + " AND ".join(filters)) if filters else ""
    tail = f"LIMIT {int(limit)}" if limit else ""
    rows = await db.fetch(
        f"""
        SELECT a.id, a.award_date, a.amount_pence, a.purpose, a.upload_ref, a.practice AS practice_id, a.ccg,
               s.code AS stream_code, s.name AS stream_name
        FROM practice_award a JOIN funding_stream s ON s.id = a.stream
        {where}
        ORDER BY a.award_date DESC, a.id DESC {tail}
        """,  # noqa: S608 (filters are constants with bound values)
        *args,
    )
    links = await award_indicators([r["id"] for r in rows])
    names = await organisations.practice_names({r["practice_id"] for r in rows})
    _, ccgs = await organisations.org_names()
    found = []
    for r in rows:
        practice, ccg = names[r["practice_id"]], ccgs[r["ccg"]]
        found.append(
            AwardRow(
                id=int(r["id"]),
                award_date=_as_date(r["award_date"]),
                amount_pence=int(r["amount_pence"]),
                purpose=r["purpose"] or "",
                upload_ref=r["upload_ref"] or "",
                practice_id=int(r["practice_id"]),
                ods_code=practice.ods_code,
                practice_name=practice.name,
                ccg_id=int(r["ccg"]),
                ccg_code=ccg.code,
                ccg_name=ccg.name,
                stream_code=r["stream_code"],
                stream_name=r["stream_name"],
                indicator_codes=tuple(links.get(r["id"], [])),
            )
        )
    return found


async def award_indicators(award_ids: list[int]) -> dict[int, list[str]]:
    """The codes of the indicators each award was meant to move, in the catalogue's order."""
    links: dict[int, list[int]] = {}
    for chunk in db.chunks(award_ids):
        marks = ", ".join("{}" for _ in chunk)
        for r in await db.fetch(
            f"SELECT award, indicator FROM practice_award_indicator WHERE award IN ({marks}) ORDER BY id",  # noqa: S608 (placeholders only)
            *chunk,
        ):
            links.setdefault(r["award"], []).append(r["indicator"])
    if not links:
        return {}
    specs = await indicators_service.by_id()
    return {
        award: [specs[i].code for i in sorted(ids, key=lambda i: specs[i].sort_order)] for award, ids in links.items()
    }


async def total_awarded(region_id: int | None = None) -> dict[str, int]:
    """Pence awarded to practices and how many practices, nationally or in one region."""
    where, args = "", []
    if region_id is not None:
        args = await ccg_ids_in(region_id) or [0]  # no CCG in the region: nothing awarded
        where = "WHERE a.ccg IN (" + ", ".join("{}" for _ in args) + ")"
    rows = await db.fetch(
        f"""
        SELECT COALESCE(SUM(a.amount_pence), 0) AS pence, COUNT(DISTINCT a.practice) AS practices
        FROM practice_award a {where}
        """,  # noqa: S608 (placeholders only)
        *args,
    )
    return {"pence": int(rows[0]["pence"] or 0), "practices": int(rows[0]["practices"] or 0)}

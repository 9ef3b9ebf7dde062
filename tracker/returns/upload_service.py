"""The CCG's Excel round-trip: the pre-filled workbook, the checked preview of an upload (kept
server-side under a token), and applying it all or nothing after checking it again."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException

from tracker import clock, db
from tracker.accounts.principal import Principal
from tracker.indicators.service import active_indicators, indicator_ids
from tracker.kv import service as kv
from tracker.organisations import service as organisations
from tracker.organisations.presenters import practice_title
from tracker.periods import service as periods
from tracker.periods.service import PeriodRow
from tracker.returns import calculations as calc
from tracker.returns import lifecycle, service, xlsx
from tracker.returns.calculations import Entry
from tracker.returns.service import Actor
from tracker.returns.upload_checks import Checked, check_upload

KEY = "returns-upload:"
PREVIEW_MINUTES = 60


@dataclass
class Preview:
    error: str = ""  # the whole workbook was refused
    checked: Checked | None = None
    token: str = ""
    submit: bool = False
    period_code: str = ""
    rows: int = 0
    notes: list[str] = field(default_factory=list)


async def _ccg(user: Principal) -> organisations.CcgName:
    _, ccgs = await organisations.org_names()
    row = ccgs.get(user.ccg_id) if user.ccg_id is not None else None
    if row is None:
        raise NotFoundException()
    return row


async def _open_period(today: dt.date) -> PeriodRow | None:
    period = await periods.current_open(today)
    if period is None or calc.is_locked(calc.Window(period.opens_on, period.due_on, period.locks_on), today):
        return None
    return period


@dataclass(frozen=True)
class _ValueRow:
    """One stored value of a return, or (indicator None) a return with no values."""

    practice: int
    return_id: int
    state: str
    version: int
    indicator: int | None
    value: float | None
    numerator: int | None
    denominator: int | None
    comment: str


@dataclass(frozen=True)
class _StoredReturn:
    id: int
    state: str
    version: int


@dataclass(frozen=True)
class _Facts:
    """What an upload is checked against: the CCG's active practices and their returns."""

    practices: dict[str, str]  # ods code -> name
    ids: dict[str, int]  # ods code -> practice id
    current: dict[str, dict[str, Entry]]
    returns: dict[str, _StoredReturn]
    previous: dict[str, dict[str, float | None]]

    def version(self, ods_code: str) -> int:
        stored = self.returns.get(ods_code)
        return stored.version if stored else 0


async def _facts(ccg_id: int, period: PeriodRow) -> _Facts:
    """The CCG's active practices and their returns for the period (and the period before)."""
    practices = sorted(await organisations.practice_places(ccg_id=ccg_id, active_only=True), key=lambda p: p.ods_code)
    codes = {p.id: p.ods_code for p in practices}
    indicator_codes = {i: code for code, i in (await indicator_ids()).items()}
    current: dict[str, dict[str, Entry]] = {}
    returns: dict[str, _StoredReturn] = {}
    for r in await _values(list(codes), period["id"]):
        ods_code = codes[r.practice]
        returns[ods_code] = _StoredReturn(r.return_id, r.state, r.version)
        current.setdefault(ods_code, {})
        if r.indicator is not None:
            current[ods_code][indicator_codes[r.indicator]] = Entry(r.value, r.numerator, r.denominator, r.comment)
    before = await service.previous_period(period)
    previous: dict[str, dict[str, float | None]] = {}
    for r in await _values(list(codes), before["id"]) if before else []:
        if r.indicator is not None:
            previous.setdefault(codes[r.practice], {})[indicator_codes[r.indicator]] = r.value
    return _Facts(
        practices={p.ods_code: p.name for p in practices},
        ids={p.ods_code: p.id for p in practices},
        current=current,
        returns=returns,
        previous=previous,
    )


async def _values(practice_ids: list[int], period_id: int) -> list[_ValueRow]:
    # One row per value, or one with no value for a return that has none.
    if not practice_ids:
        return []
    rows = await db.fetch(
        f"""SELECT r.practice, r.id, r.state, r.version, v.indicator, v.value, v.numerator, v.denominator, v.comment
            FROM practice_return r LEFT JOIN return_value v ON v.practice_return = r.id
            WHERE r.period = {{}} AND r.practice IN ({", ".join("{}" for _ in practice_ids)})""",  # noqa: S608 (placeholders only)
        period_id,
        *practice_ids,
    )
    return [
        _ValueRow(
            practice=r["practice"],
            return_id=r["id"],
            state=r["state"],
            version=r["version"],
            indicator=r["indicator"],
            value=r["value"],
            numerator=r["numerator"],
            denominator=r["denominator"],
            comment=r["comment"] or "",
        )
        for r in rows
    ]


async def workbook(user: Principal, today: dt.date) -> tuple[str, bytes]:
    """(file name, bytes) of the pre-filled workbook for the CCG's practices and the open period."""
    ccg = await _ccg(user)
    period = await _open_period(today)
    if period is None:
        raise NotFoundException("No period is open for returns")
    specs = await active_indicators()
    facts = await _facts(ccg.id, period)
    columns = [xlsx.Column(s.code, s.name, s.unit) for s in specs]
    practices = [
        (code, practice_title(name), {k: e.value for k, e in facts.current.get(code, {}).items()})
        for code, name in facts.practices.items()
    ]
    data = xlsx.write_workbook(ccg.code, ccg.name, period["code"], period["due_on"].isoformat(), columns, practices)
    return f"returns-{ccg.code}-{calc.url_code(period['code'])}.xlsx", data


async def _check(
    user: Principal, upload: xlsx.Upload, submit: bool, today: dt.date
) -> tuple[Checked, _Facts, PeriodRow]:
    ccg = await _ccg(user)
    period = await _open_period(today)
    if period is None:
        raise xlsx.WorkbookError("No period is open for returns, so nothing can be uploaded")
    facts = await _facts(ccg.id, period)
    checked = check_upload(
        upload,
        ccg_code=ccg.code,
        period_code=period["code"],
        specs=await active_indicators(),
        practices=facts.practices,
        current=facts.current,
        previous=facts.previous,
        states={code: r.state for code, r in facts.returns.items()},
        submit=submit,
    )
    return checked, facts, period


async def practice_count(user: Principal) -> int:
    if user.ccg_id is None:
        return 0
    return len(await organisations.practice_places(ccg_id=user.ccg_id, active_only=True))


async def preview(
    data: bytes, filename: str, *, user: Principal, submit: bool, today: dt.date, max_bytes: int
) -> Preview:
    """Check an upload. Nothing is written unless it is clean: then it is kept under a token to apply."""
    import asyncio

    try:
        max_rows = await practice_count(user)
        upload = await asyncio.to_thread(xlsx.read_workbook, data, filename, max_bytes=max_bytes, max_rows=max_rows)
        checked, facts, period = await _check(user, upload, submit, today)
    except xlsx.WorkbookError as exc:
        return Preview(error=str(exc))
    result = Preview(checked=checked, submit=submit, period_code=period["code"], rows=len(upload.rows))
    if checked.errors or not checked.changes:
        return result
    token = secrets.token_urlsafe(24)
    payload = {
        "account": user.id,
        "submit": submit,
        "ccg": upload.ccg_code,
        "period": upload.period_code,
        "codes": upload.codes,
        "rows": [[n, code, {k: xlsx_value(v) for k, v in values.items()}] for n, code, values in upload.rows],
        "versions": {code: facts.version(code) for code in checked.merged},
    }
    expires = clock.now() + dt.timedelta(minutes=PREVIEW_MINUTES)
    await kv.put(KEY + token, json.dumps(payload), expires)
    result.token = token
    return result


def xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass
class Applied:
    error: str = ""
    practices: int = 0
    values: int = 0
    submit: bool = False


async def apply(token: str, *, user: Principal, actor: Actor, now: dt.datetime, today: dt.date) -> Applied:
    """Apply a previewed upload: checked again now, then written all together or not at all."""
    stored = await kv.get(KEY + token)
    if stored is None:
        return Applied(error="This preview has expired or was already applied: upload the workbook again")
    payload = json.loads(stored[0])
    if payload.get("account") != user.id:
        return Applied(error="This preview belongs to someone else: upload the workbook yourself")
    upload = xlsx.Upload(
        payload["ccg"], payload["period"], payload["codes"], [(n, c, v) for n, c, v in payload["rows"]]
    )
    submit = bool(payload["submit"])
    try:
        checked, facts, period = await _check(user, upload, submit, today)
    except xlsx.WorkbookError as exc:
        return Applied(error=str(exc))
    if checked.errors:
        return Applied(error="The workbook no longer passes the checks: upload it again to see why")
    versions_now = {code: facts.version(code) for code in checked.merged}
    if versions_now != payload["versions"]:
        return Applied(
            error="Some of these returns changed since the preview: upload the workbook again to see the changes"
        )
    event = lifecycle.Event.SUBMIT if submit else lifecycle.Event.SAVE
    changes = [
        lifecycle.Change({"id": facts.ids[code], "ods_code": code}, period, event, payload["versions"][code], entries)
        for code, entries in checked.merged.items()
    ]
    # The versions named are the preview's: a save made since then makes the whole upload refused.
    outcomes = await lifecycle.apply(
        changes, party=lifecycle.Party.CCG, actor=actor, now=now, today=today, source="upload"
    )
    if not all(o.ok for o in outcomes):
        if any(o.conflict for o in outcomes):
            return Applied(
                error="Some of these returns changed since the preview: upload the workbook again to see the changes"
            )
        why = next(f"{o.change.practice['ods_code']}: {o.message}" for o in outcomes if not o.ok)
        return Applied(error=f"Nothing was saved. {why}")
    await kv.delete(KEY + token)
    return Applied(practices=len(changes), values=sum(len(o.changed) for o in outcomes), submit=submit)

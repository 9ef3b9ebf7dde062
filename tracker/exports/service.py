"""Excel and CSV summaries: gathering the figures for a scope and period, and building the files.

`workbook_bytes(scope, code, period_code, today)` is the entry point for other features (scheduled
reports attach its result to emails); the routes check access first with `resolve()`.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from litestar.exceptions import NotFoundException

from tracker import db
from tracker.accounts.policy import Action, require
from tracker.accounts.principal import Principal
from tracker.changes import service as changes
from tracker.exports import built, csvfile, kept, sheets
from tracker.exports import figures_service as figures
from tracker.exports.calculations import Area, Dataset, FeedLine, IndicatorInfo, PracticeRow
from tracker.exports.funding_service import funding_for
from tracker.exports.scope import Target, as_date, as_datetime
from tracker.feeds import dashboard as feed_dashboard
from tracker.feeds import service as feeds
from tracker.figures import rules
from tracker.funding import facts_service as funding_facts
from tracker.indicators import service as indicators
from tracker.maturity import service as maturity
from tracker.organisations import service as organisations
from tracker.periods import service as periods
from tracker.periods.calculations import parse_code
from tracker.periods.service import PeriodRow
from tracker.returns import facts_service as return_facts
from tracker.settings import Settings

SCOPES = ("national", "region", "ccg")


class ExportError(ValueError):
    """A request the export cannot answer (unknown scope or period); the message is for people."""


async def target(scope: str, code: str | None) -> Target:
    if scope == "national":
        return Target("national", "", "England", None)
    if scope not in SCOPES or not code:
        raise ExportError(f"Choose national, region CODE or ccg CODE (not {scope!r})")
    regions, ccgs = await organisations.org_names()
    wanted = code.strip().upper()
    if scope == "region":
        region = next((r for r in regions.values() if r.code == wanted), None)
        if region is None:
            raise NotFoundException(f"There is no {scope} with the code {code}")
        return Target(scope, region.code, region.name, region.id)
    ccg = next((r for r in ccgs.values() if r.code == wanted), None)
    if ccg is None:
        raise NotFoundException(f"There is no {scope} with the code {code}")
    return Target(scope, ccg.code, ccg.name, ccg.id, ccg.region_id)


async def resolve(scope: str, code: str | None, user: Principal) -> Target:
    """The target of an export, after the policy has agreed the user may view it (403 otherwise)."""
    found = await target(scope, code)
    require(user, Action.VIEW, found.policy_scope)
    return found


async def period_row(period_code: str | None, today: dt.date) -> PeriodRow:
    if period_code:
        try:
            spec = parse_code(period_code)
        except ValueError as exc:
            raise ExportError(str(exc)) from None
        row = await periods.by_code(spec.code)
        if row is None:
            raise NotFoundException(f"There is no period {spec.code}")
        return row
    row = await periods.latest_closed(today)
    if row is None:
        raise ExportError("No period has closed yet: name one, like 2017/18-Q3")
    return row


async def _practices(members: list[maturity.Member]) -> list[PracticeRow]:
    """The practices counted under the scope in the period (its `maturity.period_members`), each
    under the CCG and region of that period (the dashboards' own membership), with its list size
    of the time and its score."""
    if not members:
        return []
    names = await organisations.practice_names({m.practice_id for m in members})
    regions, ccgs = await maturity.org_names()
    out = []
    for m in sorted(members, key=lambda m: names[m.practice_id].ods_code):
        practice = names[m.practice_id]
        ccg = ccgs.get(m.ccg_id) if m.ccg_id is not None else None
        region = regions.get(m.region_id) if m.region_id is not None else None
        out.append(
            PracticeRow(
                id=m.practice_id,
                ods_code=practice.ods_code,
                name=practice.name,
                ccg_code=ccg.code if ccg else "",
                ccg_name=ccg.name if ccg else "",
                region_code=region.code if region else "",
                region_name=region.name if region else "",
                patients=m.patients,
                clinical_system=practice.clinical_system,
                maturity=m.maturity,
                level=m.level,
                status=m.status,
                forecast=m.forecast,
            )
        )
    return out


def _scope_name(t: Target) -> str:
    return {"national": "england"}.get(t.scope, t.scope)


def _only(t: Target, by_id: dict[int, PracticeRow]) -> set[int] | None:
    """The practices to ask other features about: None nationally (all of them, in one read)."""
    return None if t.scope == "national" else set(by_id)


async def _add_returns(t: Target, period: PeriodRow, by_id: dict[int, PracticeRow]) -> None:
    """Each practice's return of the period (state, first submission, on time) and its comments,
    in the catalogue's order."""
    due = as_date(period["due_on"])
    for r in (await return_facts.period_returns(period["id"], _only(t, by_id))).values():
        p = by_id.get(r.practice_id)
        if p is None:
            continue
        p.return_state = r.state
        p.first_submitted_at = as_datetime(r.first_submitted_at)
        if p.first_submitted_at is not None and due is not None:
            p.on_time = rules.on_time(p.first_submitted_at, due)
    every = await indicators.by_id()
    comments = [c for c in await return_facts.period_comments(period["id"], _only(t, by_id)) if c.indicator_id in every]
    for c in sorted(
        comments, key=lambda c: (c.practice_id, every[c.indicator_id].sort_order, every[c.indicator_id].code)
    ):
        p = by_id.get(c.practice_id)
        if p is not None:
            line = f"{every[c.indicator_id].code}: {c.comment}"
            p.comments = f"{p.comments}\n{line}" if p.comments else line


async def _add_latest_values(t: Target, period: PeriodRow, by_id: dict[int, PracticeRow], ids: dict[str, int]) -> None:
    """Values from each practice's latest approved return for a period up to the chosen one."""
    upto = [p for p in await periods.all_periods() if p["start_date"] <= period["start_date"]]
    code_of = {p["id"]: p["code"] for p in upto}
    indicator_code = {i: c for c, i in ids.items()}
    upto_ids = [p["id"] for p in upto]
    for r in await return_facts.latest_approved_values(_only(t, by_id), upto_ids, list(indicator_code)):
        p = by_id.get(r.practice_id)
        if p is None:
            continue
        p.latest_period = code_of[r.period_id]
        p.values = {indicator_code[i]: v for i, v in r.values.items()}


async def _data_changed_at(as_at: dt.date) -> dt.datetime:
    """The latest change to the data shown: the workbook's own timestamps, so the same data gives
    the same file (byte for byte)."""
    changes = await asyncio.gather(return_facts.last_changed_at(), funding_facts.last_changed_at())
    found = [x for x in (as_datetime(v) for v in changes) if x is not None]
    if found:
        return max(found).astimezone(dt.UTC).replace(microsecond=0)
    return dt.datetime.combine(as_at, dt.time(), tzinfo=dt.UTC)


async def indicators_shown(period: PeriodRow) -> list[IndicatorInfo]:
    """The active indicators as the catalogue defined them when the period began (the targets its
    scores were worked out against), in the catalogue's order (sort order, then code)."""
    defined = await indicators.definitions_by_period([(period.id, period.start_date)])
    specs = sorted(defined[period.id], key=lambda s: (s.sort_order, s.code))
    return [
        IndicatorInfo(
            code=s.code,
            name=s.name,
            theme=s.theme,
            unit=s.unit,
            target_value=s.target_value,
            target_date=as_date(s.target_date),
            target_annual=bool(s.target_annual),
            provenance_kind=s.provenance_kind,
            provenance=s.provenance,
            weight=s.weight,
            definition=s.definition,
        )
        for s in specs
    ]


async def gather(t: Target, period_code: str | None, today: dt.date) -> Dataset:
    """Every figure of one export, read in one go so that the sheets agree with one another."""
    if t.scope == "ccg":
        return await _gather(t, period_code, today)
    with db.reads_beside_the_loop():  # England's or a region's: seconds of reading
        return await _gather(t, period_code, today)


async def _gather(t: Target, period_code: str | None, today: dt.date) -> Dataset:
    period = await period_row(period_code, today)
    top = Area(t.code or "ENG", t.name)
    catalogue = await indicators_shown(period)
    shown = {i.code for i in catalogue}
    ids = {c: i for c, i in (await indicators.indicator_ids()).items() if c in shown}
    # One read of the period's members for the practice rows and the dashboards' aggregates.
    members = await maturity.period_members(period["id"], _scope_name(t), t.id)
    practices = await _practices(members)
    by_id = {p.id: p for p in practices}
    # Independent reads, run side by side (each fills its own fields of the practice rows).
    _, _, funding, (aggregates, maturity_trend), changed_at = await asyncio.gather(
        _add_returns(t, period, by_id),
        _add_latest_values(t, period, by_id, ids),
        funding_for(t.scope, t.id, period, practices),
        figures.maturity_figures(t, period, top, members),
        _data_changed_at(today),
    )
    feed_lines = await _feed_lines(t, period["code"], practices, catalogue)
    regions = sorted({(p.region_code, p.region_name) for p in practices if p.region_code}, key=lambda r: (r[1], r[0]))
    ccgs = sorted(
        {(p.ccg_code, p.ccg_name, p.region_code, p.region_name) for p in practices if p.ccg_code},
        key=lambda c: (c[1], c[0]),
    )
    return Dataset(
        scope=t.scope,
        scope_code=t.code,
        scope_name=t.name,
        period_code=period["code"],
        period_label=period["code"].replace("-", " ")
        + (" (provisional)" if rules.provisional(as_date(period["locks_on"]), today) else ""),
        period_start=as_date(period["start_date"]) or today,
        period_end=as_date(period["end_date"]) or today,
        period_due=as_date(period["due_on"]) or today,
        as_at=today,
        data_changed_at=changed_at,
        indicators=catalogue,
        practices=practices,
        regions=[Area(code, name) for code, name in regions],
        ccgs=[Area(c[0], c[1], c[2], c[3]) for c in ccgs],
        trend=maturity_trend,
        ledger=funding.ledger,
        ccg_funding=funding.by_ccg,
        aggregates=aggregates,
        maturity_available=any(p.maturity is not None for p in practices),
        forecast_available=any(p.forecast is not None for p in practices),
        funding_available=funding.available,
        notes=[
            f"{period['code'].replace('-', ' ')} is provisional: {rules.definition('Provisional')}",
            "Its forecast dates and shares forecast to reach 80 are provisional too: they are made from returns "
            "that can still change.",
        ]
        if rules.provisional(as_date(period["locks_on"]), today)
        else [],
        feeds=feed_lines,
    )


async def _feed_lines(
    t: Target, period_code: str, practices: list[PracticeRow], catalogue: list[IndicatorInfo]
) -> list[FeedLine]:
    """The national feeds' figures of the period: for the scope and each of its CCGs (by the one
    rule the CCG dashboard uses, over the same practices), then each practice beside its own
    approved value for the period."""
    rows = await feeds.feed_values([p.id for p in practices], period_code)
    if not rows:
        return []
    units = {i.code: i.unit for i in catalogue}
    by_id = {p.id: p for p in practices}
    out: list[FeedLine] = []

    def areas(level: str, code: str, name: str, ccg_code: str, subset: list[feeds.FeedRow]) -> None:
        for indicator, (source, value, n) in feed_dashboard.area_figures(subset, period_code).items():
            out.append(FeedLine(level, code, name, ccg_code, indicator, units.get(indicator, ""), source, n, value))

    top = {"national": "England", "region": "Region", "ccg": "CCG"}.get(t.scope, t.scope)
    areas(top, t.code or "ENG", t.name, t.code if t.scope == "ccg" else "", rows)
    if t.scope != "ccg":
        by_ccg: dict[str, list[feeds.FeedRow]] = {}
        for r in rows:
            by_ccg.setdefault(by_id[r.practice_id].ccg_code, []).append(r)
        ccg_names = {p.ccg_code: p.ccg_name for p in practices}
        for code in sorted(by_ccg):
            areas("CCG", code, ccg_names.get(code, ""), code, by_ccg[code])
    for r in sorted(rows, key=lambda r: (by_id[r.practice_id].ods_code, r.indicator_code, r.source)):
        p = by_id[r.practice_id]
        own = p.values.get(r.indicator_code) if p.latest_period == period_code else None
        out.append(
            FeedLine(
                "Practice",
                p.ods_code,
                p.name,
                p.ccg_code,
                r.indicator_code,
                units.get(r.indicator_code, ""),
                r.source_label,
                1,
                r.value,
                own,
            )
        )
    return out


def filename(t: Target, period_code: str, extension: str = "xlsx", table: str | None = None) -> str:
    period = period_code.replace("/", "-")
    middle = f"-{table}" if table else ""
    return f"paperless-tracker-{t.slug}-{period}{middle}.{extension}"


async def _asked(kind: str, t: Target, period_code: str | None, today: dt.date) -> str:
    """The key of a file, known before any figure is read: the data token is read first, so the
    figures gathered afterwards are at least as new as it (see tracker.changes.service)."""
    token = await changes.token()
    return kept.key(kept.Asked(kind, t.scope, t.code, (period_code or "").strip(), today.isoformat()), token)


async def build_workbook(t: Target, period_code: str | None, today: dt.date) -> tuple[str, bytes]:
    """The workbook's (filename, bytes): kept ones when nothing it shows has changed since.

    England's and a region's are read, laid out and written in the writer process (`built`): a
    second or more of work that, in a thread of the web process, would share the interpreter lock
    with every page served meanwhile. A CCG's is small and made here."""

    async def build() -> tuple[str, bytes]:
        settings = db.configured_settings()
        if t.scope != "ccg" and settings is not None:
            await period_row(period_code, today)  # an unknown period is refused here, as a 404
            made = await built.in_writer(_build_in_writer, settings, t, period_code, today)
            if made is not None:
                name, content, written = made
                built.counts.written += written
                return name, content
        data = await gather(t, period_code, today)
        content = await built.workbook(sheets.build(data))
        return filename(t, data.period_code), content

    return await kept.kept(await _asked("xlsx", t, period_code, today), build)


def _build_in_writer(settings: Settings, t: Target, period_code: str | None, today: dt.date) -> tuple[str, bytes, bool]:
    """In the writer process: the workbook read from the same database, laid out and written."""
    return asyncio.run(_build_here(settings, t, period_code, today))


async def _build_here(
    settings: Settings, t: Target, period_code: str | None, today: dt.date
) -> tuple[str, bytes, bool]:
    engine = db.configure(settings)
    await db.start(engine)
    try:
        data = await gather(t, period_code, today)
        content, written = built.write_here(sheets.build(data))
        return filename(t, data.period_code), content, written
    finally:
        await db.stop(engine)


async def workbook_bytes(scope: str, code: str | None, period_code: str | None, today: dt.date) -> tuple[str, bytes]:
    """(filename, bytes) of the workbook for national, a region or a CCG. No access check: callers
    decide who receives it. Without a period: the latest period whose due date has passed on `today`
    (the caller's `settings.current_date()`: nothing here reads the environment)."""
    return await build_workbook(await target(scope, code), period_code, today)


async def csv_bytes(t: Target, table: str, period_code: str | None, today: dt.date) -> tuple[str, bytes]:
    if table not in sheets.CSV_TABLES:
        raise NotFoundException(f"There is no table called {table}")

    async def build() -> tuple[str, bytes]:
        data = await gather(t, period_code, today)
        book = sheets.build(data, only=table)
        content = await asyncio.to_thread(csvfile.write, book.sheet(table))
        return filename(t, data.period_code, "csv", table), content

    return await kept.kept(await _asked(f"csv:{table}", t, period_code, today), build)


async def export_file(
    scope: str, code: str | None, period_code: str | None, today: dt.date, table: str | None = None
) -> tuple[str, bytes]:
    """The CLI's export: the workbook, or one table as CSV when `table` is given."""
    found = await target(scope, code)
    if table:
        return await csv_bytes(found, table, period_code, today)
    return await build_workbook(found, period_code, today)

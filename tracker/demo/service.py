"""Loading the demo: the real organisation files, the catalogue, periods, a synthetic history of
returns and one account per role. Deterministic for a given seed and date."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker import db
from tracker.accounts import service as accounts
from tracker.accounts import users_service
from tracker.accounts.passwords import hash_password
from tracker.accounts.principal import Role
from tracker.demo import history
from tracker.feeds import service as feeds
from tracker.figures import rules
from tracker.indicators import service as indicators
from tracker.organisations import import_service, listsize_import_service
from tracker.organisations import service as organisations
from tracker.organisations.listsize_import_service import ChangeSummary
from tracker.periods import service as periods
from tracker.periods.calculations import PeriodSpec, programme_periods
from tracker.returns import bulk_service as bulk_returns

DEMO_PASSWORD = "paperless-demo-2018"  # noqa: S105 (printed at start-up; demo accounts exist only in demo mode)
DEMO_TODAY = dt.date(2018, 4, 20)
DEFAULT_SEED = 2018
SHARED_DATA = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "data"
ODS_FILE = "epraccur.csv"
# Older editions first is not required (each edition is dated by its contents), but it is the
# order they were published in.
ODS_HISTORY = ("ods/epraccur-2015-07.csv", "ods/epraccur-2017-04.csv", ODS_FILE)
CCG_FILE = "ods/eccg.csv"
MEMBERSHIP_FILE = "ods/epcmem.csv"
LIST_SIZE_FILE = "gp-reg-pat-prac-all.csv"
# NHSBSA registered patients per quarter, 2013-2016 (the quarter is in each file's name).
LIST_SIZE_QUARTERS = "list-sizes"
LIST_SIZE_PATTERN = "Patient_List_Size_*.csv"
# National feeds of the era, each imported by its own `tracker import` service as published.
NHS_CHOICES_FILE = "feeds/nhs-choices-gp-2016-02.csv"
NHS_CHOICES_MONTH = dt.date(2016, 2, 1)
POMI_FILE = "feeds/pomi_1819-apr2018_to_sep2018.zip"
GP2GP_FILE = "feeds/gp2gp-requestor-transfers-2019.csv"
GP2GP_YEAR = 2019
FEED_FILES = (NHS_CHOICES_FILE, POMI_FILE, GP2GP_FILE)

# (role, email, name, organisation code)
DEMO_ACCOUNTS: tuple[tuple[Role, str, str, str], ...] = (
    (Role.PRACTICE, "practice@demo.paperless-tracker.test", "Pat Manager", "A81001"),
    (Role.CCG, "ccg@demo.paperless-tracker.test", "Chris Lead", "00K"),
    (Role.REGION, "region@demo.paperless-tracker.test", "Robin Analyst", "Y63"),
    (Role.NATIONAL, "national@demo.paperless-tracker.test", "Nat Programme", ""),
    (Role.ADMIN, "admin@demo.paperless-tracker.test", "Alex Admin", ""),
)

# Features that seed demo data of their own add "module:function" here; each is called as
# `await function(today, seed)` after the returns history exists.
FEATURE_STEPS: tuple[str, ...] = (
    "tracker.maturity.demo:seed",
    "tracker.funding.demo:seed",
    "tracker.notifications.demo:seed",  # last: its reports read the others' data
)


@dataclass
class DemoSummary:
    lines: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


async def is_loaded() -> bool:
    return bool((await organisations.counts()).practices_by_status)


def step_count(data_dir: Path) -> int:
    """How many `step`s `load_demo` takes with these files, for a progress bar."""
    optional = (*ODS_HISTORY[:-1], CCG_FILE, MEMBERSHIP_FILE, *FEED_FILES)
    return (
        8
        + len(FEATURE_STEPS)
        + sum((data_dir / name).is_file() for name in optional)
        + len(list_size_quarters(data_dir))
    )


def list_size_quarters(data_dir: Path) -> list[Path]:
    """The NHSBSA quarterly files present, oldest first (the file names sort by quarter)."""
    folder = data_dir / LIST_SIZE_QUARTERS
    return sorted(folder.glob(LIST_SIZE_PATTERN)) if folder.is_dir() else []


def _feed_importers() -> tuple[tuple[str, Callable[[bytes], Awaitable[ChangeSummary]]], ...]:
    return (
        (NHS_CHOICES_FILE, functools.partial(feeds.import_nhs_choices, month=NHS_CHOICES_MONTH, actor="demo")),
        (POMI_FILE, functools.partial(feeds.import_pomi, actor="demo")),
        (GP2GP_FILE, functools.partial(feeds.import_gp2gp, year=GP2GP_YEAR, actor="demo")),
    )


async def load_real_data(
    data_dir: Path, step: Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]]
) -> list[str]:
    """The real files of the era, imported by the same services as `tracker import`: the ODS
    editions, CCG names, memberships, the list sizes of January 2021, every NHSBSA quarter and the
    national feeds. Returns the import summaries' lines."""
    lines: list[str] = []
    for name in ODS_HISTORY[:-1]:
        if (data_dir / name).is_file():
            await step(
                f"import {name}",
                functools.partial(import_service.import_ods, (data_dir / name).read_bytes(), actor="demo"),
            )
    ods = await step("import ODS", lambda: import_service.import_ods((data_dir / ODS_FILE).read_bytes(), actor="demo"))
    for name, importer in (
        (CCG_FILE, import_service.import_ccgs),
        (MEMBERSHIP_FILE, import_service.import_memberships),
    ):
        if (data_dir / name).is_file():
            done = await step(
                f"import {name}", functools.partial(importer, (data_dir / name).read_bytes(), actor="demo")
            )
            lines += done.lines()
    sizes = await step(
        "import list sizes",
        lambda: import_service.import_list_sizes((data_dir / LIST_SIZE_FILE).read_bytes(), actor="demo"),
    )
    lines += ods.lines() + sizes.lines()
    for path in list_size_quarters(data_dir):
        quarter = await step(
            f"import {LIST_SIZE_QUARTERS}/{path.name}",
            functools.partial(
                listsize_import_service.import_nhsbsa_list_sizes, path.read_bytes(), file_name=path.name, actor="demo"
            ),
        )
        lines += _brief(quarter, f"{path.name}")
    for name, feed_import in _feed_importers():
        if (data_dir / name).is_file():
            done = await step(f"import {name}", functools.partial(feed_import, (data_dir / name).read_bytes()))
            lines += _brief(done, name)
    return lines


def _brief(summary: ChangeSummary, name: str) -> list[str]:
    """An import's summary for the demo's closing report: its heading and its facts."""
    return [f"{name}: {summary.lines()[0]}", *(f"  {k}: {v}" for k, v in summary.facts.items())]


async def load_demo(
    data_dir: Path = SHARED_DATA,
    today: dt.date = DEMO_TODAY,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str, float | None], None] | None = None,
) -> DemoSummary:
    """Load the demo; `progress(step, None)` is called as each step starts, `(step, seconds)` as it ends."""
    summary = DemoSummary()

    async def step(name: str, work: Callable[[], Awaitable[Any]]) -> Any:
        if progress:
            progress(name, None)
        started = time.perf_counter()
        result = await work()
        summary.timings[name] = time.perf_counter() - started
        if progress:
            progress(name, summary.timings[name])
        return result

    summary.lines += await load_real_data(data_dir, step)
    await step("indicator catalogue", indicators.load)
    await step("periods", periods.ensure_periods)
    await step("clinical systems", lambda: assign_clinical_systems(seed))
    counts = await step("returns history", lambda: generate_history(today, seed))
    summary.lines.append(f"Returns: {counts['returns']:,}; values: {counts['values']:,}")
    await step("demo accounts", create_demo_accounts)
    for target in FEATURE_STEPS:
        module, _, function = target.partition(":")
        seeder: Callable[[dt.date, int], Awaitable[Any]] = getattr(importlib.import_module(module), function)
        await step(target, functools.partial(seeder, today, seed))
    # Fresh statistics after a bulk load, so that the query planner picks the right indexes.
    await step("analyze", lambda: db.engine().run_ddl("ANALYZE"))
    return summary


async def assign_clinical_systems(seed: int) -> None:
    by_system: dict[str, list[int]] = {}
    for p in await organisations.practices_listed():
        name, _ = history.clinical_system(p.ods_code, p.ccg_code or "")
        by_system.setdefault(name, []).append(p.id)
    await organisations.set_clinical_systems(by_system)


async def _practices_of_the_programme() -> list[organisations.PracticeListed]:
    """Practices open now, and those that closed with a known date (they sent returns until then)."""
    return [p for p in await organisations.practices_listed() if p.status == "A" or p.close_date is not None]


async def generate_history(today: dt.date, seed: int) -> dict[str, int]:
    specs: list[PeriodSpec] = [p for p in programme_periods() if p.opens_on <= today]
    period_ids = {r["code"]: r["id"] for r in await periods.all_periods()}
    indicator_rows = await indicators.active_indicators()
    units = {i.code: i.unit for i in indicator_rows}
    indicator_ids = await indicators.indicator_ids()
    system_effects = {name: effect for name, _, effect in history.SYSTEMS}
    practices = await _practices_of_the_programme()
    # The national feeds' values, so that self-reported values agree with them (mostly).
    feed_of: dict[tuple[int, str], dict[str, float]] = {}
    for spec in specs:
        for row in await feeds.feed_values(None, spec.code):
            feed_of.setdefault((row.practice_id, spec.code), {}).setdefault(row.indicator_code, row.value)

    return_rows: list[bulk_returns.NewReturn] = []
    planned: list[tuple[int, str, history.PracticeProfile, list[history.Term], int, str]] = []
    for pr in practices:
        profile = history.profile(
            pr.ods_code, pr.ccg_code or "", system_effects.get(pr.clinical_system, 0.0), pr.patients or 0, seed
        )
        terms = history.terms_of(profile, units)
        for t, spec in enumerate(specs):
            if not rules.open_during(pr.open_date, pr.close_date, spec.start_date, spec.end_date):
                continue
            plan = history.plan_return(profile, spec, today, seed)
            if plan.state is None:
                continue
            created = plan.submitted_at or dt.datetime.combine(spec.opens_on, dt.time(9), dt.UTC)
            updated = plan.reviewed_at or created
            return_rows.append(
                bulk_returns.NewReturn(
                    pr.id,
                    period_ids[spec.code],
                    plan.state,
                    1,
                    created,
                    updated,
                    plan.submitted_at,
                    plan.submitted_at,
                    plan.reviewed_at,
                    "Please check the e-Referral figure: it is lower than last quarter."
                    if plan.state == "returned"
                    else "",
                )
            )
            planned.append((pr.id, spec.code, profile, terms, t, plan.state))

    async with db.write_transaction():
        await bulk_returns.insert_returns(return_rows)
        ids = await bulk_returns.return_ids()
        value_rows: list[bulk_returns.NewValue] = []
        for practice_id, period_code, profile, terms, t, state in planned:
            return_id = ids[(practice_id, period_ids[period_code])]
            values = history.beside_feeds(
                history.values_of_terms(profile, terms, t, seed),
                feed_of.get((practice_id, period_code), {}),
                units,
                profile.code,
                t,
                seed,
            )
            codes = list(values)
            if state == "draft":
                codes = codes[: len(codes) // 2]  # a draft is half filled in
            for code in codes:
                value = values[code]
                numerator = denominator = None
                if code == "PO_REG_PCT" and profile.list_size:
                    denominator = profile.list_size
                    numerator = round(value * denominator / 100)
                value_rows.append((return_id, indicator_ids[code], value, numerator, denominator, ""))
            if len(value_rows) >= 200_000:
                await bulk_returns.insert_values(value_rows)
                value_rows = []
        await bulk_returns.insert_values(value_rows)
    return {"returns": len(return_rows), "values": await bulk_returns.value_count()}


async def create_demo_accounts() -> None:
    password_hash = await hash_password(DEMO_PASSWORD)
    for role, email, name, org in DEMO_ACCOUNTS:
        if await users_service.email_in_use(email):
            continue
        await accounts.create_account(
            email=email, role=role, name=name, org_code=org, password_hash=password_hash, demo=True
        )

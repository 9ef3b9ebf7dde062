"""Demo funding for 2014-16, deterministic for a seed: the real streams, fair shares by CCG with
gainers and losers, transition awards, capital bids, forecasts, a reallocation (one applied, one
previewed) and awards to practices linked to the indicators they were meant to move.

The published list-size file is from 2021; the demo adds April 2014 and April 2015 snapshots
derived from it (each practice's 2021 list scaled to the national totals of the time, about
56.8m and 57.4m, with a small per-practice drift), so that each year's fair share uses that
year's April snapshot as the operating model did. Runs use the register basis (the practice's
CCG of the time), because the 2021 file's CCG codes are post-merger.
"""

from __future__ import annotations

import datetime as dt
import random

from tracker import db
from tracker.funding import applications_service, awards_service, reallocation_service, service
from tracker.funding.awards_service import AwardInput
from tracker.funding.calculations import ReallocationPolicy
from tracker.funding.service import Actor
from tracker.funding.streams import ensure_standard_streams
from tracker.indicators import service as indicators
from tracker.organisations import listsize_import_service as list_sizes
from tracker.organisations import service as organisations

POUND = 100
ACTOR = Actor(label="demo")
SNAPSHOTS = ((dt.date(2014, 4, 1), 56_800_000), (dt.date(2015, 4, 1), 57_400_000))

# (purpose, indicators it should move, stream, low £, high £)
PURPOSES: tuple[tuple[str, tuple[str, ...], str, int, int], ...] = (
    ("Scanning and digitising Lloyd George records", ("LG_DIGITISED_PCT",), "GPIT_CAPITAL", 8_000, 40_000),
    ("Patient and staff Wi-Fi", ("WIFI_LIVE",), "GPIT_CAPITAL", 2_000, 9_000),
    ("EPS release 2 hardware, smartcards and training", ("EPS_LIVE", "EPS_UTIL_PCT"), "GPIT_REVENUE", 1_500, 7_000),
    ("Promoting Patient Online registration", ("PO_REG_PCT", "PO_DCR_ENABLED"), "GPIT_REVENUE", 1_000, 5_000),
    ("e-Referral Service training and workflow", ("ERS_UTIL_PCT",), "GPIT_REVENUE", 1_000, 6_000),
    ("Electronic repeat dispensing set-up", ("ERD_PCT",), "GPIT_REVENUE", 800, 4_000),
)

BIDS: tuple[tuple[str, str, str], ...] = (
    (
        "CCG-wide records scanning programme",
        "Digitise paper records to free space and support paperless working",
        "LG_DIGITISED_PCT",
    ),
    ("Practice Wi-Fi roll-out", "NHS Wi-Fi for patients and staff in every practice", "WIFI_LIVE"),
    ("Hardware refresh for EPS and e-RS", "Replace end-of-life PCs and add smartcard readers", "EPS_LIVE,ERS_UTIL_PCT"),
    ("Shared care record integration", "Connect practices to the local shared care record", "SCR_PCT,EDISCHARGE_PCT"),
)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))  # noqa: S311 (demo data, not security)


async def seed(today: dt.date, seed: int) -> None:
    await ensure_standard_streams(ACTOR)
    await _historic_snapshots(seed)
    _, by_id = await organisations.org_names()
    ccgs = {r.code: r for r in sorted(by_id.values(), key=lambda r: r.code)}
    # Fair shares: 2014/15 and 2015/16, each on its April snapshot, about £140m a year.
    for (snapshot, _), year in zip(SNAPSHOTS, ("2014/15", "2015/16"), strict=True):
        plan = await service.plan_allocation(
            pot_pence=140_000_000 * POUND,
            stream_code="GPIT_REVENUE",
            financial_year=year,
            snapshot=snapshot,
            basis="register",
        )
        run_id = await service.save_plan(plan, ACTOR, note=f"Securing Excellence in GP IT Services: {year} fair shares")
        await service.approve_run(run_id, ACTOR)
    # A preview nobody has approved yet: the online consultation fund's first year.
    plan = await service.plan_allocation(
        pot_pence=15_000_000 * POUND, stream_code="ONLINE_CONSULTATION", financial_year="2017/18", basis="register"
    )
    await service.save_plan(plan, ACTOR, note="Online consultation fund 2017/18 (draft for discussion)")
    await _transition(ccgs, seed)
    await _capital_bids(ccgs, seed)
    await _forecasts_and_reallocation(ccgs, seed)
    await _awards(today, seed)


async def _historic_snapshots(seed: int) -> None:
    history = await organisations.list_size_history()
    existing = {day for snapshots in history.values() for day, _ in snapshots}
    if not existing:
        return
    newest = max(existing)
    sizes = {practice: n for practice, snapshots in history.items() for day, n in snapshots if day == newest}
    _, ccgs = await organisations.org_names()
    practices = {p.id: p for p in await organisations.practices_today() if p.id in sizes}
    total = sum(sizes.values()) or 1
    for snapshot, national in SNAPSHOTS:
        if snapshot in existing:
            continue
        rows = []
        for practice_id, patients in sizes.items():
            p = practices[practice_id]
            if p.open_date is not None and p.open_date > snapshot:
                continue
            drift = _rng(seed, "list", p.ods_code, snapshot.year).uniform(-0.04, 0.04)
            ccg_code = ccgs[p.ccg_id].code if p.ccg_id in ccgs else ""
            size = round(patients * national / total * (1 + drift))
            rows.append((practice_id, list_sizes.PublishedSize(p.ods_code, ccg_code, size)))
        async with db.write_transaction():
            await list_sizes.store_list_sizes(snapshot, rows, list_sizes.ChangeSummary("demo list sizes"))


async def _transition(ccgs: dict[str, organisations.CcgName], seed: int) -> None:
    applicants = [code for code in ccgs if _rng(seed, "transition", code).random() < 0.15]
    for year_no, year in ((1, "2014/15"), (2, "2015/16")):
        for code in applicants:
            rng = _rng(seed, "transition", code, year)
            fair = await applications_service.fair_share_of(ccgs[code].id, year)
            if fair <= 0:
                continue
            committed = int(fair * rng.uniform(1.15, 1.70))
            requested = int((committed - fair) * rng.uniform(0.9, 1.1)) // POUND * POUND
            await applications_service.apply_for_transition(
                ccg_id=ccgs[code].id,
                stream_code="GPIT_TRANSITION",
                financial_year=year,
                committed_pence=committed,
                requested_pence=max(requested, POUND),
                actor=ACTOR,
            )
        await applications_service.award_transition(
            "GPIT_TRANSITION", year, 10_000_000 * POUND, year=year_no, taper_pct=50.0, actor=ACTOR
        )


async def _capital_bids(ccgs: dict[str, organisations.CcgName], seed: int) -> None:
    for code, ccg in ccgs.items():
        rng = _rng(seed, "bid", code)
        if rng.random() > 0.35:
            continue
        title, purpose, indicators = BIDS[rng.randrange(len(BIDS))]
        amount = rng.randrange(150, 1_200) * 1_000 * POUND
        bid_id = await applications_service.submit_bid(
            ccg_id=ccg.id,
            stream_code="GPIT_CAPITAL",
            financial_year="2014/15",
            title=title,
            purpose=purpose,
            indicator_codes=indicators.split(","),
            amount_pence=amount,
            actor=ACTOR,
        )
        roll = rng.random()
        if roll < 0.15:
            continue  # still awaiting a decision
        approved = 0 if roll < 0.25 else (amount if roll < 0.7 else amount * rng.randrange(40, 90) // 100)
        note = "Not enough detail on benefits" if approved == 0 else ("" if approved == amount else "Phase one only")
        await applications_service.decide_bid(bid_id, approved, note, ACTOR)


async def _forecasts_and_reallocation(ccgs: dict[str, organisations.CcgName], seed: int) -> None:
    stream_ids = await service.stream_codes()
    budgets = {
        b.ccg_id: b
        for b in await service.budgets()
        if b.financial_year == "2015/16" and b.stream_id == stream_ids["GPIT_REVENUE"]
    }
    for code, ccg in ccgs.items():
        b = budgets.get(ccg.id)
        if b is None:
            continue
        rng = _rng(seed, "forecast", code)
        for quarter in (1, 2):
            factor = rng.uniform(0.80, 1.08) if quarter == 2 else rng.uniform(0.92, 1.03)
            await reallocation_service.enter_forecast(
                ccg_id=ccg.id,
                stream_code="GPIT_REVENUE",
                financial_year="2015/16",
                quarter=quarter,
                outturn_pence=int(b.budget_pence * factor),
                note="",
                actor=ACTOR,
            )
    applied = await reallocation_service.preview_scenario(
        stream_code="GPIT_REVENUE",
        financial_year="2015/16",
        quarter=2,
        policy=ReallocationPolicy(threshold_pct=10.0, recover_pct=100.0, recipients="pressure_or_bids"),
        reason="Mid-year review 2015/16: underspend forecast above 10% recovered for CCGs under pressure",
        actor=ACTOR,
    )
    await reallocation_service.apply_scenario(applied, ACTOR)
    await reallocation_service.preview_scenario(
        stream_code="GPIT_REVENUE",
        financial_year="2015/16",
        quarter=2,
        policy=ReallocationPolicy(threshold_pct=5.0, recover_pct=50.0, recipients="pressure"),
        reason="Option for discussion: recover half of any underspend above 5%",
        actor=ACTOR,
    )


async def _awards(today: dt.date, seed: int) -> None:
    practices = sorted((p for p in await organisations.practices_today() if p.status == "A"), key=lambda p: p.ods_code)
    streams = await service.stream_codes()
    indicator_ids = await indicators.indicator_ids()
    by_ccg: dict[int, list[AwardInput]] = {}
    start = dt.date(2014, 7, 1)
    for p in practices:
        if p.ccg_id is None:
            continue
        rng = _rng(seed, "award", p.ods_code)
        if p.ods_code != "A81001" and rng.random() > 0.18:
            continue
        for _ in range(1 if rng.random() < 0.75 else 2):
            purpose, codes, stream, low, high = PURPOSES[rng.randrange(len(PURPOSES))]
            award_date = start + dt.timedelta(days=rng.randrange(0, 640))
            if award_date > today or (p.open_date is not None and p.open_date > award_date):
                continue
            by_ccg.setdefault(p.ccg_id, []).append(
                AwardInput(
                    practice_id=p.id,
                    practice_code=p.ods_code,
                    award_date=award_date,
                    amount_pence=rng.randrange(low, high) * POUND,
                    stream_id=streams[stream],
                    purpose=purpose,
                    indicator_ids=tuple(indicator_ids[c] for c in codes if c in indicator_ids),
                )
            )
    for ccg_id, awards in by_ccg.items():
        await awards_service.record(awards, ccg_id, ACTOR, upload_ref="demo")

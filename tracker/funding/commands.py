"""`tracker funding allocate`: a fair-share run for analysts, printed as CSV.

    tracker funding allocate --pot "£140,000,000" [--snapshot 2021-01-01] [--stream GPIT_REVENUE]
                             [--year 2014/15] [--basis snapshot|register] [--age-bands] [--apply]

Prints `ccg_code,patients,amount` (amount in pounds with two decimals; the amounts sum exactly
to the pot). Without --apply nothing is written; with --apply the run is recorded and approved
(superseding the stream's approved run for that year). Messages go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from typing import Any

from tracker.funding import service
from tracker.funding.calculations import FundingError, financial_year_of, parse_pounds, pounds_text
from tracker.funding.streams import DEFAULT_STREAM, ensure_standard_streams
from tracker.settings import Settings


async def _allocate(args: argparse.Namespace, settings: Settings) -> int:
    try:
        pot = parse_pounds(args.pot, field="Pot")
        snapshot = dt.date.fromisoformat(args.snapshot) if args.snapshot else None
    except (FundingError, ValueError) as exc:
        print(f"Refused, nothing was written: {exc}", file=sys.stderr)
        return 1
    if args.stream is None:
        await ensure_standard_streams()
    year = args.year or financial_year_of(settings.current_date())
    try:
        plan = await service.plan_allocation(
            pot_pence=pot,
            stream_code=args.stream or DEFAULT_STREAM,
            financial_year=year,
            snapshot=snapshot,
            basis=args.basis,
            age_bands=getattr(args, "age_bands", False),
        )
    except FundingError as exc:
        print(f"Refused, nothing was written: {exc}", file=sys.stderr)
        return 1
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["ccg_code", "patients", "amount"])
    for line in plan.lines:
        out.writerow([line.ccg_code, line.patients, pounds_text(line.amount_pence)])
    print(
        f"{plan.stream_name} {plan.financial_year}: £{pounds_text(plan.pot_pence)} between {len(plan.lines)} CCGs, "
        f"{plan.total_patients:,} patients on the {plan.snapshot_date.isoformat()} snapshot (basis: {plan.basis}; "
        f"weighting: {plan.weighting}); amounts in pounds.\n{plan.snapshot_note[0].upper()}{plan.snapshot_note[1:]}.",
        file=sys.stderr,
    )
    if plan.unknown_codes:
        print(
            f"{len(plan.unknown_codes)} CCG codes on the snapshot are not in the organisation register: "
            + ", ".join(plan.unknown_codes),
            file=sys.stderr,
        )
    if args.apply:
        actor = service.Actor(label="cli")
        run_id = await service.save_plan(plan, actor, note="tracker funding allocate --apply")
        await service.approve_run(run_id, actor)
        print(f"Recorded and approved as run {run_id}.", file=sys.stderr)
    else:
        print("Preview only: nothing was written (add --apply to record and approve it).", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("funding", help="funding: fair-share allocation runs")
    actions = p.add_subparsers(dest="funding_action", required=True, metavar="ACTION")
    a = actions.add_parser("allocate", help="divide a pot between CCGs by registered patients (CSV to stdout)")
    a.add_argument("--pot", required=True, help="the pot in pounds, e.g. 140000000 or £140,000,000")
    a.add_argument(
        "--snapshot",
        help="list-size snapshot date YYYY-MM-DD (default: the financial year's April snapshot, or the nearest held)",
    )
    a.add_argument(
        "--age-bands",
        action="store_true",
        help="weight CCGs by their patients' NHSBSA age bands (fixtures/age_band_weights.toml; default: no weighting)",
    )
    a.add_argument("--stream", help=f"funding stream code or name (default: {DEFAULT_STREAM})")
    a.add_argument("--year", help="financial year, e.g. 2014/15 (default: the current one)")
    a.add_argument(
        "--basis", choices=service.BASES, default="snapshot", help="CCG as on the snapshot, or as in the register"
    )
    a.add_argument("--apply", action="store_true", help="record and approve the run")
    a.set_defaults(handler=_allocate)


async def status(settings: Settings) -> dict[str, Any]:
    return {"funding": {"streams": len(await service.streams()), "runs": len(await service.runs(limit=10_000))}}

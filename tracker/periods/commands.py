"""`tracker periods create|list`: the quarters of any financial year, with due and lock dates."""

from __future__ import annotations

import argparse
from typing import Any

from tracker.ops.commandline import CommandError
from tracker.periods import service
from tracker.periods.calculations import parse_financial_year, year_periods
from tracker.settings import Settings


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    try:
        start = parse_financial_year(args.year)
    except ValueError as exc:
        raise CommandError(str(exc), code=2) from None
    due = settings.period_due_days if args.due_days is None else args.due_days
    lock = settings.period_lock_days if args.lock_days is None else args.lock_days
    if due < 0 or lock < 0:
        raise CommandError("--due-days and --lock-days must not be negative", code=2)
    result = await service.create_periods(year_periods(start, due, lock), apply=not args.dry_run)
    for dates, is_new in result:
        state = ("would create" if args.dry_run else "created") if is_new else "exists, kept"
        print(
            f"{dates.spec.code}  {dates.spec.start_date} to {dates.spec.end_date}  "
            f"opens {dates.opens_on}  due {dates.due_on}  locks {dates.locks_on}  {state}"
        )
    made = sum(1 for _, is_new in result if is_new)
    print(f"{made} period(s) {'to create' if args.dry_run else 'created'}, {len(result) - made} already there.")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    rows = await service.all_periods()
    for r in rows:
        print(f"{r['code']}  opens {r['opens_on']}  due {r['due_on']}  locks {r['locks_on']}")
    print(f"{len(rows)} periods")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("periods", help="create or list reporting periods")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = actions.add_parser("create", help="create the four quarters of a financial year")
    c.add_argument("year", help="the financial year, like 2019/20")
    c.add_argument("--due-days", type=int, default=None, help="days after a quarter ends that its return is due")
    c.add_argument("--lock-days", type=int, default=None, help="days after the due date that the period locks")
    c.add_argument("--dry-run", action="store_true", help="show the periods and dates, create nothing")
    c.set_defaults(handler=_create)
    c = actions.add_parser("list", help="every period with its dates")
    c.set_defaults(handler=_list)

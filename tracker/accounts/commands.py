"""`tracker users create`: the first administrator, and any account from the command line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from tracker.accounts import service
from tracker.accounts.passwords import password_problem
from tracker.accounts.principal import Role
from tracker.settings import Settings


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    password = os.environ.get("TRACKER_NEW_PASSWORD") or getpass.getpass("Password for the new account: ")
    problem = password_problem(password, args.email)
    if problem:
        print(f"tracker: {problem}", file=sys.stderr)
        return 2
    try:
        account_id = await service.create_account(
            email=args.email, role=Role(args.role), password=password, name=args.name, org_code=args.org or ""
        )
    except service.AccountError as exc:
        print(f"tracker: {exc}", file=sys.stderr)
        return 2
    print(f"Created account {account_id} for {args.email} ({args.role})")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("users", help="manage accounts")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = actions.add_parser("create", help="create an account (password from TRACKER_NEW_PASSWORD or a prompt)")
    c.add_argument("--email", required=True)
    c.add_argument("--role", required=True, choices=[r.value for r in Role])
    c.add_argument("--org", help="practice ODS code(s, comma-separated), CCG code or region code")
    c.add_argument("--name", default="")
    c.set_defaults(handler=_create)

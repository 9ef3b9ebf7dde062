"""The `tracker` command. Each subcommand parses its arguments and calls one service function.

Features add their own subcommands in `tracker/<feature>/commands.py` (a `register(subparsers)`
function, and optionally `async def status() -> dict` for `tracker status`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import secrets
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from tracker import db
from tracker.settings import Settings, SettingsError

COMMAND_MODULES = (
    "tracker.organisations.commands",
    "tracker.accounts.commands",
    "tracker.demo.commands",
    "tracker.returns.commands",
    "tracker.maturity.commands",
    "tracker.funding.commands",
    "tracker.exports.commands",
    "tracker.notifications.commands",
)

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def run_async(handler: Handler, args: argparse.Namespace, settings: Settings) -> int:
    async def main() -> int:
        engine = db.configure(settings)
        await db.start(engine)
        try:
            return await handler(args, settings)
        finally:
            await db.stop(engine)

    return asyncio.run(main())


async def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    await db.migrate()
    return 0


async def _status(args: argparse.Namespace, settings: Settings) -> int:
    report: dict[str, Any] = {"database": "postgresql" if settings.uses_postgres else f"sqlite:{settings.sqlite_path}"}
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        status = getattr(module, "status", None)
        if status is not None:
            report.update(await status(settings))
    print(json.dumps(report, indent=2, default=str))
    return 0


def _secret_key(settings: Settings) -> str:
    """A key kept in the data folder, so that every worker and every restart shares it."""
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if "TRACKER_SECRET_KEY" not in os.environ:
        os.environ["TRACKER_SECRET_KEY"] = _secret_key(settings)
    if settings.workers > 1 and not settings.uses_postgres:
        print("Several workers need PostgreSQL (TRACKER_DATABASE_URL); serving with one.", file=sys.stderr)
    workers = settings.workers if settings.uses_postgres else 1
    if settings.demo:
        asyncio.run(_print_demo_accounts(settings))
    print(f"The Paperless Tracker is at http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(
        "tracker.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="warning",
        proxy_headers=False,
    )
    return 0


async def _print_demo_accounts(settings: Settings) -> None:
    from tracker.demo.service import DEMO_PASSWORD

    engine = db.configure(settings)
    await db.start(engine)
    try:
        from tracker.accounts.service import demo_accounts

        accounts = await demo_accounts()
    finally:
        await db.stop(engine)
    if accounts:
        print(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for a in accounts:
            print(f"  {a['role']:<9} {a['email']:<40} {a['name']}")
        print()


def _settings_doc(args: argparse.Namespace, settings: Settings) -> int:
    for name, default, doc in Settings.documented():
        print(f"{name:<34} {default!s:<28} {doc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracker", description="The Paperless Tracker")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("serve", help="serve the web application")
    p.set_defaults(sync_handler=_serve)
    p = sub.add_parser("migrate", help="bring the database schema up to date")
    p.set_defaults(handler=_migrate)
    p = sub.add_parser("status", help="print counts and job states as JSON")
    p.set_defaults(handler=_status)
    p = sub.add_parser("settings", help="list every TRACKER_ setting with its default")
    p.set_defaults(sync_handler=_settings_doc)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        print(f"tracker: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "sync_handler", None):
        return int(args.sync_handler(args, settings))
    return run_async(args.handler, args, settings)


if __name__ == "__main__":
    raise SystemExit(main())

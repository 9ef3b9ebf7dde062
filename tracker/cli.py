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
import traceback
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn

from tracker import db
from tracker.ops.commandline import NOT_MIGRATED, CommandError, describe
from tracker.ops.logs import configure_logging
from tracker.settings import Settings, SettingsError, mask_url

COMMAND_MODULES = (
    "tracker.organisations.commands",
    "tracker.accounts.commands",
    "tracker.indicators.commands",
    "tracker.periods.commands",
    "tracker.demo.commands",
    "tracker.returns.commands",
    "tracker.maturity.commands",
    "tracker.funding.commands",
    "tracker.exports.commands",
    "tracker.notifications.commands",
)

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def run_async(handler: Handler, args: argparse.Namespace, settings: Settings, *, needs_schema: bool = True) -> int:
    async def main() -> int:
        engine = db.configure(settings)
        try:
            await db.start(engine)
            if needs_schema:
                await _require_schema()
        except CommandError:
            raise
        except Exception as exc:
            raise CommandError(f"{describe(exc)} ({_where(settings)})") from exc
        try:
            return await handler(args, settings)
        finally:
            await db.stop(engine)

    return asyncio.run(main())


def _where(settings: Settings) -> str:
    return mask_url(settings.database_url) if settings.uses_postgres else f"SQLite file {settings.sqlite_path}"


async def _require_schema() -> None:
    from tracker.ops.service import migration_state

    state = await migration_state()
    if not state.migrated:
        raise CommandError(NOT_MIGRATED)
    if state.pending:
        raise CommandError(f"the database misses {len(state.pending)} migration(s): run `tracker migrate` first")


async def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    try:
        await db.migrate()
    except Exception as exc:
        raise CommandError(f"a migration failed, nothing after it ran: {type(exc).__name__}: {exc}") from exc
    from tracker.ops.service import migration_state

    state = await migration_state()
    print(f"The database schema is up to date ({state.applied} migrations applied).")
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


KEEP_ALIVE_SECONDS = 75


def uvicorn_options(settings: Settings, workers: int) -> dict[str, Any]:
    """How `tracker serve` runs uvicorn."""
    return {
        "host": settings.host,
        "port": settings.port,
        "workers": workers,
        "log_level": settings.log_level_name.lower(),
        "log_config": None,  # the app configures logging itself (tracker.ops.logs), in every worker
        "access_log": False,  # the app's request log line replaces uvicorn's (it has the user and request id)
        "proxy_headers": bool(settings.trusted_proxy_list),
        "forwarded_allow_ips": settings.trusted_proxy_list or None,
        # Longer than the idle timeout of any client or proxy in front (httpx 5 s, nginx and load
        # balancers 60 s): the side that would reuse an idle connection should be the one to close
        # it. At uvicorn's 5 s the server's close crossed requests just sent on the same connection:
        # 50 API clients saw a few connections reset in 20 s.
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if "TRACKER_SECRET_KEY" not in os.environ:
        os.environ["TRACKER_SECRET_KEY"] = _secret_key(settings)
    requested = settings.workers if args.workers is None else args.workers
    if requested < 1:
        raise CommandError("--workers must be at least 1", code=2)
    if requested > 1 and not settings.uses_postgres:
        print("Several workers need PostgreSQL (TRACKER_DATABASE_URL); serving with one.", file=sys.stderr)
    workers = requested if settings.uses_postgres else 1
    run_async(_nothing, args, settings)  # refuse to serve a database that is unreachable or not migrated
    if settings.demo:
        asyncio.run(_print_demo_accounts(settings))
    if settings.scheduler and workers > 1:
        print(
            f"TRACKER_SCHEDULER is on for {workers} workers: one of them runs the scheduler, the others stand by.",
            file=sys.stderr,
        )
    print(f"The Paperless Tracker is at http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run("tracker.asgi:app", **uvicorn_options(settings, workers))
    return 0


async def _nothing(args: argparse.Namespace, settings: Settings) -> int:
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
    """The value in effect of every setting (secrets masked), marking those not at their default."""
    docs = {name: doc for name, _, doc in Settings.documented()}
    for name, value, default in settings.in_effect():
        if args.docs:
            print(f"{name:<34} {value or '(empty)'}\n    {docs[name]} (default: {default or 'empty'})")
        else:
            marker = " " if value == default or name == "TRACKER_SECRET_KEY" else "*"
            print(f"{marker} {name:<34} {value}")
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from tracker.ops import backup

    copied = backup.backup(settings.sqlite_path, Path(args.file), uses_postgres=settings.uses_postgres)
    print(
        f"Backed up {settings.sqlite_path} to {args.file}: {copied.tables} tables, {copied.rows:,} rows, {copied.bytes:,} bytes"
    )
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from tracker.exports import kept
    from tracker.ops import backup

    copied = backup.restore(
        Path(args.file), settings.sqlite_path, uses_postgres=settings.uses_postgres, replace=args.replace
    )
    # Files kept for the data as it was before may name a token the restored data has again.
    kept.use(kept.folder_in(settings.data_dir))
    kept.forget()
    print(f"Restored {args.file} to {settings.sqlite_path}: {copied.tables} tables, {copied.rows:,} rows")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tracker", description="The Paperless Tracker")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    p = sub.add_parser("serve", help="serve the web application")
    p.add_argument("--workers", type=int, default=None, help="web worker processes (default TRACKER_WORKERS)")
    p.set_defaults(sync_handler=_serve)
    p = sub.add_parser("migrate", help="bring the database schema up to date")
    p.set_defaults(handler=_migrate, needs_schema=False)
    p = sub.add_parser("status", help="print counts and job states as JSON")
    p.set_defaults(handler=_status)
    p = sub.add_parser("settings", help="print every TRACKER_ setting's value in effect (secrets masked)")
    p.add_argument("--docs", action="store_true", help="with each setting's meaning and default")
    p.set_defaults(sync_handler=_settings_doc)
    p = sub.add_parser("backup", help="copy the SQLite database, while it is in use, to a new file")
    p.add_argument("file", help="the backup file to create")
    p.set_defaults(sync_handler=_backup)
    p = sub.add_parser("restore", help="put a backup file in place as the SQLite database (tracker stopped)")
    p.add_argument("file", help="a file made by tracker backup")
    p.add_argument("--replace", action="store_true", help="overwrite the current database")
    p.set_defaults(sync_handler=_restore)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too (with the command's --help named)."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} (see `{self.prog} --help`)", code=2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command: every failure is one line on stderr and a non-zero exit, never a traceback."""
    settings: Settings | None = None
    try:
        args = build_parser().parse_args(argv)
        settings = Settings.from_env(os.environ)
        configure_logging(settings)
        if getattr(args, "sync_handler", None):
            code = int(args.sync_handler(args, settings))
        else:
            code = run_async(args.handler, args, settings, needs_schema=getattr(args, "needs_schema", True))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (`tracker jobs run ... | head`): that is how pipes end, not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if settings is not None and settings.log_level_name == "DEBUG":
            traceback.print_exc()
        print(f"tracker: {describe(exc)}", file=sys.stderr)
        return exc.code if isinstance(exc, CommandError) else (2 if isinstance(exc, SettingsError) else 1)


if __name__ == "__main__":
    raise SystemExit(main())

"""What every `tracker` command shares: one-line errors, argument types, writing to a file or `-`.

`describe(exc)` turns whatever went wrong into one sentence an operator can act on; the CLI
prints it on stderr and exits non-zero, never with a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
from pathlib import Path

from tracker.settings import SettingsError


class CommandError(Exception):
    """A command cannot go on; the message is the one line the operator reads."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


NOT_MIGRATED = "the database has no tracker schema yet: run `tracker migrate` first"


def iso_date(text: str) -> dt.date:
    """An argparse type: a calendar date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it like 2018-04-20") from None


def check_writable(out: str) -> None:
    """Fail before the work, not after it, when an output file could not be written."""
    if out == "-":
        return
    path = Path(out)
    if path.is_dir():
        raise CommandError(f"cannot write {out}: it is a folder")
    if not path.parent.is_dir():
        raise CommandError(f"cannot write {out}: the folder {path.parent} does not exist")


def write_output(out: str, content: bytes) -> str:
    """Write to the file, or to standard output for `-`; says where it went."""
    if out == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return "standard output"
    check_writable(out)
    Path(out).write_bytes(content)
    return out


def _driver_message(exc: BaseException) -> str | None:
    name = type(exc).__name__
    module = type(exc).__module__
    if isinstance(exc, sqlite3.OperationalError) or (module.startswith("piccolo") and "no such table" in str(exc)):
        if "no such table" in str(exc):
            return NOT_MIGRATED
        return f"the SQLite database cannot be used: {exc}"
    if module.startswith("asyncpg"):
        if name == "UndefinedTableError":
            return NOT_MIGRATED
        if name in ("InvalidCatalogNameError", "InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
            return f"cannot use the PostgreSQL database: {exc}"
        if name in ("CannotConnectNowError", "ConnectionDoesNotExistError", "ConnectionFailureError"):
            return f"cannot reach the PostgreSQL database: {exc}"
    return None


def describe(exc: BaseException) -> str:
    """One line, for any exception a command might meet."""
    if isinstance(exc, (CommandError, SettingsError)):
        return str(exc)
    driver = _driver_message(exc)
    if driver:
        return driver
    if isinstance(exc, (ConnectionError, TimeoutError)) or type(exc).__name__ == "gaierror":
        return f"cannot reach the database: {exc or type(exc).__name__}"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or exc}: {exc.filename}"
    if isinstance(exc, OSError) and "connect" in str(exc).lower():
        return f"cannot reach the database: {exc}"
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text} (TRACKER_LOG_LEVEL=DEBUG shows where)"

"""`tracker backup` and `tracker restore` for the embedded SQLite database.

SQLite's online backup API copies a consistent snapshot while the tracker keeps serving (WAL
readers and writers carry on). PostgreSQL has its own tools: pg_dump and pg_restore (README).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from tracker.ops.commandline import CommandError

PG_HINT = (
    'on PostgreSQL use pg_dump --format=custom --file=tracker.dump "$TRACKER_DATABASE_URL" '
    "(and pg_restore to restore; see the README's Production section)"
)


@dataclass(frozen=True)
class Copied:
    tables: int
    rows: int
    bytes: int


def _counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = sum(conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names)  # noqa: S608 (names from the catalogue)
    finally:
        conn.close()
    return len(names), rows


def copy_database(source: Path, target: Path) -> Copied:
    """Copy a live SQLite database into a new file, atomically (a partial copy never has the name)."""
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    tables, rows = _counts(target)
    return Copied(tables, rows, target.stat().st_size)


def backup(source: Path, target: Path, *, uses_postgres: bool) -> Copied:
    if uses_postgres:
        raise CommandError(f"tracker backup copies the SQLite database; {PG_HINT}")
    if not source.is_file():
        raise CommandError(f"there is no SQLite database at {source} to back up")
    if target.exists():
        raise CommandError(f"{target} already exists: name a new file")
    if not target.parent.is_dir():
        raise CommandError(f"cannot write {target}: the folder {target.parent} does not exist")
    return copy_database(source, target)


def restore(backup_file: Path, target: Path, *, uses_postgres: bool, replace: bool) -> Copied:
    if uses_postgres:
        raise CommandError(f"tracker restore writes the SQLite database; {PG_HINT}")
    if not backup_file.is_file():
        raise CommandError(f"no backup file at {backup_file}")
    try:
        _counts(backup_file)
    except sqlite3.DatabaseError:
        raise CommandError(f"{backup_file} is not a SQLite database") from None
    if target.exists() and not replace:
        raise CommandError(f"{target} already exists: stop the tracker and add --replace to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return copy_database(backup_file, target)

"""`tracker backup` then `tracker restore` into a fresh data folder reproduces every table, and
with them every email's attachment (kept in the database)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import ROOT
from tests.ops.cli import run_tracker, tracker_env


def _tables(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}
    finally:
        conn.close()


def _ok(*args: str, env: dict[str, str]) -> str:
    result = run_tracker(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_backup_then_restore_reproduces_every_table(tmp_path):
    live = tracker_env(tmp_path / "live", TRACKER_NEW_PASSWORD="a-long-backup-passphrase-1")
    _ok("migrate", env=live)
    _ok("catalogue", "load", str(ROOT / "fixtures" / "indicators.toml"), "--apply", env=live)
    _ok("periods", "create", "2019/20", env=live)
    _ok("users", "create", "--email", "admin@example.nhs.test", "--role", "admin", env=live)

    # A status report queued with its workbook: the attachment lives in the database, so the backup holds it.
    workbook = b"PK\x03\x04 a workbook's bytes"
    conn = sqlite3.connect(tmp_path / "live" / "tracker.sqlite3")
    with conn:
        conn.execute(
            "INSERT INTO outbox_attachment (sha256, name, content, created_at) VALUES (?, ?, ?, ?)",
            ("ab" * 32, "00K.xlsx", workbook, "2018-04-20 09:00:00+00:00"),
        )
        conn.execute(
            "INSERT INTO outbox_email (idempotency_key, kind, to_address, subject, body_text, body_html,"
            " attachment_name, attachment_path, attachment_sha256, state, attempts, last_error, created_at)"
            " VALUES ('k', 'ccg_report', 'lead@00k.test', 'Report', 'text', '', '00K.xlsx', '', ?, 'queued', 0, '',"
            " '2018-04-20 09:00:00+00:00')",
            ("ab" * 32,),
        )
    conn.close()

    out = _ok("backup", str(tmp_path / "tracker-backup.sqlite3"), env=live)
    assert "Backed up" in out
    again = run_tracker("backup", str(tmp_path / "tracker-backup.sqlite3"), env=live)
    assert again.returncode == 1 and "already exists" in again.stderr  # never overwrites a backup

    fresh = tracker_env(tmp_path / "fresh")
    # A workbook kept for the data there before: the restored data may carry the token it was kept under.
    kept_file = tmp_path / "fresh" / "exports" / "a-key.kept"
    kept_file.parent.mkdir(parents=True)
    kept_file.write_bytes(b"old.xlsx\nold bytes")
    assert "Restored" in _ok("restore", str(tmp_path / "tracker-backup.sqlite3"), env=fresh)
    original, restored = _tables(tmp_path / "live" / "tracker.sqlite3"), _tables(tmp_path / "fresh" / "tracker.sqlite3")
    assert original.keys() == restored.keys() and len(original) > 30
    assert not kept_file.exists()
    for name, rows in original.items():
        assert restored[name] == rows, f"{name} differs after restore"
    assert [bytes(r[3]) for r in restored["outbox_attachment"]] == [workbook]
    assert len(restored["indicator"]) == 16 and len(restored["period"]) == 4 and len(restored["account"]) == 1
    assert "16 active indicators" in _ok("catalogue", "list", env=fresh)  # the restored database works

    refused = run_tracker("restore", str(tmp_path / "tracker-backup.sqlite3"), env=fresh)
    assert refused.returncode == 1 and "--replace" in refused.stderr


def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    env = tracker_env(tmp_path, TRACKER_DATABASE_URL="postgres://tracker@127.0.0.1:1/tracker")
    result = run_tracker("backup", str(tmp_path / "x.sqlite3"), env=env)
    assert result.returncode == 1 and "pg_dump" in result.stderr and len(result.stderr.splitlines()) == 1

"""Every misuse of the command line ends in one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.ops.cli import run_tracker, tracker_env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("migrated")
    result = run_tracker("migrate", env=tracker_env(data))
    assert result.returncode == 0, result.stderr
    return data


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("empty")


# (what an operator did, their arguments, extra environment, which data folder, words the line must have)
MISUSES = [
    ("a command before migrate", ["status"], {}, "empty", "run `tracker migrate` first"),
    ("users before migrate", ["users", "create", "--email", "a@b.nhs.uk", "--role", "admin"], {}, "empty", "migrate"),
    (
        "database unreachable",
        ["status"],
        {"TRACKER_DATABASE_URL": "postgres://tracker:pw@127.0.0.1:1/tracker"},
        "empty",
        "cannot reach the database",
    ),
    ("an impossible date", ["demo", "--as-at", "2018-13-45"], {}, "migrated", "is not a date"),
    (
        "an output folder that does not exist",
        ["export", "national", "--period", "2017/18-Q3", "--out", "/nonexistent/dir/x.xlsx"],
        {},
        "migrated",
        "the folder /nonexistent/dir does not exist",
    ),
    ("an unknown log level", ["serve"], {"TRACKER_LOG_LEVEL": "verbose"}, "migrated", "TRACKER_LOG_LEVEL"),
    ("an unknown log format", ["status"], {"TRACKER_LOG_FORMAT": "xml"}, "migrated", "TRACKER_LOG_FORMAT"),
    ("an SMTP URL that is not SMTP", ["status"], {"TRACKER_SMTP_URL": "http://x"}, "migrated", "TRACKER_SMTP_URL"),
    ("a MySQL database", ["migrate"], {"TRACKER_DATABASE_URL": "mysql://x"}, "empty", "TRACKER_DATABASE_URL"),
    ("a port that is not a number", ["serve"], {"TRACKER_PORT": "eighty"}, "migrated", "TRACKER_PORT"),
    ("an unknown command", ["bogus"], {}, "migrated", "invalid choice"),
    ("a missing argument", ["export"], {}, "migrated", "required"),
    ("an unknown job", ["jobs", "run", "no-such-job"], {}, "migrated", "no job called"),
]


@pytest.mark.parametrize(("case", "args", "extra", "folder", "words"), MISUSES, ids=[m[0] for m in MISUSES])
def test_a_misuse_is_one_line_and_a_non_zero_exit(case, args, extra, folder, words, request):
    data = request.getfixturevalue(folder)
    result = run_tracker(*args, env=tracker_env(data, **extra))
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, f"{case}: exit 0"
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, f"{case}: {len(lines)} lines on stderr:\n{result.stderr}"
    assert lines[0].startswith("tracker: ") and words in lines[0], lines[0]


def test_a_mysql_url_never_falls_back_to_the_sqlite_default(tmp_path):
    run_tracker("migrate", env=tracker_env(tmp_path, TRACKER_DATABASE_URL="mysql://x"))
    assert not (tmp_path / "tracker.sqlite3").exists()


def test_a_sqlite_url_is_honoured(tmp_path):
    target = tmp_path / "elsewhere" / "live.sqlite3"
    result = run_tracker("migrate", env=tracker_env(tmp_path / "data", TRACKER_DATABASE_URL=f"sqlite:///{target}"))
    assert result.returncode == 0, result.stderr
    assert target.exists()
    assert not (tmp_path / "data" / "tracker.sqlite3").exists()


def test_a_reader_that_goes_away_is_no_error(migrated):
    """`tracker jobs list | head -1`: the pipe closes early; no traceback, no 'Exception ignored'."""
    script = f"{sys.executable} -m tracker jobs list | head -1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        env=tracker_env(migrated),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_settings_prints_the_values_in_effect_with_secrets_masked(empty):
    result = run_tracker(
        "settings",
        env=tracker_env(
            empty,
            TRACKER_PORT="9001",
            TRACKER_DATABASE_URL="postgres://tracker:hunter2@db.internal/tracker",
            TRACKER_SMTP_URL="smtp://mailer:pa55@smtp.internal:587",
        ),
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "TRACKER_PORT" in out and "9001" in out
    assert "hunter2" not in out and "pa55" not in out and "s" * 40 not in out
    assert "postgres://tracker:********@db.internal/tracker" in out

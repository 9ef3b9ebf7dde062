"""The pure parts of running the tracker: settings checks, error lines, readiness, catalogue
plans, period dates, log lines."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from dataclasses import replace

import pytest

from tracker.indicators.calculations import plan
from tracker.indicators.catalogue import load_catalogue
from tracker.ops.commandline import NOT_MIGRATED, CommandError, describe, iso_date
from tracker.ops.logs import JsonFormatter, request_line
from tracker.ops.readiness import judge
from tracker.ops.service import Lease, MigrationState
from tracker.periods.calculations import parse_financial_year, year_periods
from tracker.settings import Settings, SettingsError, mask_url

NOW = dt.datetime(2019, 7, 15, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRACKER_DATABASE_URL", "mysql://x"),
        ("TRACKER_DATABASE_URL", "sqlite:///"),
        ("TRACKER_SMTP_URL", "http://x"),
        ("TRACKER_LOG_LEVEL", "verbose"),
        ("TRACKER_LOG_FORMAT", "xml"),
        ("TRACKER_PORT", "70000"),
        ("TRACKER_WORKERS", "0"),
        ("TRACKER_PERIOD_DUE_DAYS", "-1"),
        ("TRACKER_BASE_URL", "tracker.nhs.uk"),
    ],
)
def test_a_setting_the_tracker_could_only_misuse_is_refused_by_name(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_a_sqlite_url_names_the_file_and_proxies_are_a_list():
    s = Settings.from_env(
        {"TRACKER_DATABASE_URL": "sqlite:////srv/tracker/live.sqlite3", "TRACKER_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2"}
    )
    assert str(s.sqlite_path) == "/srv/tracker/live.sqlite3" and not s.uses_postgres
    assert s.trusted_proxy_list == ["10.0.0.1", "10.0.0.2"]
    assert Settings.from_env({"TRACKER_LOG_LEVEL": "debug"}).log_level_name == "DEBUG"


def test_settings_in_effect_mask_every_secret():
    s = Settings.from_env(
        {
            "TRACKER_SECRET_KEY": "k" * 40,
            "TRACKER_DATABASE_URL": "postgresql://app:s3cret@db/tracker",
            "TRACKER_SMTP_URL": "smtps://relay:pw@mail:465",
        }
    )
    shown = dict((name, value) for name, value, _ in s.in_effect())
    assert shown["TRACKER_SECRET_KEY"] == "********"
    assert shown["TRACKER_DATABASE_URL"] == "postgresql://app:********@db/tracker"
    assert shown["TRACKER_SMTP_URL"] == "smtps://relay:********@mail:465"
    assert mask_url("postgres://app@db/tracker") == "postgres://app@db/tracker"


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (CommandError("exactly this"), "exactly this"),
        (sqlite3.OperationalError("no such table: period"), NOT_MIGRATED),
        (ConnectionRefusedError(111, "Connect call failed"), "cannot reach the database"),
        (FileNotFoundError(2, "No such file or directory", "/nope/x.csv"), "/nope/x.csv"),
        (KeyError("surprise"), "KeyError"),
    ],
)
def test_every_error_becomes_one_line(exc, words):
    line = describe(exc)
    assert words in line and "\n" not in line


def test_dates_on_the_command_line():
    assert iso_date("2018-04-20") == dt.date(2018, 4, 20)
    with pytest.raises(Exception, match="not a date"):
        iso_date("2018-13-45")


def _migrations(pending=(), migrated=True):
    return MigrationState(applied=15 - len(pending), pending=tuple(pending), migrated=migrated)


def _lease(age_seconds: float, holder: str = "web-1:42") -> Lease:
    beat = NOW - dt.timedelta(seconds=age_seconds)
    return Lease("scheduler", holder, beat, beat, beat + dt.timedelta(seconds=60))


@pytest.mark.parametrize(
    ("migrations", "lease", "expected", "ready", "reason"),
    [
        (_migrations(), None, False, True, ""),
        (_migrations(migrated=False), None, False, False, "no schema"),
        (_migrations(pending=("2026-11-30T00:10:00:000000",)), None, False, False, "1 migration(s) not applied"),
        (_migrations(), None, True, False, "no scheduler is running"),
        (_migrations(), _lease(10), True, True, ""),
        (_migrations(), _lease(600), True, False, "heartbeat is 600 s old"),
        (_migrations(), _lease(600), False, True, ""),  # not this process's job to schedule
    ],
)
def test_readiness(migrations, lease, expected, ready, reason):
    verdict = judge(migrations, lease, NOW, scheduler_expected=expected, stale_after=dt.timedelta(seconds=180))
    assert verdict.ready is ready and reason in verdict.reason
    assert verdict.as_json()["status"] == ("ready" if ready else "unavailable")


SPECS = load_catalogue()


def _row(spec, **changes):
    row = {"code": spec.code, "active": True, **{k: getattr(spec, k) for k in ("name", "unit", "theme")}}
    from tracker.indicators.calculations import spec_values

    row.update(spec_values(spec))
    row.update(changes)
    return row


def test_an_empty_database_gets_the_whole_catalogue():
    p = plan([], SPECS, {})
    assert len(p.added) == 16 and not p.changed and not p.retired and p.has_changes


def test_a_new_target_is_a_change_and_a_missing_indicator_is_retired_not_deleted():
    rows = [_row(s) for s in SPECS]
    rows[0]["target_value"] = 5.0
    rows.append({**_row(SPECS[1]), "code": "OLD_ONE"})
    p = plan(rows, SPECS, {"OLD_ONE": 120})
    assert [s.code for s, _ in p.changed] == [SPECS[0].code]
    assert p.changed[0][1][0].field == "target_value"
    assert p.retired == ("OLD_ONE",)
    assert any("OLD_ONE: retired (kept, with its 120 recorded values)" in line for line in p.lines())
    assert not p.refused


def test_changing_what_recorded_values_mean_is_refused():
    percent = next(s for s in SPECS if s.unit == "percent")
    rows = [_row(s) for s in SPECS]
    rows[SPECS.index(percent)]["unit"] = "count"
    assert plan(rows, SPECS, {})  # no values yet: a plain change
    assert not plan(rows, SPECS, {}).refused
    refused = plan(rows, SPECS, {percent.code: 8000}).refused
    assert len(refused) == 1 and "new code" in refused[0] and "8,000" in refused[0]


def test_a_retired_indicator_back_in_the_file_is_reactivated():
    rows = [_row(s) for s in SPECS]
    rows[2]["active"] = False
    p = plan(rows, SPECS, {})
    assert p.reactivated == (SPECS[2].code,) and not p.changed


def test_the_periods_of_a_financial_year():
    assert parse_financial_year("2019/20") == 2019 == parse_financial_year("2019")
    for bad in ("2019/21", "19/20", "2019-20"):
        with pytest.raises(ValueError, match="financial year"):
            parse_financial_year(bad)
    q = year_periods(2019, due_days=14, lock_days=7)
    assert [d.spec.code for d in q] == ["2019/20-Q1", "2019/20-Q2", "2019/20-Q3", "2019/20-Q4"]
    assert q[0].opens_on == dt.date(2019, 7, 1)
    assert q[0].due_on == dt.date(2019, 7, 14) and q[0].locks_on == dt.date(2019, 7, 21)
    assert q[3].spec.end_date == dt.date(2020, 3, 31) and q[3].due_on == dt.date(2020, 4, 14)


def test_log_lines():
    assert (
        request_line("GET", "/ready", 503, 12.34, "-", "ab12", "10.1.2.3")
        == "GET /ready 503 12.3ms user=- request_id=ab12 client=10.1.2.3"
    )
    record = logging.LogRecord("tracker.request", logging.INFO, __file__, 1, "GET / 200", None, None)
    record.status = 200
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET / 200" and entry["status"] == 200 and entry["level"] == "INFO"


def test_settings_built_by_hand_are_checked_the_same_way():
    with pytest.raises(SettingsError, match="TRACKER_LOG_FORMAT"):
        replace(Settings(), log_format="yaml").validate()


def test_the_scheduler_status_in_words():
    from tracker.ops.presenters import scheduler_status

    stale = dt.timedelta(seconds=180)
    assert scheduler_status(None, NOW, stale) == (scheduler_status(None, NOW, stale)[0], False)
    text, ok = scheduler_status(_lease(12), NOW, stale)
    assert ok and "web-1:42 (last heartbeat 12 seconds ago" in text
    text, ok = scheduler_status(_lease(7200), NOW, stale)
    assert not ok and "2.0 hours ago: it may have stopped" in text
    text, ok = scheduler_status(replace(_lease(300), holder=""), NOW, stale)
    assert not ok and "stopped 5 minutes ago" in text


def test_progress_off_a_terminal_is_plain_lines():
    import io

    from tracker.ops.progress import Progress, activity

    out = io.StringIO()
    with Progress("Loading", total=2, stream=out) as progress:
        with progress.step("import ODS"):
            pass
        progress.start("returns history")
        progress.finish("returns history", 1.25)
    lines = [line.split("] ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        "Loading: started",
        "import ODS ...",
        "import ODS: 0.0 s",
        "returns history ...",
        "returns history: 1.2 s",
        "Loading: done",
    ]
    out = io.StringIO()
    with activity("Building the national workbook", stream=out):
        pass
    assert out.getvalue().splitlines() == [
        "Building the national workbook ...",
        "Building the national workbook: done in 0.0 s",
    ]

import datetime as dt
from pathlib import Path

import pytest

from tracker import clock
from tracker.settings import Settings, SettingsError


def test_defaults_are_the_embedded_sqlite_database():
    s = Settings.from_env({})
    assert not s.uses_postgres
    assert s.sqlite_path == Path("data") / "tracker.sqlite3"
    assert s.secret_key  # generated when not set


def test_every_setting_reads_its_tracker_variable():
    s = Settings.from_env(
        {
            "TRACKER_DATABASE_URL": "postgres://u@h/db",
            "TRACKER_PORT": "9000",
            "TRACKER_SCHEDULER": "yes",
            "TRACKER_TODAY": "2018-04-20",
            "TRACKER_DATA_DIR": "/tmp/x",
        }
    )
    assert s.uses_postgres and s.port == 9000 and s.scheduler
    assert s.current_date() == dt.date(2018, 4, 20)
    assert s.now().astimezone(clock.ENGLAND).date() == dt.date(2018, 4, 20)  # the date in England
    assert s.data_dir == Path("/tmp/x")


@pytest.mark.parametrize(
    ("name", "value"), [("TRACKER_PORT", "eighty"), ("TRACKER_TODAY", "20/04/2018"), ("TRACKER_DEMO", "maybe")]
)
def test_a_bad_value_names_the_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T00:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indicator catalogue versions"


def _params(**overrides):
    params = {
        "default": None,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)
    manager.add_table(class_name="IndicatorVersion", tablename="indicator_version", schema=None, columns=None)
    for name, column_class, params in (
        ("code", Varchar, _params(length=40, default="", index=True)),
        ("version", Integer, _params(default=0)),
        ("valid_from", Date, _params(default=DateNow())),
        ("definition", Text, _params(default="")),
        ("source", Varchar, _params(length=300, default="")),
        ("loaded_at", Timestamptz, _params(default=TimestamptzNow())),
    ):
        manager.add_column(
            table_class_name="IndicatorVersion",
            tablename="indicator_version",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    return manager

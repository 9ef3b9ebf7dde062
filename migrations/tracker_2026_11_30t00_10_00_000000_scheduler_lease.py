from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T00:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scheduler lease and heartbeat"


def _params(**overrides):
    params = {
        "default": None,
        "null": True,
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
    manager.add_table(class_name="SchedulerLease", tablename="scheduler_lease", schema=None, columns=None)
    for name, length, unique in (("name", 60, True), ("holder", 200, False)):
        manager.add_column(
            table_class_name="SchedulerLease",
            tablename="scheduler_lease",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params(length=length, default="", null=False, unique=unique),
            schema=None,
        )
    for name in ("acquired_at", "beat_at", "expires_at"):
        manager.add_column(
            table_class_name="SchedulerLease",
            tablename="scheduler_lease",
            column_name=name,
            db_column_name=name,
            column_class_name="Timestamptz",
            column_class=Timestamptz,
            params=_params(),
            schema=None,
        )
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the deciles of every CCG's mean beside England's statistics of each indicator and period"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)
    manager.add_column(
        table_class_name="IndicatorStat",
        tablename="indicator_stat",
        column_name="ccg_deciles",
        db_column_name="ccg_deciles",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    # Statistics are rebuilt when next read wherever a period has none: dropping them fills the
    # new column from the approved returns, as an approval does for its period.
    async def drop_statistics():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl("DELETE FROM indicator_stat")

    manager.add_raw(drop_statistics)
    return manager

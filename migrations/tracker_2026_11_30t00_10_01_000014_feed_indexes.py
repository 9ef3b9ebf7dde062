from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-30T00:10:01:000014"
VERSION = "1.38.0"
DESCRIPTION = "unique keys of feed values and list-size bands"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    async def create_unique_indexes():
        from piccolo.engine import engine_finder

        db = engine_finder()
        for name, table, columns in (
            ("uq_list_size_band_practice_snapshot", "list_size_band", "practice, snapshot_date"),
            ("uq_feed_value_key", "feed_value", "practice, period_code, indicator_code, source"),
        ):
            await db.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")

    manager.add_raw(create_unique_indexes)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T02:24:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes across several columns"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    # Unique indexes rather than constraints: SQLite can add an index to an existing table.
    async def create_unique_indexes():
        from piccolo.engine import engine_finder

        db = engine_finder()
        for name, table, columns in (
            ("uq_list_size_practice_snapshot", "list_size", "practice, snapshot_date"),
            ("uq_account_practice", "account_practice", "account, practice"),
            ("uq_practice_return_practice_period", "practice_return", "practice, period"),
            ("uq_return_value_return_indicator", "return_value", "practice_return, indicator"),
            ("uq_lock_exception_practice_period", "lock_exception", "practice, period"),
            ("uq_job_claim_job_key", "job_claim", '"job", "key"'),
        ):
            await db.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")

    manager.add_raw(create_unique_indexes)
    return manager

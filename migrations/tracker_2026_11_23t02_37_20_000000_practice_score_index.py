from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T02:37:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "one score per practice and period"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    async def create_unique_index():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_practice_score_practice_period ON practice_score (practice, period)"
        )

    manager.add_raw(create_unique_index)
    return manager

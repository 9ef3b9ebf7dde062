from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T02:40:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "one line per CCG in an allocation run; one row per indicator an award targets"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    async def create_unique_indexes():
        from piccolo.engine import engine_finder

        engine = engine_finder()
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_allocation_line_run_ccg_code ON allocation_line (run, ccg_code)"
        )
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_practice_award_indicator_award_indicator "
            "ON practice_award_indicator (award, indicator)"
        )

    manager.add_raw(create_unique_indexes)
    return manager

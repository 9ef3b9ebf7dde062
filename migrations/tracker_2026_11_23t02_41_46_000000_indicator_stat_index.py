from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T02:41:46:000000"
VERSION = "1.38.0"
DESCRIPTION = "one indicator statistic per indicator, period and CCG (0: England)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    async def create_unique_index():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_indicator_stat_indicator_period_ccg "
            "ON indicator_stat (indicator, period, ccg_id)"
        )

    manager.add_raw(create_unique_index)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-30T08:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a covering index for the organisations of a period"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    # Dashboards and the reporting-rates grids read each CCG's region of the time period by period
    # (maturity.ccg_regions_in): from the index alone, without a lookup per practice row.
    async def period_ccg_region():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS ix_practice_score_period_ccg_region "
            "ON practice_score (period, ccg_id, region_id)"
        )

    manager.add_raw(period_ccg_region)
    return manager

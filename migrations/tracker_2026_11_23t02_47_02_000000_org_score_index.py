from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T02:47:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "one aggregate per scope, organisation and period"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    async def create_unique_index():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_org_score_scope_org_period "
            "ON org_score (scope, org_id, period)"
        )

    manager.add_raw(create_unique_index)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-30T00:11:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "one row per indicator version"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    # Raw steps run before the migration's tables are made, hence a migration of its own.
    async def unique_version():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_indicator_version_code_version ON indicator_version (code, version)"
        )

    manager.add_raw(unique_version)
    return manager

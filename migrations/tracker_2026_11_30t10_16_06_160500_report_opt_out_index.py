from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-30T10:16:06:160500"
VERSION = "1.38.0"
DESCRIPTION = "one opt-out per address and kind"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    # Raw steps run before the migration's tables are made, hence a migration of its own.
    async def unique_opt_out():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_report_opt_out_email_kind ON report_opt_out (email, kind)"
        )

    manager.add_raw(unique_opt_out)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit events found by their entity (a return's history)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    async def create_index():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS audit_event_entity ON audit_event (entity_type, entity_id)"
        )

    manager.add_raw(create_index)
    return manager

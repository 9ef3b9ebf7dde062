from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-29T23:37:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "organisation history: one row per membership span, CCG region and edition"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    async def create_unique_indexes():
        from piccolo.engine import engine_finder

        db = engine_finder()
        for name, table, columns in (
            ("uq_practice_membership_span", "practice_membership", "practice, ccg, start_date"),
            ("uq_ccg_region_as_at", "ccg_region", "ccg, as_at"),
            ("uq_practice_edition_region_as_at", "practice_edition_region", "practice, as_at"),
            ("uq_ods_edition_kind_as_at", "ods_edition", "kind, as_at"),
        ):
            await db.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")

    manager.add_raw(create_unique_indexes)
    return manager

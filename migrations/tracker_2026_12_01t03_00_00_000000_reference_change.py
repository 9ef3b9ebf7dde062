from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "data_change slot -1: triggers stamp every change to the reference data pages keep"

# The tables the per-process caches of reference data read (tracker.changes.service.REFERENCE):
# organisation names, periods, the indicator catalogue. They change with an import or an
# administrator's edit, not with a return saved, so their stamp stays still on deadline day while
# the whole data's token (slot 0 and up) moves with every draft.
REFERENCE = ("region", "ccg", "period", "indicator")
SLOT = -1

# PostgreSQL: once per transaction. One row for all writers: these tables are written by imports
# and administrators, a few times a year, never by the saves that arrive together on deadline day.
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION tracker_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('tracker.reference_changed', true) = 'y' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('tracker.reference_changed', 'y', true);
    INSERT INTO data_change (slot, changed)
    VALUES ({SLOT}, (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint)
    ON CONFLICT (slot) DO UPDATE SET changed = GREATEST(data_change.changed + 1, EXCLUDED.changed);
    RETURN NULL;
END $$
"""

SQLITE_STAMP = (
    "INSERT INTO data_change (slot, changed) "
    f"VALUES ({SLOT}, CAST((julianday('now') - 2440587.5) * 86400000000000 AS INTEGER)) "
    "ON CONFLICT (slot) DO UPDATE SET changed = max(changed + 1, excluded.changed);"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    async def triggers():
        from piccolo.engine import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        engine = engine_finder()
        # Stamped once now, so that a database whose reference data predates its triggers still
        # has a stamp that no other database shares.
        if isinstance(engine, SQLiteEngine):
            await engine.run_ddl(SQLITE_STAMP)
            for table in REFERENCE:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    await engine.run_ddl(
                        f'CREATE TRIGGER IF NOT EXISTS "reference_change_{table}_{event.lower()}" '
                        f'AFTER {event} ON "{table}" BEGIN {SQLITE_STAMP} END'
                    )
            return
        await engine.run_ddl(
            f"INSERT INTO data_change (slot, changed) VALUES ({SLOT}, "
            "(extract(epoch FROM clock_timestamp()) * 1000000000)::bigint) ON CONFLICT (slot) DO NOTHING"
        )
        await engine.run_ddl(POSTGRES_FUNCTION)
        for table in REFERENCE:
            await engine.run_ddl(f'DROP TRIGGER IF EXISTS "reference_change_{table}" ON "{table}"')
            await engine.run_ddl(
                f'CREATE TRIGGER "reference_change_{table}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION tracker_reference_changed()'
            )

    manager.add_raw(triggers)
    return manager

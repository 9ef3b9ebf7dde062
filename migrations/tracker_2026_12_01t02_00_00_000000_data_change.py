from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "data_change: triggers stamp every change to the data that exports show"

# The tables whose rows a workbook or CSV shows or is worked out from. Frozen here: a table added
# later gets its trigger from a migration of its own (tests/changes checks every table is either
# watched or named in tracker.changes.service.UNWATCHED).
WATCHED = (
    "region",
    "local_office",
    "ccg",
    "practice",
    "ods_edition",
    "practice_membership",
    "ccg_region",
    "practice_edition_region",
    "list_size",
    "list_size_band",
    "feed_value",
    "indicator",
    "indicator_version",
    "period",
    "practice_return",
    "return_value",
    "lock_exception",
    "practice_score",
    "indicator_stat",
    "org_score",
    "funding_stream",
    "allocation_run",
    "allocation_line",
    "transition_application",
    "capital_bid",
    "funding_forecast",
    "reallocation_scenario",
    "reallocation_adjustment",
    "practice_award",
    "practice_award_indicator",
)

# PostgreSQL: once per transaction (a transaction-local setting remembers it has stamped), on the
# row of this server process only. Two transactions never stamp the same row at once (a process
# runs one transaction at a time), so no writer waits for another, and none can deadlock on it.
# The stamp is part of the writer's transaction: it is seen exactly when the data is.
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stamp bigint := (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint;
BEGIN
    IF current_setting('tracker.data_changed', true) = 'y' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('tracker.data_changed', 'y', true);
    UPDATE data_change SET changed = GREATEST(changed + 1, stamp) WHERE slot = pg_backend_pid();
    IF NOT FOUND THEN
        INSERT INTO data_change (slot, changed) VALUES (pg_backend_pid(), stamp)
        ON CONFLICT (slot) DO UPDATE SET changed = GREATEST(data_change.changed + 1, EXCLUDED.changed);
    END IF;
    RETURN NULL;
END $$
"""

# SQLite has row triggers only: a stamp for each row written (about 2 microseconds each). Its
# writers queue for the file's one lock, so one row (slot 0) serves them all.
SQLITE_STAMP = (
    "INSERT INTO data_change (slot, changed) "
    "VALUES (0, CAST((julianday('now') - 2440587.5) * 86400000000000 AS INTEGER)) "
    "ON CONFLICT (slot) DO UPDATE SET changed = max(changed + 1, excluded.changed);"
)


def _params(**overrides):
    params = {
        "default": 0,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)
    manager.add_table(class_name="DataChange", tablename="data_change", schema=None, columns=None)
    for name, primary_key in (("slot", True), ("changed", False)):
        manager.add_column(
            table_class_name="DataChange",
            tablename="data_change",
            column_name=name,
            db_column_name=name,
            column_class_name="BigInt",
            column_class=BigInt,
            params=_params(primary_key=primary_key),
            schema=None,
        )

    async def triggers():
        from piccolo.engine import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        engine = engine_finder()
        if isinstance(engine, SQLiteEngine):
            for table in WATCHED:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    await engine.run_ddl(
                        f'CREATE TRIGGER IF NOT EXISTS "data_change_{table}_{event.lower()}" '
                        f'AFTER {event} ON "{table}" BEGIN {SQLITE_STAMP} END'
                    )
            return
        await engine.run_ddl(POSTGRES_FUNCTION)
        for table in WATCHED:
            await engine.run_ddl(f'DROP TRIGGER IF EXISTS "data_change_{table}" ON "{table}"')
            await engine.run_ddl(
                f'CREATE TRIGGER "data_change_{table}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION tracker_data_changed()"
            )

    manager.add_raw(triggers)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T08:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a covering index for a period's returns, by state"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    # A reminder run reads every return of the period (returns.facts_service.period_progress: whether
    # each is in) and the answers of its drafts (answered_indicators): from the index alone, rather
    # than one lookup of a row scattered through the table for each of thousands of returns.
    async def period_progress():
        from piccolo.engine import engine_finder

        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS ix_practice_return_period_progress "
            "ON practice_return (period, state, practice, first_submitted_at, id)"
        )
        # A database whose statistics were gathered before the index (the demo's, a real one after
        # ANALYZE) has none for it, and SQLite then preferred it over the period index even where
        # that skips ahead: a page's "which periods have approved returns" went from 11 us to 4 ms.
        await engine_finder().run_ddl("ANALYZE practice_return")

    manager.add_raw(period_progress)
    return manager

"""The tracker's single Piccolo app; its migrations live in the top-level migrations/ folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from tracker.tables import TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

APP_CONFIG = AppConfig(
    app_name="tracker",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date, Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T10:10:00:000603"
VERSION = "1.38.0"
DESCRIPTION = "each practice's forecast with its scores, and each organisation's share forecast to meet the target"


def _params(**given):
    params = {
        "default": None,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(given)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)

    def column(table_class, tablename, name, column_class, **params):
        manager.add_column(
            table_class_name=table_class,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=_params(**params),
            schema=None,
        )

    # Null in rows scored before forecasts existed: the score-periods job rescores them.
    column("PracticeScore", "practice_score", "forecast_on", Date)
    column("PracticeScore", "practice_score", "forecast_note", Varchar, length=60)
    column("OrgScore", "org_score", "forecast_met", Integer)
    column("OrgScore", "org_score", "forecast_made", Integer)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T10:16:05:160500"
VERSION = "1.38.0"
DESCRIPTION = "report opt-outs: addresses that left a kind of report"


def _params(**overrides):
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
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tracker", description=DESCRIPTION)
    manager.add_table(class_name="ReportOptOut", tablename="report_opt_out", schema=None, columns=None)
    for name, length, index, default in (("email", 320, True, ""), ("kind", 40, False, ""), ("via", 10, False, "link")):
        manager.add_column(
            table_class_name="ReportOptOut",
            tablename="report_opt_out",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params(length=length, default=default, null=False, index=index),
            schema=None,
        )
    manager.add_column(
        table_class_name="ReportOptOut",
        tablename="report_opt_out",
        column_name="left_at",
        db_column_name="left_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(),
        schema=None,
    )
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, DoublePrecision, ForeignKey, Serial, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Practice(Table, tablename="practice", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, db_column_name="id")


ID = "2026-11-30T00:10:00:000014"
VERSION = "1.38.0"
DESCRIPTION = "national feed values and NHSBSA list sizes by age band"


def _params(**given):
    params = {
        "default": None,
        "null": False,
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

    def practice(table_class, tablename):
        column(
            table_class,
            tablename,
            "practice",
            ForeignKey,
            references=Practice,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
            null=True,
            index=True,
        )

    manager.add_table(class_name="ListSizeBand", tablename="list_size_band", schema=None, columns=None)
    practice("ListSizeBand", "list_size_band")
    column("ListSizeBand", "list_size_band", "snapshot_date", Date)
    column("ListSizeBand", "list_size_band", "bands", Varchar, length=200, default="")

    manager.add_table(class_name="FeedValue", tablename="feed_value", schema=None, columns=None)
    practice("FeedValue", "feed_value")
    column("FeedValue", "feed_value", "period_code", Varchar, length=12, default="", index=True)
    column("FeedValue", "feed_value", "indicator_code", Varchar, length=40, default="")
    column("FeedValue", "feed_value", "source", Varchar, length=20, default="")
    column("FeedValue", "feed_value", "value", DoublePrecision, default=0.0)
    column("FeedValue", "feed_value", "numerator", DoublePrecision, null=True)
    column("FeedValue", "feed_value", "denominator", DoublePrecision, null=True)
    column("FeedValue", "feed_value", "detail", Varchar, length=200, default="")

    return manager

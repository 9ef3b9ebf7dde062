from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Bytea, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox attachments kept in the database"


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
    manager.add_table(class_name="OutboxAttachment", tablename="outbox_attachment", schema=None, columns=None)
    for name, length, unique in (("sha256", 64, True), ("name", 200, False)):
        manager.add_column(
            table_class_name="OutboxAttachment",
            tablename="outbox_attachment",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params(length=length, default="", null=False, unique=unique),
            schema=None,
        )
    manager.add_column(
        table_class_name="OutboxAttachment",
        tablename="outbox_attachment",
        column_name="content",
        db_column_name="content",
        column_class_name="Bytea",
        column_class=Bytea,
        params=_params(default=b"", null=False),
        schema=None,
    )
    manager.add_column(
        table_class_name="OutboxAttachment",
        tablename="outbox_attachment",
        column_name="created_at",
        db_column_name="created_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(),
        schema=None,
    )
    manager.add_column(
        table_class_name="OutboxEmail",
        tablename="outbox_email",
        column_name="attachment_sha256",
        db_column_name="attachment_sha256",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=64, default="", null=False),
        schema=None,
    )
    return manager

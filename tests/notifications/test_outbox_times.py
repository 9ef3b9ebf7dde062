"""Queueing many emails stamps each with the time as the ORM would store it (one adapted stamp for
every row, rather than the driver adapting it twice a row): the same text, the same time read back."""

from __future__ import annotations

import datetime as dt

from tracker.db import fetch
from tracker.notifications import outbox_service
from tracker.settings import Settings
from tracker.tables import OutboxEmail

NOW = dt.datetime(2018, 4, 20, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 07:00 UTC, given in BST
EMAIL = {"kind": "password_reset", "to_address": "a@b.test", "subject": "S", "body_text": "T"}


async def test_queued_rows_store_their_time_as_the_orm_does(clean_db: Settings) -> None:
    queued = await outbox_service.enqueue_many(
        [{**EMAIL, "idempotency_key": "a"}, {**EMAIL, "idempotency_key": "b"}], NOW
    )
    assert queued == 2
    # The ORM writes the same time into another column of the same row.
    await OutboxEmail.update({OutboxEmail.sent_at: NOW}).where(OutboxEmail.idempotency_key == "a")
    [row] = await fetch(
        "SELECT created_at, next_attempt_at, sent_at, CAST(created_at AS TEXT) AS created,"
        " CAST(sent_at AS TEXT) AS sent FROM outbox_email WHERE idempotency_key = {}",
        "a",
    )
    assert row["created_at"] == row["next_attempt_at"] == row["sent_at"] == NOW
    assert row["created"] == row["sent"]

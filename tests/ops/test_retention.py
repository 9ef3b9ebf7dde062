"""Retention: expired sessions go; old sent emails keep their exactly-once record but lose their
text and the workbook no kept email needs; queued and recent emails are untouched."""

from __future__ import annotations

import dataclasses
import datetime as dt

from tracker import jobs
from tracker.kv import service as kv
from tracker.notifications import outbox_service
from tracker.ops import retention
from tracker.settings import Settings
from tracker.tables import OutboxEmail

NOW = dt.datetime(2018, 6, 1, 12, tzinfo=dt.UTC)


async def _email(key: str, *, sent_days_ago: int | None, path: str = "", sha: str = "") -> None:
    await outbox_service.enqueue(
        idempotency_key=key,
        kind="ccg_report",
        to_address=f"{key}@example.nhs.uk",
        subject=f"Report {key}",
        body_text="Figures for 00K",
        body_html="<p>Figures for 00K</p>",
        attachment_name="00K.xlsx" if path or sha else "",
        attachment_sha256=sha,
    )
    if path:  # an email queued before attachments were kept in the database
        await OutboxEmail.update({OutboxEmail.attachment_path: path}).where(OutboxEmail.idempotency_key == key)
    if sent_days_ago is not None:
        await OutboxEmail.update(
            {OutboxEmail.state: "sent", OutboxEmail.sent_at: NOW - dt.timedelta(days=sent_days_ago)}
        ).where(OutboxEmail.idempotency_key == key)


async def test_retention_empties_old_sent_emails_and_keeps_their_keys(clean_db: Settings, tmp_path) -> None:
    settings = dataclasses.replace(clean_db, data_dir=tmp_path, outbox_retain_days=90)
    shared = await outbox_service.store_attachment("00K.xlsx", b"PK shared workbook")
    alone = await outbox_service.store_attachment("00K.xlsx", b"PK workbook sent once")
    legacy = tmp_path / "legacy.xlsx"
    outside = tmp_path.parent / "outside-data-dir.xlsx"
    for f in (legacy, outside):
        f.write_bytes(b"PK")
    await _email("old-alone", sent_days_ago=100, sha=alone)
    await _email("old-shared", sent_days_ago=100, sha=shared)
    await _email("recent-shared", sent_days_ago=10, sha=shared)
    await _email("old-legacy", sent_days_ago=100, path=str(legacy))
    await _email("old-outside", sent_days_ago=100, path=str(outside))
    await _email("queued", sent_days_ago=None)
    await kv.put("session:gone", "x", NOW - dt.timedelta(days=1))
    await kv.put("session:live", "x", NOW + dt.timedelta(days=1))

    result = await retention.apply(settings, NOW)

    assert (result.emails_redacted, result.files_removed) == (4, 1)
    assert result.expired_keys >= 1
    rows = {r["idempotency_key"]: r for r in await OutboxEmail.select()}
    assert len(rows) == 6, "no record is deleted: the keys keep every email exactly once"
    for key in ("old-alone", "old-shared", "old-legacy", "old-outside"):
        assert rows[key]["body_text"] == outbox_service.REDACTED
        assert rows[key]["body_html"] == "" and rows[key]["attachment_path"] == rows[key]["attachment_sha256"] == ""
    assert rows["recent-shared"]["body_text"] == "Figures for 00K"
    assert rows["queued"]["body_html"] == "<p>Figures for 00K</p>"
    kept = await outbox_service.attachments({shared, alone})
    assert set(kept) == {shared}, "a recent email still attaches the shared workbook; the other one went"
    assert rows["recent-shared"]["attachment_sha256"] == shared
    assert not legacy.exists()
    assert outside.exists(), "a path outside the data folder is never removed"
    assert await kv.get("session:gone") is None and await kv.get("session:live") is not None
    # A second run finds nothing more, and a re-queued key is still refused.
    again = await retention.apply(settings, NOW)
    assert (again.emails_redacted, again.files_removed) == (0, 0)
    assert not await outbox_service.enqueue(
        idempotency_key="old-alone", kind="ccg_report", to_address="a@example.nhs.uk", subject="s", body_text="t"
    )


async def test_retention_off_keeps_every_email(clean_db: Settings, tmp_path) -> None:
    settings = dataclasses.replace(clean_db, data_dir=tmp_path, outbox_retain_days=0)
    await _email("old", sent_days_ago=1000)
    result = await retention.apply(settings, NOW)
    assert result.emails_redacted == 0
    assert (await OutboxEmail.select(OutboxEmail.body_text).first())["body_text"] == "Figures for 00K"


def test_retention_is_a_scheduled_job() -> None:
    assert "retention" in {job.name for job in jobs.JOBS}

"""Notifications at national scale: a reminder run for every practice, and delivery to a local SMTP
server (aiosmtpd on loopback) beside the same server's acceptance rate for a bare smtplib loop."""

from __future__ import annotations

import dataclasses
import datetime as dt
import smtplib
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.benchmarks.report import figure, line
from tests.fixtures_server import free_port
from tracker.db import fetch
from tracker.notifications import delivery_service, outbox_service, service
from tracker.notifications.delivery_service import build_message
from tracker.notifications.outbox_service import outbox_row
from tracker.settings import Settings
from tracker.tables import OutboxEmail, Practice

AS_AT = dt.datetime(2018, 4, 20, 8, 0, tzinfo=dt.UTC)
DELIVERY_MESSAGES = 1000


class _Count:
    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted += 1
        return "250 OK"


def _raw_insert(rows: list[dict[str, Any]]) -> float:
    """The limit for queueing: the same rows into a bare SQLite table with a unique key, one transaction."""
    columns = list(rows[0].keys())
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "raw.sqlite3")
        con.execute(f"CREATE TABLE t ({', '.join(columns)}, UNIQUE(idempotency_key))")
        values = [tuple(r[c] for c in columns) for r in rows]
        started = time.perf_counter()
        with con:
            con.executemany(
                f"INSERT INTO t VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT DO NOTHING",
                values,
            )
        elapsed = time.perf_counter() - started
        con.close()
    return elapsed


async def bench_reminder_run_for_every_practice(settings: Settings) -> None:
    # Every active practice gets a contact address for the run (restored afterwards).
    empty = [r["id"] for r in await Practice.select(Practice.id).where(Practice.contact_email == "")]
    await Practice.update({Practice.contact_email: Practice.ods_code + "@bench.test"}, force=True).where(
        Practice.contact_email == ""
    )
    before = (await fetch("SELECT max(id) AS m FROM outbox_email"))[0]["m"] or 0
    try:
        await service.ensure_default_schedules(settings, AS_AT)
        row = await service.schedule_by_name("practice-reminders")
        assert row is not None
        started = time.perf_counter()
        preview = await service.run_schedule(settings, row, now=AS_AT, dry_run=True)
        plan = time.perf_counter() - started
        started = time.perf_counter()
        result = await service.run_schedule(settings, row, now=AS_AT)
        run = time.perf_counter() - started
        started = time.perf_counter()
        again = await service.run_schedule(settings, row, now=AS_AT)
        rerun = time.perf_counter() - started
        practices = len({e.practice_id for e in preview.emails})
        figure("practices reminded (2017/18 Q4, as at 2018-04-20)", practices, "practices")
        figure("emails queued by the run", result.queued, "emails", f"(rerun queued {again.queued})")
        raw = _raw_insert([e.row() for e in preview.emails])
        line("plan only (dry run: queries + composing)", plan, "-", plan)
        line("plan + queue (run)", run, "raw sqlite3 insert of the same rows", raw, goal=5.0)
        line("rerun, everything already queued", rerun, "raw sqlite3 insert of the same rows", raw)
        figure("queueing rate", result.queued / run if run else 0, "emails/s")
    finally:
        await OutboxEmail.delete().where(OutboxEmail.id > before)
        if empty:
            for start in range(0, len(empty), 500):
                await Practice.update({Practice.contact_email: ""}).where(Practice.id.is_in(empty[start : start + 500]))


async def bench_delivery_rate_to_local_smtp(settings: Settings) -> None:
    counter = _Count()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_settings = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")
    before = (await fetch("SELECT max(id) AS m FROM outbox_email"))[0]["m"] or 0
    try:
        body_text = (
            "The 2017/18 Q4 digital maturity return for A81001 The Densham Surgery is due on 30 April 2018.\n" * 8
        )
        body_html = "<html><body>" + "<p>The 2017/18 Q4 return is due on 30 April 2018.</p>" * 8 + "</body></html>"
        rows = [
            {
                "idempotency_key": f"bench:{n}",
                "kind": "bench",
                "to_address": f"person{n}@bench.test",
                "subject": f"Return due in 10 days: 2017/18 Q4, A8{n:04d} Bench Surgery",
                "body_text": body_text,
                "body_html": body_html,
                "practice": None,
                "ccg": None,
                "period": None,
                "attachment_name": "",
                "attachment_path": "",
            }
            for n in range(DELIVERY_MESSAGES)
        ]
        # The limit: the same messages through one smtplib connection, nothing else.
        blank = {"id": 0, "attachment_sha256": "", "state": "queued", "attempts": 0, "next_attempt_at": None}
        blank |= {"last_error": "", "created_at": AS_AT, "sent_at": None}
        messages = [build_message(outbox_row({**blank, **r}), settings.mail_from, AS_AT) for r in rows]
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for m in messages:
                smtp.send_message(m, from_addr="noreply@paperless-tracker.nhs.test", to_addrs=[m["To"]])
        bare = time.perf_counter() - started
        counter.accepted = 0

        # A day before the demo's own queued emails fall due, so that only these are delivered.
        earlier = AS_AT - dt.timedelta(days=1)
        await outbox_service.enqueue_many(rows, earlier)
        started = time.perf_counter()
        result = await delivery_service.deliver(smtp_settings, now=earlier)
        tracker = time.perf_counter() - started
        assert result.sent == DELIVERY_MESSAGES == counter.accepted, (result.summary(), counter.accepted)
        figure("tracker sender (claim, build, send, mark sent)", DELIVERY_MESSAGES / tracker, "messages/s")
        figure("bare smtplib loop, same server (the limit)", DELIVERY_MESSAGES / bare, "messages/s")
        # At least half the bare rate, with exactly-once kept.
        line(f"deliver {DELIVERY_MESSAGES:,} emails", tracker, "bare smtplib loop", bare, goal=2.0)
    finally:
        controller.stop()
        await OutboxEmail.delete().where(OutboxEmail.id > before)

"""Real processes against a real SMTP server: killed mid-run and restarted, and two schedulers at once.

Processes die by SIGKILL at a chosen point (tests/notifications/crash.py), so nothing is left to
chance; the schedulers are real `tracker scheduler` processes. Nothing here asserts on timing.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from tests.factories import make_practice
from tests.fixtures_server import free_port, server_env
from tests.notifications.conftest import SmtpServer
from tracker.notifications import outbox_service, service
from tracker.settings import Settings
from tracker.tables import JobRun, OutboxEmail

EXTRA_PRACTICES = 28  # with A81001's user and A81002's contact: 30 reminders


async def _many_practices(world: dict[str, Any]) -> int:
    ccg = world["ccgs"][0]
    for n in range(EXTRA_PRACTICES):
        await make_practice(ccg, f"A8{2000 + n}", f"EXTRA SURGERY {n}", contact_email=f"extra{n}@practices.test")
    return EXTRA_PRACTICES + 2


async def _run(settings: Settings, smtp: SmtpServer, *args: str, today: str = "2018-04-20") -> int:
    env = server_env(settings, free_port(), TRACKER_SMTP_URL=smtp.url, TRACKER_TODAY=today)
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode not in (0, -9):
        raise AssertionError(err.decode())
    return int(process.returncode or 0)


def _ids(smtp: SmtpServer) -> list[str]:
    return [str(m["Message-ID"]) for m in smtp.inbox.messages]


async def test_queueing_killed_mid_run_then_restarted_loses_nothing_and_duplicates_nothing(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    expected = await _many_practices(world)
    code = await _run(mail_settings, smtp, "-m", "tests.notifications.crash", "run", "practice-reminders", "2")
    assert code == -9
    assert await OutboxEmail.count() == 10  # two batches of five committed, then killed
    assert (await JobRun.select(JobRun.state).first())["state"] == "running"  # the dead run's log row

    assert await _run(mail_settings, smtp, "-m", "tracker", "jobs", "run", "practice-reminders") == 0
    assert await OutboxEmail.count() == expected
    assert await _run(mail_settings, smtp, "-m", "tracker", "jobs", "run", "practice-reminders") == 0
    assert await OutboxEmail.count() == expected
    assert await _run(mail_settings, smtp, "-m", "tracker", "jobs", "run", "deliver-emails") == 0
    assert len(smtp.inbox.messages) == expected and len(set(_ids(smtp))) == expected


async def test_sender_killed_mid_delivery_then_restarted_loses_nothing_and_duplicates_nothing(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    expected = await _many_practices(world)
    await service.ensure_default_schedules(mail_settings)
    row = await service.schedule_by_name("practice-reminders")
    await service.run_schedule(mail_settings, row)  # type: ignore[arg-type]  # on the processes' clock
    assert await _run(mail_settings, smtp, "-m", "tests.notifications.crash", "deliver", "7") == -9
    assert len(smtp.inbox.messages) == 7
    counts = await outbox_service.counts_by_state()
    assert counts["sent"] == 7 and counts["sending"] == expected - 7  # the dead sender's lease holds the rest
    # Restarted the next day, past the lease: the rest go, once each.
    assert await _run(mail_settings, smtp, "-m", "tracker", "jobs", "run", "deliver-emails", today="2018-04-21") == 0
    assert len(smtp.inbox.messages) == expected and len(set(_ids(smtp))) == expected
    assert (await outbox_service.counts_by_state())["sent"] == expected


async def test_two_schedulers_started_by_mistake_still_send_everything_exactly_once(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any], tmp_path: Path
) -> None:
    await _many_practices(world)
    env = server_env(mail_settings, free_port(), TRACKER_SMTP_URL=smtp.url)
    # Logs go to files, not pipes: an unread pipe fills and stalls the process writing to it.
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(2)]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tracker",
            "scheduler",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        for log in logs
    ]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            runs = await JobRun.select(JobRun.job).where(JobRun.trigger == "schedule")
            counts = await outbox_service.counts_by_state()
            done = {r["job"] for r in runs} >= {
                "practice-reminders",
                "ccg-status-report",
                "region-summary",
                "national-summary",
            }
            if (
                done
                and counts["queued"] == counts["sending"] == 0
                and counts["sent"]
                and len(smtp.inbox.messages) == counts["sent"]
            ):
                break
        else:
            printed = "\n".join(log.read_text(errors="replace")[-4000:] for log in logs)
            raise AssertionError(f"the schedulers did not finish: {await outbox_service.counts_by_state()}\n{printed}")
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            await p.wait()
    total = await OutboxEmail.count()
    assert total == len(smtp.inbox.messages) == len(set(_ids(smtp)))
    # Each schedule's time ran once across both processes.
    runs = await JobRun.select(JobRun.job).where(JobRun.trigger == "schedule")
    per_job = [r["job"] for r in runs if r["job"] != service.DELIVERY_JOB]
    assert sorted(per_job) == sorted(set(per_job))
    kinds = sorted({str(m["X-Tracker-Kind"]) for m in smtp.inbox.messages})
    assert kinds == ["alert_digest", "ccg_report", "national_summary", "practice_reminder", "region_summary"]

"""Reminders and reports delivered to a real SMTP server (aiosmtpd on loopback), exactly once.

The clock is passed in (`now=`): nothing here waits for time to pass.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

import pytest

from tests.notifications.conftest import AS_AT, SmtpServer
from tracker.notifications import delivery_service, service
from tracker.notifications.delivery_service import deliver
from tracker.settings import Settings
from tracker.tables import OutboxEmail, PracticeReturn


async def _run(settings: Settings, name: str, now: dt.datetime = AS_AT, dry_run: bool = False) -> service.RunResult:
    await service.ensure_default_schedules(settings, now)
    row = await service.schedule_by_name(name)
    assert row is not None
    return await service.run_schedule(settings, row, now=now, dry_run=dry_run)


async def test_a_reminder_run_delivers_the_right_emails_once(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    result = await _run(mail_settings, "practice-reminders")
    assert result.queued == 2
    delivered = await deliver(mail_settings, now=AS_AT)
    assert delivered.sent == 2
    assert smtp.inbox.subjects() == [
        "Return due in 10 days: 2017/18 Q4, A81001 The Densham Surgery",
        "Return due in 10 days: 2017/18 Q4, A81002 Queens Park Medical Centre",
    ]
    [pat] = smtp.inbox.to("practice@a81001.test")
    assert pat.get_content_type() == "multipart/alternative"
    text = pat.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = pat.get_body(("html",)).get_content()  # type: ignore[union-attr]
    link = "https://tracker.example.nhs.test/practices/A81001/returns/2017-18-Q4"
    assert link in text and f'href="{link}"' in html
    assert "You have not started this return yet." in text
    [manager] = smtp.inbox.to("manager@a81002.test")
    body = manager.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Still to answer (14):" in body  # 16 indicators, 2 answered
    # J81001 submitted: suppressed. J81002: nobody to email.
    assert not smtp.inbox.to("practice@j81001.test")

    # Running it again sends nothing: same step, same keys.
    again = await _run(mail_settings, "practice-reminders")
    assert (again.queued, again.already_queued) == (0, 2)
    assert (await deliver(mail_settings, now=AS_AT)).sent == 0
    assert len(smtp.inbox.messages) == 2


async def test_the_next_step_goes_and_stops_once_submitted(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    await _run(mail_settings, "practice-reminders")
    await deliver(mail_settings, now=AS_AT)
    # A81002 submits on 25 April; on 27 April only A81001 is reminded (3 days before).
    submitted = dt.datetime(2018, 4, 25, tzinfo=dt.UTC)
    await PracticeReturn.update(
        {PracticeReturn.state: "submitted", PracticeReturn.first_submitted_at: submitted}
    ).where(PracticeReturn.practice == world["practices"][1]["id"])
    later = dt.datetime(2018, 4, 27, 6, tzinfo=dt.UTC)
    assert (await _run(mail_settings, "practice-reminders", later)).queued == 1
    assert (await deliver(mail_settings, now=later)).sent == 1
    assert smtp.inbox.messages[-1]["Subject"] == "Return due in 3 days: 2017/18 Q4, A81001 The Densham Surgery"
    # Overdue: a week after the due date, the overdue job chases; the practice job has nothing to do.
    overdue = dt.datetime(2018, 5, 7, 6, tzinfo=dt.UTC)
    assert (await _run(mail_settings, "practice-reminders", overdue)).queued == 0
    assert (await _run(mail_settings, "overdue-reminders", overdue)).queued == 1
    await deliver(mail_settings, now=overdue)
    assert smtp.inbox.messages[-1]["Subject"] == "Return overdue by 7 days: 2017/18 Q4, A81001 The Densham Surgery"


async def test_a_return_sent_back_for_changes_after_its_submission_is_not_chased(
    clean_db: Settings, world: dict[str, Any]
) -> None:
    # J81001's return was submitted, then returned by its CCG for changes: it stays in. A81002's
    # draft, never submitted, is chased whether it is a draft or was returned before submission.
    await PracticeReturn.update({PracticeReturn.state: "returned"}).where(
        PracticeReturn.practice == world["practices"][2]["id"]
    )
    await PracticeReturn.update({PracticeReturn.state: "returned"}).where(
        PracticeReturn.practice == world["practices"][1]["id"]
    )
    plan = await _run(clean_db, "practice-reminders", dry_run=True)
    assert sorted(e.to_address for e in plan.emails) == ["manager@a81002.test", "practice@a81001.test"]
    [a81002] = [e for e in plan.emails if e.to_address == "manager@a81002.test"]
    assert "Still to answer (14):" in a81002.body_text


async def test_smtp_down_keeps_emails_queued_until_it_comes_back(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    smtp.stop()
    await _run(mail_settings, "practice-reminders")
    down = await deliver(mail_settings, now=AS_AT)
    assert down.server_down and down.sent == 0
    rows = await OutboxEmail.select(OutboxEmail.state, OutboxEmail.attempts, OutboxEmail.last_error)
    assert [r["state"] for r in rows] == ["queued", "queued"]
    assert all(r["attempts"] == 0 and "unreachable" in r["last_error"] for r in rows)
    smtp.start()
    # Not before the short retry wait has passed...
    assert (await deliver(mail_settings, now=AS_AT)).sent == 0
    # ...then everything goes, once.
    back = await deliver(mail_settings, now=AS_AT + dt.timedelta(minutes=2))
    assert back.sent == 2 and len(smtp.inbox.messages) == 2
    assert {r["state"] for r in await OutboxEmail.select(OutboxEmail.state)} == {"sent"}


async def test_temporary_refusals_retry_with_backoff_and_permanent_ones_are_flagged(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    smtp.inbox.refuse["practice@a81001.test"] = "451 Try again later once"
    smtp.inbox.refuse["manager@a81002.test"] = "550 No such user here"
    await _run(mail_settings, "practice-reminders")
    first = await deliver(mail_settings, now=AS_AT)
    assert (first.sent, first.retrying, first.failed) == (0, 1, 1)
    retry = await OutboxEmail.select().where(OutboxEmail.to_address == "practice@a81001.test").first()
    assert retry["state"] == "queued" and retry["attempts"] == 1
    assert retry["next_attempt_at"] == AS_AT + dt.timedelta(minutes=5)
    assert (await deliver(mail_settings, now=AS_AT + dt.timedelta(minutes=4))).sent == 0
    assert (await deliver(mail_settings, now=AS_AT + dt.timedelta(minutes=5))).sent == 1
    failed = await OutboxEmail.select().where(OutboxEmail.state == "failed").first()
    assert failed["to_address"] == "manager@a81002.test" and "550" in failed["last_error"]

    # The CCG's weekly digest names the unreachable practice (and attaches or explains the workbook).
    report = await _run(mail_settings, "ccg-status-report")
    assert report.queued == 2  # one CCG lead each for 00K and 11J
    await deliver(mail_settings, now=AS_AT + dt.timedelta(minutes=6))
    [digest] = smtp.inbox.to("lead@00k.test")
    assert (
        digest["Subject"]
        == "Weekly status report: NHS Hartlepool and Stockton-on-Tees CCG (00K), 2017/18 Q4 (provisional)"
    )
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Unreachable practices (1)" in text and "A81002 Queens Park Medical Centre" in text
    assert "Returns in for 2017/18 Q4 (provisional): 0 of 2" in text
    attachments = list(digest.iter_attachments())
    assert attachments or "could not be attached" in text


async def test_reports_escalate_overdue_practices_to_the_region_after_four_weeks(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    three_weeks = dt.datetime(2018, 5, 21, 6, 30, tzinfo=dt.UTC)  # Monday 07:30 BST
    await _run(mail_settings, "ccg-status-report", three_weeks)
    await _run(mail_settings, "region-summary", three_weeks)
    await deliver(mail_settings, now=three_weeks)
    ccg_text = smtp.inbox.to("lead@00k.test")[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        "Overdue practices (2)" in ccg_text and "A81001 The Densham Surgery (2017/18 Q4, 21 days overdue)" in ccg_text
    )
    region_text = smtp.inbox.to("region@y63.test")[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Practices overdue for 4 weeks or more (0)" in region_text
    four_weeks = dt.datetime(2018, 5, 28, 6, 30, tzinfo=dt.UTC)
    await _run(mail_settings, "region-summary", four_weeks)
    await deliver(mail_settings, now=four_weeks)
    region_text = smtp.inbox.to("region@y63.test")[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Practices overdue for 4 weeks or more (2)" in region_text
    assert "A81001 The Densham Surgery, CCG 00K (2017/18 Q4, 28 days overdue)" in region_text


async def test_two_concurrent_runs_and_two_senders_still_send_exactly_once(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    await service.ensure_default_schedules(mail_settings, AS_AT)
    row = await service.schedule_by_name("practice-reminders")
    results = await asyncio.gather(*[service.run_schedule(mail_settings, row, now=AS_AT) for _ in range(4)])  # type: ignore[arg-type]
    assert sum(r.queued for r in results) == 2
    sent = await asyncio.gather(*[deliver(mail_settings, now=AS_AT) for _ in range(3)])
    assert sum(s.sent for s in sent) == 2
    assert len(smtp.inbox.messages) == 2


async def test_a_batch_that_outlasts_its_sending_time_goes_back_unsent_then_goes_once(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sender stops sending from a batch before its lease could pass to another sender; here
    # that time is nil, so the whole batch goes back: due at once, no attempt used, nothing sent.
    await _run(mail_settings, "practice-reminders")
    monkeypatch.setattr(delivery_service, "SEND_WITHIN", dt.timedelta(0))
    late = await deliver(mail_settings, now=AS_AT)
    assert late.sent == 0 and not late.server_down and smtp.inbox.messages == []
    rows = await OutboxEmail.select(OutboxEmail.state, OutboxEmail.attempts, OutboxEmail.next_attempt_at)
    assert [(r["state"], r["attempts"], r["next_attempt_at"]) for r in rows] == [("queued", 0, AS_AT)] * 2
    monkeypatch.undo()
    back = await deliver(mail_settings, now=AS_AT)
    assert back.sent == 2 and len(smtp.inbox.messages) == len({str(m["Message-ID"]) for m in smtp.inbox.messages}) == 2


async def test_the_schedule_tick_runs_each_due_time_once_and_catches_up_once(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    await service.ensure_default_schedules(mail_settings, AS_AT)
    ticks = await asyncio.gather(*[service.run_due_schedules(mail_settings, AS_AT) for _ in range(2)])
    ran = [r.job for tick in ticks for r in tick if not r.skipped_reason]
    # Every schedule's latest time ran once, across both "schedulers".
    assert sorted(ran) == sorted(
        [
            "practice-reminders",
            "overdue-reminders",
            "ccg-status-report",
            "region-summary",
            "national-summary",
            "alert-digest",
        ]
    )
    assert await service.run_due_schedules(mail_settings, AS_AT + dt.timedelta(minutes=1)) == []
    await deliver(mail_settings, now=AS_AT)
    by_kind = sorted(str(m["X-Tracker-Kind"]) for m in smtp.inbox.messages)
    assert by_kind == [
        *["alert_digest"] * 5,  # each CCG lead, regional lead and national user: once for the month
        "ccg_report",
        "ccg_report",
        "national_summary",
        "practice_reminder",
        "practice_reminder",
        "region_summary",
        "region_summary",
    ]
    # Three weeks of downtime: each weekly report runs once for the latest Monday, not three times.
    back = dt.datetime(2018, 5, 11, 9, tzinfo=dt.UTC)
    results = await service.run_due_schedules(mail_settings, back)
    assert sum(1 for r in results if r.job == "ccg-status-report") == 1
    report = await service.schedule_by_name("ccg-status-report")
    assert report is not None and report.last_fire_at == dt.datetime(2018, 5, 7, 6, tzinfo=dt.UTC)


async def test_a_tick_whose_scoring_fails_claims_nothing_and_the_next_tick_runs_everything(
    mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]
) -> None:
    await service.ensure_default_schedules(mail_settings, AS_AT)

    async def failing() -> None:
        raise RuntimeError("scoring failed")

    with pytest.raises(RuntimeError):
        await service.run_due_schedules(mail_settings, AS_AT, before_first=failing)
    # Nothing was left claimed-but-never-run: the next tick runs every due schedule.
    results = await service.run_due_schedules(mail_settings, AS_AT + dt.timedelta(minutes=1))
    assert not [r.job for r in results if r.skipped_reason]
    assert "practice-reminders" in {r.job for r in results}


async def test_a_claim_left_by_a_dead_scheduler_is_taken_over_after_it_goes_stale(clean_db: Settings) -> None:
    now = AS_AT
    assert await service.claim("ccg-status-report", "2018-04-16T06:00:00+00:00", now)
    assert not await service.claim("ccg-status-report", "2018-04-16T06:00:00+00:00", now + dt.timedelta(minutes=5))
    assert await service.claim("ccg-status-report", "2018-04-16T06:00:00+00:00", now + dt.timedelta(minutes=31))


async def test_a_dry_run_queues_nothing(mail_settings: Settings, smtp: SmtpServer, world: dict[str, Any]) -> None:
    preview = await _run(mail_settings, "practice-reminders", dry_run=True)
    assert preview.queued == 2 and len(preview.emails) == 2
    assert await OutboxEmail.count() == 0


async def test_without_smtp_emails_stay_in_the_outbox(clean_db: Settings, world: dict[str, Any]) -> None:
    settings = dataclasses.replace(clean_db, smtp_url="")
    await _run(settings, "practice-reminders")
    result = await deliver(settings, now=AS_AT)
    assert not result.configured
    assert {r["state"] for r in await OutboxEmail.select(OutboxEmail.state)} == {"queued"}

"""One clock: nothing but the settings and tracker.clock reads the real time, so TRACKER_TODAY
moves the whole tracker (sessions, audit, runs, the outbox) to its date.

Ruff's banned-api entries say the same for most modules; this scan also covers the services,
whose per-file ignore of the tables ban switches that rule off."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from tracker import clock
from tracker.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
REAL_TIME = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time)\(")
ALLOWED = {"tracker/settings.py", "tracker/clock.py"}


def test_only_the_clock_reads_the_real_time():
    found = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            # A line that must read the real time says so (the scheduler's first run, expiries
            # kept by the real-time store).
            marked = "noqa: TID251" in line or "real time on purpose" in line
            if REAL_TIME.search(line) and rel not in ALLOWED and not marked:
                found.append(f"{rel}:{number}: {line.strip()}")
    assert found == []


def test_the_clock_follows_the_settings_date():
    before = clock._source
    try:
        clock.use(Settings.from_env({"TRACKER_TODAY": "2018-04-20"}))
        assert clock.today() == dt.date(2018, 4, 20)
        assert clock.now().astimezone(clock.ENGLAND).date() == dt.date(2018, 4, 20)
        assert clock.now().tzinfo is not None
        clock.use(Settings.from_env({}))
        assert clock.now().year >= 2026
    finally:
        clock._source = before


def test_a_clock_set_to_a_date_stamps_times_on_that_date_in_england():
    """TRACKER_TODAY keeps England's time of day: at 23:30 UTC on a summer evening it is already
    00:30 tomorrow in London, and a comment made then must still read as made on the set date (and
    a return sent then on its due date, on time)."""
    day = dt.date(2018, 4, 20)
    for real, london in (
        (dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), dt.time(0, 30)),  # summer: BST
        (dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC), dt.time(23, 30)),  # winter: GMT
        (dt.datetime(2026, 7, 1, 0, 15, tzinfo=dt.UTC), dt.time(1, 15)),
        (dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC), dt.time(9, 0)),
    ):
        stamped = clock.on_day(day, real)
        assert stamped.tzinfo == dt.UTC
        here = stamped.astimezone(clock.ENGLAND)
        assert here.date() == day and here.time() == london


async def test_an_email_queued_on_the_trackers_date_is_sent_on_it(clean_db):
    from tracker.notifications import delivery_service, outbox_service

    settings = clean_db
    assert settings.today is not None  # the tests live on TRACKER_TODAY
    assert await outbox_service.enqueue(
        idempotency_key="reset:1", kind="password_reset", to_address="a@b.nhs.test", subject="Reset", body_text="x"
    )
    claimed = await delivery_service.claim(settings.now())
    assert [r.idempotency_key for r in claimed] == ["reset:1"]
    assert claimed[0].created_at.astimezone(clock.ENGLAND).date() == settings.today


async def test_sign_in_sessions_locks_and_links_live_on_the_trackers_date(client):
    """The demo (TRACKER_TODAY=2018-04-20) once stamped sign-ins, sessions and links with the real
    date; every stamp of the sign-in path is now on the tracker's date."""
    from tests.conftest import sign_in
    from tests.factories import make_account
    from tracker.accounts import throttle, tokens_service, users_service
    from tracker.accounts.principal import Role
    from tracker.kv import service as kv
    from tracker.tables import AccountToken

    today = dt.date(2018, 4, 20)
    person = await make_account(Role.ADMIN)
    await sign_in(client, person["email"])
    assert (await users_service.get_user(person["id"])).last_sign_in_at.astimezone(clock.ENGLAND).date() == today

    session = await kv.get("session:" + client.cookies["tracker_session"])
    assert session is not None and session[1] is not None
    assert clock.now() < session[1] <= clock.now() + dt.timedelta(hours=12)

    for _ in range(throttle.PAIR_LIMIT + 1):
        reservation = await throttle.reserve("someone@example.nhs.test", "192.0.2.1")
    assert reservation.refused is not None
    assert clock.now() < reservation.refused.until <= clock.now() + throttle.WINDOW + throttle.LOCK

    await tokens_service.issue(person["id"], "invite")
    link = await AccountToken.select().where(AccountToken.account == person["id"]).first()
    assert link["created_at"].astimezone(clock.ENGLAND).date() == today and link["expires_at"] > clock.now()

"""Sessions: nothing stored for anonymous visitors, written only when they change (the expiry at
most once a minute), and a swept table with a bound on its size."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import csrf_token, sign_in
from tests.factories import make_org_tree
from tracker import clock
from tracker.accounts.principal import Role
from tracker.tables import KeyValue
from tracker.web import sessions
from tracker.web.stores import DatabaseStore

pytestmark = pytest.mark.security

ANONYMOUS_PATHS = ["/sign-in", "/forgot-password", "/health", "/assets/nhsuk-frontend.min.css", "/", "/admin"]


async def test_1000_anonymous_requests_store_no_session(client):
    statuses = set()
    for n in range(1000):
        response = await client.get(ANONYMOUS_PATHS[n % len(ANONYMOUS_PATHS)], follow_redirects=False)
        statuses.add(response.status_code)
        assert "tracker_session" not in response.headers.get("set-cookie", "")
    assert statuses <= {200, 303}
    assert await KeyValue.count() == 0


async def test_the_anonymous_csrf_token_still_works_without_a_session(client):
    tree = await make_org_tree()
    token = await csrf_token(client)
    assert client.cookies.get("tracker_csrf")  # the token's own cookie, not the session
    assert await KeyValue.count() == 0
    response = await client.post(
        "/sign-in",
        data={
            "_csrf_token": token,
            "email": tree["users"][Role.CCG]["email"],
            "password": "correct horse battery staple",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert await KeyValue.count().where(KeyValue.key.like("session:%")) == 1


async def test_page_views_do_not_rewrite_the_session_until_a_minute_has_passed(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    key = f"session:{client.cookies.get('tracker_session')}"
    first = (await KeyValue.select(KeyValue.expires_at).where(KeyValue.key == key).first())["expires_at"]
    for _ in range(5):
        assert (await client.get("/", follow_redirects=False)).status_code == 200
    after = (await KeyValue.select(KeyValue.expires_at).where(KeyValue.key == key).first())["expires_at"]
    assert after == first  # read five times, written never
    # As if the last write were two minutes old: the next view pushes the expiry on.
    aged = first - dt.timedelta(minutes=2)
    await KeyValue.update({KeyValue.expires_at: aged}).where(KeyValue.key == key)
    await client.get("/", follow_redirects=False)
    renewed = (await KeyValue.select(KeyValue.expires_at).where(KeyValue.key == key).first())["expires_at"]
    assert renewed > first


def test_a_session_is_written_when_new_changed_or_a_minute_old():
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    max_age = 3600
    fresh = now + dt.timedelta(seconds=max_age - 30)  # written 30 s ago
    stale = now + dt.timedelta(seconds=max_age - 61)
    assert sessions.needs_writing(b"a", None, max_age, now)
    assert sessions.needs_writing(b"b", (b"a", fresh), max_age, now)
    assert not sessions.needs_writing(b"a", (b"a", fresh), max_age, now)
    assert sessions.needs_writing(b"a", (b"a", stale), max_age, now)


async def test_signing_out_removes_the_session_row(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    token = await csrf_token(client, "/account")
    await client.post("/sign-out", data={"_csrf_token": token}, follow_redirects=False)
    assert await KeyValue.count().where(KeyValue.key.like("session:%")) == 0


async def test_the_sweep_drops_expired_rows_and_keeps_the_table_bounded(clean_db):
    store = DatabaseStore("session", max_rows=10)
    for n in range(25):
        await store.set(f"s{n:02d}", b"{}", expires_in=3600 + n)
    await store.set("gone", b"{}", expires_in=dt.timedelta(seconds=-5))
    removed = await store.sweep()
    assert removed == 16
    kept = {r["key"] for r in await KeyValue.select(KeyValue.key)}
    assert kept == {f"session:s{n:02d}" for n in range(15, 25)}  # the newest ten


async def test_a_sign_in_sweeps(client):
    tree = await make_org_tree()
    past = clock.now() - dt.timedelta(minutes=1)
    await KeyValue.insert(*[KeyValue(key=f"session:old{n}", value="{}", expires_at=past) for n in range(20)])
    await sign_in(client, tree["users"][Role.CCG]["email"])
    assert await KeyValue.count().where(KeyValue.key.like("session:old%")) == 0

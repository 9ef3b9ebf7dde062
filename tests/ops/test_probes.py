"""/health and /ready through the app, the request log, and the one-scheduler lease."""

from __future__ import annotations

import datetime as dt
import logging

from tracker.jobs import Lease
from tracker.ops import service as ops
from tracker.tables import KeyValue


async def test_health_is_alive_without_a_session(client):
    response = await client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "tracker_session" not in response.headers.get("set-cookie", "")
    assert await KeyValue.count() == 0  # no session row for a probe


async def test_ready_checks_database_and_migrations(client):
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["database"] == "reachable"
    assert body["migrations"]["pending"] == [] and body["migrations"]["applied"] >= 15
    assert "tracker_session" not in response.headers.get("set-cookie", "")


async def test_every_request_logs_one_line_with_its_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="tracker.request"):
        response = await client.get("/health", headers={"X-Request-ID": "probe-7"})
        await client.get("/no-such-page")
    assert response.headers["x-request-id"] == "probe-7"
    lines = [r for r in caplog.records if r.name == "tracker.request"]
    assert len(lines) == 2
    assert lines[0].getMessage().startswith("GET /health 200 ") and "user=- request_id=probe-7" in lines[0].getMessage()
    assert lines[1].status == 404 and lines[1].duration_ms >= 0  # type: ignore[attr-defined]


async def test_only_one_process_holds_the_scheduler_lease(clean_db, caplog):
    first, second = Lease("web-1:100"), Lease("web-2:200")
    assert await first.beat()
    with caplog.at_level(logging.WARNING, logger="tracker.jobs"):
        assert not await second.beat()
    assert any("already scheduling" in r.getMessage() and "web-1:100" in r.getMessage() for r in caplog.records)
    assert await first.beat()  # the holder renews: that is the heartbeat
    held = await ops.lease()
    assert held is not None and held.holder == "web-1:100"
    await first.release()
    assert await second.beat()  # the stand-by takes over at once after a clean stop


async def test_an_expired_lease_is_taken_over(clean_db):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    assert await ops.claim("crashed:1", past, dt.timedelta(seconds=60))
    assert await ops.claim("web-2:200", dt.datetime.now(dt.UTC), dt.timedelta(seconds=60))
    assert not await ops.claim("crashed:1", dt.datetime.now(dt.UTC), dt.timedelta(seconds=60))


async def test_a_signed_in_request_logs_the_user(client, caplog):
    from tests.conftest import sign_in
    from tests.factories import make_org_tree

    await make_org_tree()
    await sign_in(client, "lead@00k.test")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="tracker.request"):
        await client.get("/")
    line = next(r for r in caplog.records if r.name == "tracker.request")
    assert line.user_id and f"user={line.user_id} " in line.getMessage()  # type: ignore[attr-defined]


async def test_the_schedules_page_shows_the_scheduler_heartbeat(client):
    from tests.conftest import sign_in
    from tests.factories import make_org_tree

    await make_org_tree()
    await sign_in(client, "admin@england.test")
    page = await client.get("/admin/schedules")
    assert "No scheduler has run yet" in page.text
    await Lease("web-3:300").beat()
    page = await client.get("/admin/schedules")
    assert "The scheduler is running in web-3:300 (last heartbeat" in page.text


async def test_assets_are_compressed_and_cached_and_pages_are_not(client):
    css = await client.get("/assets/nhsuk-frontend.min.css", headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and css.headers.get("content-encoding") == "gzip"
    assert "max-age=604800" in css.headers["cache-control"] and "public" in css.headers["cache-control"]
    page = await client.get("/sign-in", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in page.headers and page.headers["cache-control"] == "no-store"

"""Limits by route: small bodies and few fields everywhere but the uploads, shallow JSON, and a
refusal that costs nothing to make."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.conftest import csrf_token, sign_in
from tests.factories import make_org_tree
from tracker.accounts.principal import Role
from tracker.tables import AuditEvent
from tracker.web import limits

pytestmark = pytest.mark.security

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _many_fields(n: int) -> bytes:
    return b"&".join(b"f%d=x" % i for i in range(n))


# Pure checks on the raw bytes


def test_fields_are_counted_on_the_raw_bytes():
    assert limits.count_form_fields(b"", "application/x-www-form-urlencoded") == 0
    assert limits.count_form_fields(b"a=1", "application/x-www-form-urlencoded") == 1
    assert limits.count_form_fields(b"a=1&b=2&c=3", "application/x-www-form-urlencoded") == 3
    body = b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; '
    body += b'name="b"\r\n\r\n2\r\n--XyZ--\r\n'
    assert limits.count_form_fields(body, "multipart/form-data; boundary=XyZ") == 3  # two parts and the end


def test_json_depth_ignores_brackets_inside_strings():
    assert not limits.nests_deeper_than(b'{"a": [1, 2, {"b": "[[[[[[[["}]}', 3)
    assert limits.nests_deeper_than(b'{"a": [1, 2, {"b": "[[[[[[[["}]}', 2)
    assert not limits.nests_deeper_than(b'{"a": "\\"[[[[[[["}', 1)
    assert limits.nests_deeper_than(b"[" * 100_000 + b"]" * 100_000, 32)
    assert not limits.nests_deeper_than(b"[" * 32 + b"]" * 32, 32)
    assert not limits.nests_deeper_than(b"[]", 1)


def test_upload_routes_keep_the_upload_limit_and_everything_else_the_small_one():
    assert limits.limit_for("review_workbook_upload", 5_000_000) == limits.Limit(5_000_000, None)
    assert limits.limit_for("funding_upload_post", 5_000_000).max_fields is None
    assert limits.limit_for("sign_in", 5_000_000) == limits.Limit(limits.MAX_BYTES, limits.MAX_FIELDS)
    assert limits.limit_for(None, 5_000_000).max_bytes == limits.MAX_BYTES


async def test_the_upload_routes_named_here_exist(client):
    names = {h.name for route in client.app.routes for h in getattr(route, "route_handlers", [])}
    assert limits.UPLOAD_ROUTE_NAMES <= names


# Through the app


async def test_a_400000_field_sign_in_is_refused_before_anything_is_parsed(client):
    token = await csrf_token(client)
    body = b"_csrf_token=" + token.encode() + b"&email=a%40b.test&password=x&" + _many_fields(400_000)
    started = time.perf_counter()
    response = await client.post("/sign-in", content=body, headers=FORM)
    elapsed = time.perf_counter() - started
    print(f"\n400,000-field sign-in ({len(body) / 1e6:.1f} MB): {response.status_code} in {elapsed * 1000:.1f} ms")
    assert response.status_code == 413
    assert "too large" in response.text
    assert await AuditEvent.count() == 0  # no sign-in was attempted


async def test_too_many_fields_in_a_small_body_are_refused(client):
    token = await csrf_token(client)
    body = b"_csrf_token=" + token.encode() + b"&email=a%40b.test&password=x&" + _many_fields(limits.MAX_FIELDS)
    assert len(body) < limits.MAX_BYTES
    response = await client.post("/sign-in", content=body, headers=FORM)
    assert response.status_code == 400
    assert "at most 1,000 fields" in response.text
    assert await AuditEvent.count() == 0


async def test_a_normal_form_still_works(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    assert (await client.get("/", follow_redirects=False)).status_code == 200


async def test_a_body_without_a_length_stops_being_read_as_soon_as_it_passes_the_limit():
    received = 0

    async def receive():
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"x" * 65_536, "more_body": True}

    class Handler:
        name = "sign_in"

    class App:
        state: dict = {}

    async def never(scope, receive, send):
        raise AssertionError("the route must not be reached")

    scope = {"type": "http", "method": "POST", "headers": [], "route_handler": Handler(), "app": App()}
    with pytest.raises(limits.TooLarge):
        await limits.RequestLimitsMiddleware(never)(scope, receive, None)
    assert received == limits.MAX_BYTES // 65_536 + 1


async def test_json_nested_100000_deep_is_refused_not_a_500(client):
    body = b"[" * 100_000 + b"]" * 100_000
    response = await client.put(
        "/api/v1/practices/A81001/returns/2017-18-Q4",
        content=body,
        headers={"content-type": "application/json", "authorization": "Bearer ptk_nothing"},
    )
    assert response.status_code == 400
    assert "nest at most" in response.json()["detail"]


async def test_an_oversized_json_body_is_refused_on_its_length(client):
    body = b'{"values": [' + b'{"indicator": "X", "value": 1},' * 20_000 + b"{}]}"
    response = await client.put(
        "/api/v1/practices/A81001/returns/2017-18-Q4",
        content=body,
        headers={"content-type": "application/json", "authorization": "Bearer ptk_nothing"},
    )
    assert response.status_code == 413


async def test_an_upload_route_takes_a_file_bigger_than_the_form_limit(client):
    tree = await make_org_tree()
    await sign_in(client, tree["users"][Role.CCG]["email"])
    token = await csrf_token(client, "/review/workbook")
    big = b"PK" + b"\0" * (limits.MAX_BYTES * 2)  # not a workbook: the upload's own checks say so
    response = await client.post(
        "/review/workbook",
        data={"_csrf_token": token, "mode": "draft"},
        files={"file": ("returns.xlsx", big, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
    )
    assert response.status_code not in (400, 413, 500)
    assert "too large" not in response.text


async def test_health_stays_fast_while_huge_forms_are_refused(client):
    """Figures, not a timing assertion: the refusals and /health side by side on one event loop."""
    token = await csrf_token(client)
    body = b"_csrf_token=" + token.encode() + b"&" + _many_fields(400_000)
    health: list[float] = []
    refusals: list[float] = []

    async def attack() -> None:
        for _ in range(5):
            started = time.perf_counter()
            response = await client.post("/sign-in", content=body, headers=FORM)
            refusals.append(time.perf_counter() - started)
            assert response.status_code == 413

    async def probe() -> None:
        for _ in range(10):
            started = time.perf_counter()
            assert (await client.get("/health")).status_code == 200
            health.append(time.perf_counter() - started)
            await asyncio.sleep(0)

    await asyncio.gather(attack(), probe())
    print(
        f"\nrefusals: max {max(refusals) * 1000:.1f} ms; /health meanwhile: max {max(health) * 1000:.1f} ms "
        f"(median {sorted(health)[len(health) // 2] * 1000:.1f} ms)"
    )

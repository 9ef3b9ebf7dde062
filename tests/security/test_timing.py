"""Sign-in and "forgot password" take the same time whether or not the account exists.

Each check times interleaved pairs (known, unknown, in a random order each time) to the first
byte of the response, as a client would see it, and applies a sign test: if the two were equally
fast, the known one would be the slower in about half of the pairs. A real difference (the 7.5 ms
of the first build) makes it the slower in nearly all of them."""

from __future__ import annotations

import math
import random
import statistics
import time
from typing import Any

import pytest

from tests.conftest import csrf_token
from tests.factories import make_org_tree
from tracker.accounts.principal import Role

pytestmark = pytest.mark.security

PAIRS = 40
SIGN_IN_PAIRS = 20  # each sign-in hashes with argon2 on purpose: fewer pairs keep the test to seconds


async def _first_byte(app: Any, path: str, body: bytes, csrf_cookie: str, ip: str) -> tuple[int, float]:
    """Seconds from the request to the response's first byte, straight through the ASGI app (work
    done after the response has gone, such as a background task, is not counted, as for a client)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver.local"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
            (b"cookie", b"tracker_csrf=" + csrf_cookie.encode()),
        ],
        "client": (ip, 50000),
        "server": ("testserver.local", 80),
    }
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    started = time.perf_counter()
    first: list[tuple[int, float]] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not first:
            first.append((message["status"], time.perf_counter() - started))

    await app(scope, receive, send)
    return first[0]


def sign_test_p(slower: int, n: int) -> float:
    """Two-sided p-value of `slower` out of `n` under a fair coin."""
    k = min(slower, n - slower)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


async def _compare(
    client: Any, path: str, known: str, unknown: str, extra: str, pairs: int = PAIRS
) -> tuple[list[float], list[float]]:
    token = await csrf_token(client, path)
    cookie = client.cookies.get("tracker_csrf")
    rng = random.Random(17)
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(-3, pairs):  # three pairs to warm up, not counted
        order = [("known", known), ("unknown", unknown)]
        rng.shuffle(order)
        for label, email in order:
            body = f"_csrf_token={token}&email={email}{extra}".encode()
            ip = f"10.{1 if label == 'known' else 2}.{n % 250}.{n // 250 + 1}"  # below every throttle limit
            status, seconds = await _first_byte(client.app, path, body, cookie, ip)
            assert status in (303, 422)
            if n >= 0:
                times[label].append(seconds)
    return times["known"], times["unknown"]


def _report(name: str, known: list[float], unknown: list[float]) -> float:
    slower = sum(1 for k, u in zip(known, unknown, strict=True) if k > u)
    p = sign_test_p(slower, len(known))
    print(
        f"\n{name}: median known {statistics.median(known) * 1000:.1f} ms, unknown "
        f"{statistics.median(unknown) * 1000:.1f} ms; known slower in {slower} of {len(known)} pairs (p = {p:.3f})"
    )
    return p


def test_the_sign_test():
    assert sign_test_p(20, 40) == 1.0
    assert sign_test_p(28, 40) == pytest.approx(0.0166, abs=0.001)  # the first build's forgot-password figures
    assert sign_test_p(40, 40) < 1e-11


async def test_sign_in_takes_as_long_for_an_unknown_email_as_for_a_wrong_password(client):
    tree = await make_org_tree()
    known = tree["users"][Role.CCG]["email"].replace("@", "%40")
    password = "&password=not+the+password+at+all"
    p = _report("sign-in", *await _compare(client, "/sign-in", known, "nobody%4000k.test", password, SIGN_IN_PAIRS))
    assert p > 0.001


async def test_forgot_password_answers_as_fast_for_an_unknown_email(client):
    tree = await make_org_tree()
    known = tree["users"][Role.CCG]["email"].replace("@", "%40")
    p = _report("forgot-password", *await _compare(client, "/forgot-password", known, "nobody%4000k.test", ""))
    assert p > 0.001

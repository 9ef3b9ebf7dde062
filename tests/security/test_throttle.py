"""Sign-in throttling that cannot be raced, and that an attacker cannot turn against real users.
Runs on SQLite, and on PostgreSQL when TRACKER_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.factories import PASSWORD, make_org_tree
from tracker import clock
from tracker.accounts import passwords, service, throttle
from tracker.accounts.principal import Role
from tracker.kv import service as kv
from tracker.tables import KeyValue

pytestmark = pytest.mark.security


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password check the service makes (the hash it was checked against)."""
    checked: list[str] = []
    real = passwords._verify

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "_verify", counting)
    return checked


async def test_100_concurrent_wrong_passwords_check_exactly_the_limit(clean_db, password_checks):
    tree = await make_org_tree()
    email = tree["users"][Role.CCG]["email"]
    results = await asyncio.gather(*[service.sign_in(email, f"wrong guess {n}", "10.0.0.1") for n in range(100)])
    assert len(password_checks) == throttle.PAIR_LIMIT
    assert all(r.principal is None for r in results)
    assert sum(1 for r in results if r.lock is not None) >= 100 - throttle.PAIR_LIMIT + 1  # the last check locks
    # Even the right password is now refused from that address, without a check.
    assert (await service.sign_in(email, PASSWORD, "10.0.0.1")).lock is not None
    assert len(password_checks) == throttle.PAIR_LIMIT


async def test_concurrent_reservations_each_get_their_own_count(clean_db):
    counts = await asyncio.gather(
        *[kv.reserve("probe:counter", limit=1000, window=dt.timedelta(minutes=1)) for _ in range(50)]
    )
    assert sorted(c for c, _ in counts) == list(range(1, 51))


async def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(clean_db, password_checks):
    tree = await make_org_tree()
    email = tree["users"][Role.CCG]["email"]
    for n in range(20):
        await service.sign_in(email, f"attacker guess {n}", "203.0.113.66")
    attacker = await service.sign_in(email, PASSWORD, "203.0.113.66")
    assert attacker.principal is None and attacker.lock is not None
    real_person = await service.sign_in(email, PASSWORD, "192.0.2.10")
    assert real_person.principal is not None and real_person.principal.email == email


async def test_one_address_adds_at_most_the_pair_limit_to_an_accounts_count(clean_db):
    tree = await make_org_tree()
    email = tree["users"][Role.CCG]["email"]
    for n in range(throttle.ADDRESS_LIMIT + 30):
        await service.sign_in(f"spray{n}@example.test", "guess guess guess", "203.0.113.99")
        await service.sign_in(email, "guess guess guess", "203.0.113.99")
    found = await kv.get(throttle.account_key(email))
    assert found is not None and int(found[0]) == throttle.PAIR_LIMIT  # not 50: the rest were refused first


async def test_the_account_wide_limit_stops_guessing_spread_over_many_addresses(clean_db, password_checks):
    tree = await make_org_tree()
    email = tree["users"][Role.CCG]["email"]
    for n in range(throttle.ACCOUNT_WIDE_LIMIT + 20):
        await service.sign_in(email, "guess guess guess", f"198.51.100.{n}")
    assert len(password_checks) == throttle.ACCOUNT_WIDE_LIMIT


async def test_a_good_sign_in_gives_the_address_its_attempt_back(clean_db):
    tree = await make_org_tree()
    for _ in range(throttle.ADDRESS_LIMIT + 5):  # many people behind one NHS network address
        for role in (Role.CCG, Role.REGION):
            result = await service.sign_in(tree["users"][role]["email"], PASSWORD, "10.20.30.40")
            assert result.principal is not None


async def test_a_counter_starts_again_after_its_window(clean_db):
    assert await kv.increment("probe:window", dt.timedelta(minutes=1)) == 1
    assert await kv.increment("probe:window", dt.timedelta(minutes=1)) == 2
    past = clock.now() - dt.timedelta(seconds=1)
    await KeyValue.update({KeyValue.expires_at: past}).where(KeyValue.key == "probe:window")
    assert await kv.increment("probe:window", dt.timedelta(minutes=1)) == 1


async def test_a_burst_of_good_sign_ins_from_one_address_leaves_it_open(clean_db):
    # More people than the address limit, twice over, signing in at the same moment from behind
    # one NHS network address: some are asked to wait, but none leaves the address locked.
    tree = await make_org_tree()
    email = tree["users"][Role.CCG]["email"]
    burst = 2 * throttle.ADDRESS_LIMIT + 5
    reservations = await asyncio.gather(
        *[throttle.reserve(f"person{n}@example.test", "10.9.9.9") for n in range(burst)]
    )
    for n, r in enumerate(reservations):
        if r.refused is None:
            await throttle.succeeded(f"person{n}@example.test", r)
    after = await service.sign_in(email, PASSWORD, "10.9.9.9")
    assert after.lock is None and after.principal is not None

"""Work asked for by several callers at once runs once, and each of them gets its result."""

from __future__ import annotations

import asyncio

import pytest

from tracker.sharing import InFlight


async def test_callers_with_the_same_key_share_one_run() -> None:
    runs = 0

    async def work() -> int:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.01)
        return 42

    shared: InFlight[int] = InFlight()
    results = await asyncio.gather(*(shared.shared("k", work) for _ in range(5)))
    assert results == [42] * 5 and runs == 1
    assert len(shared) == 0
    # Afterwards nothing is kept: asking again runs the work again
    assert await shared.shared("k", work) == 42 and runs == 2


async def test_different_keys_run_apart() -> None:
    shared: InFlight[str] = InFlight()

    async def work(key: str) -> str:
        await asyncio.sleep(0.01)
        return key

    assert await asyncio.gather(shared.shared("a", lambda: work("a")), shared.shared("b", lambda: work("b"))) == [
        "a",
        "b",
    ]


async def test_an_error_reaches_every_caller_and_is_not_kept() -> None:
    shared: InFlight[int] = InFlight()

    async def failing() -> int:
        await asyncio.sleep(0.01)
        raise ValueError("no")

    results = await asyncio.gather(*(shared.shared("k", failing) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results)
    assert len(shared) == 0


async def test_a_waiter_who_gives_up_leaves_the_work_to_the_others() -> None:
    shared: InFlight[int] = InFlight()
    release = asyncio.Event()

    async def work() -> int:
        await release.wait()
        return 7

    first = asyncio.create_task(shared.shared("k", work))
    await asyncio.sleep(0)
    impatient = asyncio.create_task(shared.shared("k", work))
    await asyncio.sleep(0)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    release.set()
    assert await first == 7

"""Work shared by callers who ask for the same thing at the same time.

On deadline day many people open the same page at once; when what it needs is not yet kept, each
of them working it out again multiplies the cost by the crowd. `shared` runs the work once and
hands its result (or its error) to everyone who asked while it ran. Results are not kept here:
each caller keeps what it wants kept, under its own rules."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class InFlight(Generic[T]):
    """The pieces of work of one kind running now, by key, in each event loop of the process."""

    def __init__(self) -> None:
        self._running: dict[tuple[int, Hashable], asyncio.Future[T]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def shared(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        """`work()`'s result; when the same key is being worked out already, that run's result.
        A caller who gives up (cancelled) stops waiting without stopping the work for the others."""
        loop = asyncio.get_running_loop()
        running = (id(loop), key)
        if (pending := self._running.get(running)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[T] = loop.create_future()
        self._running[running] = future
        try:
            result = await work()
            future.set_result(result)
            return result
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: work nobody else waited for must not warn
            raise
        finally:
            del self._running[running]

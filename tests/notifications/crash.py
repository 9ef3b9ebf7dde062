"""A tracker process that dies with SIGKILL part-way through its work, for the crash tests.

    python -m tests.notifications.crash run JOB TRANSACTIONS   # killed as it opens transaction N+1 of the queueing
    python -m tests.notifications.crash deliver SENDS          # killed as it is about to send email N+1

Settings come from the TRACKER_* environment, as for `tracker`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    from tracker import cli
    from tracker.notifications import delivery_service, outbox_service

    action, limit = argv[0], int(argv[-1])
    if action == "run":
        original = outbox_service.write_transaction
        opened = 0

        @contextlib.asynccontextmanager
        async def dying_transaction() -> AsyncIterator[Any]:
            nonlocal opened
            if opened == limit:
                _die()
            opened += 1
            async with original() as txn:
                yield txn

        outbox_service.BATCH = 5
        outbox_service.write_transaction = dying_transaction  # type: ignore[assignment]
        return cli.main(["jobs", "run", argv[1]])
    send = delivery_service.Connection.send
    sent = 0

    def dying_send(self: Any, msg: Any, mail_from: str) -> None:
        nonlocal sent
        if sent == limit:
            _die()
        send(self, msg, mail_from)
        sent += 1

    delivery_service.Connection.send = dying_send  # type: ignore[method-assign]
    return cli.main(["jobs", "run", "deliver-emails"])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

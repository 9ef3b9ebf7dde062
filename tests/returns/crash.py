"""A tracker process that dies with SIGKILL part-way through a bulk approval or a workbook apply,
for tests/returns/test_crash.py.

    python -m tests.returns.crash      # then one JSON command a line on standard input

Each command is run by a child forked from this process (so the imports are paid once): the child
opens its own database connections, counts the SQL statements it sends, and kills itself with
SIGKILL as it is about to send statement `kill_at` (0: never). Like a server process killed by the
operating system, it gets no chance to roll back, close or clean up. This process answers each
command with one JSON line: {"killed": bool, "exit": int, "statements": int}.

Settings come from the TRACKER_* environment, as for `tracker`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any


async def _child(command: dict[str, Any], count_file: Path) -> int:
    from tracker import db
    from tracker.accounts import service as accounts
    from tracker.returns import review_service, upload_service
    from tracker.returns.service import Actor
    from tracker.settings import Settings

    settings = Settings.from_env(os.environ)
    engine = db.configure(settings)
    await db.start(engine)
    kill_at = int(command["kill_at"])
    sent = 0
    engine_class = type(engine)
    original = engine_class.run_querystring

    async def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal sent
        sent += 1
        count_file.write_text(str(sent))
        if sent == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return await original(self, *args, **kwargs)

    engine_class.run_querystring = counting  # type: ignore[method-assign]
    user = await accounts.load_principal(int(command["account_id"]))
    assert user is not None
    actor = Actor(user.id, user.email, "127.0.0.1")
    now, today = settings.now(), settings.current_date()
    if command["op"] == "approve":
        result = await review_service.decide(
            command["return_ids"],
            approve=True,
            reason="",
            user=user,
            actor=actor,
            now=now,
            today=today,
            base_url=settings.base_url,
        )
        ok = not result.refused
    else:
        applied = await upload_service.apply(command["token"], user=user, actor=actor, now=now, today=today)
        ok = not applied.error
    await db.stop(engine)
    return 0 if ok else 3


def main() -> int:
    # The imports a child needs, paid once here; no database connection is opened before a fork.
    import tracker.accounts.service
    import tracker.returns.review_service
    import tracker.returns.upload_service  # noqa: F401

    for line in sys.stdin:
        command = json.loads(line)
        with tempfile.NamedTemporaryFile("w+", suffix=".count") as count:
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = asyncio.run(_child(command, Path(count.name)))
                except BaseException:
                    traceback.print_exc()
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            text = Path(count.name).read_text() or "0"
        answer = {
            "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL,
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1,
            "statements": int(text),
        }
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A process killed with SIGKILL at 20 points while it bulk-approves returns, and at 20 while it
applies a workbook, leaves each operation done wholly or not at all, and every practice's scores
equal to those of a fresh `tracker refresh`; run again, the operation completes.

The kill points are spread over the SQL statements the operation sends (counted on a first,
unkilled run), from the first statement to the last: see tests/returns/crash.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest

from tests.factories import make_account, make_ccg, make_practice
from tests.fixtures_server import server_env
from tests.returns import workbooks
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tracker import clock
from tracker.accounts import service as accounts
from tracker.accounts.principal import Role
from tracker.maturity import service as maturity
from tracker.returns import upload_service, xlsx
from tracker.settings import Settings
from tracker.tables import PracticeReturn, PracticeScore

KILLS = 20
PRACTICES = 5
SCORE_COLUMNS = (
    "practice", "period", "maturity", "level", "status", "indicators_on_track", "indicators_at_risk",
    "indicators_off_track", "indicators_scored", "ccg_id", "region_id", "patients", "expected", "submitted", "on_time",
)  # fmt: skip


class Crasher:
    """The forking crash process of tests/returns/crash.py, fed one command at a time."""

    def __init__(self, settings: Settings) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.returns.crash"],
            env=server_env(settings, 8000),  # no server: only its TRACKER_* settings
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _send(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    async def run(self, command: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self._send, command)

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
async def crasher(clean_db: Settings) -> Any:
    await setup_catalogue()
    c = Crasher(clean_db)
    try:
        yield c
    finally:
        c.close()


async def _world(state: str) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """A CCG with its lead and practices, each with a return in the open period, all scored."""
    ccg = await make_ccg()
    practices = [await make_practice(ccg) for _ in range(PRACTICES)]
    lead = await make_account(Role.CCG, ccg=ccg)
    for p in practices:
        await make_return(p, OPEN, state, complete_values())
    await maturity.refresh_all(clock.today())
    return ccg, practices, lead


async def _scores(practices: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    ids = [p["id"] for p in practices]
    rows = await PracticeScore.select().where(PracticeScore.practice.is_in(ids))
    return sorted(tuple(r[c] for c in SCORE_COLUMNS) for r in rows)


async def _states(practices: list[dict[str, Any]]) -> set[str]:
    rows = await PracticeReturn.select(PracticeReturn.state).where(
        PracticeReturn.practice.is_in([p["id"] for p in practices])
    )
    return {r["state"] for r in rows}


async def _consistent_after(practices: list[dict[str, Any]], done: str, before: str) -> str:
    """The operation is wholly done or not at all, and the stored scores are a fresh refresh's."""
    states = await _states(practices)
    assert states in ({done}, {before}), f"half done: {states}"
    stored = await _scores(practices)
    await maturity.refresh_all(clock.today())
    assert await _scores(practices) == stored, "stored scores differ from a fresh refresh"
    return states.pop()


def _kill_points(total: int) -> list[int]:
    return sorted({1 + (total - 1) * i // (KILLS - 1) for i in range(KILLS)} | {total})


async def _approve() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A world of submitted returns, and the command that approves them all at once."""
    _, practices, lead = await _world("submitted")
    ids = [r["id"] for r in await PracticeReturn.select(PracticeReturn.id).where(
        PracticeReturn.practice.is_in([p["id"] for p in practices])
    )]  # fmt: skip
    return practices, {"op": "approve", "account_id": lead["id"], "return_ids": ids}


async def _apply() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A world of draft returns, and the command that applies a previewed workbook submitting them all."""
    _, practices, lead = await _world("draft")
    user = await accounts.load_principal(lead["id"])
    assert user is not None
    name, data = await upload_service.workbook(user, clock.today())

    def fill(wb: Any) -> None:
        for row in range(2, 2 + PRACTICES):
            wb[xlsx.DATA_SHEET].cell(row=row, column=3, value=41)

    preview = await upload_service.preview(
        workbooks.edit(data, fill), name, user=user, submit=True, today=clock.today(), max_bytes=5_000_000
    )
    assert preview.token, preview.error or preview.checked
    return practices, {"op": "apply", "account_id": lead["id"], "token": preview.token}


@pytest.mark.parametrize(
    ("operation", "done", "before"), [(_approve, "approved", "submitted"), (_apply, "submitted", "draft")]
)
async def test_killed_at_any_statement_leaves_all_or_nothing_and_true_scores(
    crasher: Crasher, operation: Any, done: str, before: str
) -> None:
    practices, command = await operation()
    first = await crasher.run({**command, "kill_at": 0})
    assert not first["killed"] and first["exit"] == 0, first
    assert await _consistent_after(practices, done, before) == done
    total = first["statements"]
    assert total > 10, first

    # A kill that leaves nothing done leaves the world as it was, so the next kill point reuses it.
    practices, command = await operation()
    outcomes = []
    for kill_at in _kill_points(total):
        answer = await crasher.run({**command, "kill_at": kill_at})
        assert answer["killed"], (kill_at, answer)
        outcomes.append(await _consistent_after(practices, done, before))
        if outcomes[-1] == done:
            practices, command = await operation()
    # Restarted, the operation completes.
    again = await crasher.run({**command, "kill_at": 0})
    assert again["exit"] == 0, again
    assert await _consistent_after(practices, done, before) == done
    assert len(outcomes) >= KILLS and before in outcomes

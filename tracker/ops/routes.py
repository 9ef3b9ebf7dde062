"""`/health` (the process is alive) and `/ready` (it can serve: database, schema, scheduler).

Both are public, touch no session and answer JSON; `/ready` answers 503 with a reason, within a
second even when the database does not answer, so a load balancer can act on it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from litestar import Request, get
from litestar.response import Response

from tracker.ops import service
from tracker.ops.readiness import Readiness, judge
from tracker.settings import Settings

PROBE_OPT: dict[str, Any] = {"public": True}
READY_TIMEOUT_SECONDS = 0.8
log = logging.getLogger(__name__)


@get("/health", opt=PROBE_OPT, include_in_schema=False, name="health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def readiness(settings: Settings) -> Readiness:
    async def probe() -> Readiness:
        await service.ping()
        migrations = await service.migration_state()
        lease = await service.lease()
        return judge(
            migrations,
            lease,
            dt.datetime.now(dt.UTC),  # noqa: TID251 (the heartbeat is on real time, between processes)
            scheduler_expected=settings.scheduler,
            stale_after=dt.timedelta(seconds=settings.heartbeat_stale_seconds),
        )

    try:
        return await asyncio.wait_for(probe(), timeout=READY_TIMEOUT_SECONDS)
    except TimeoutError:
        return Readiness(False, f"the database did not answer within {READY_TIMEOUT_SECONDS} s")
    except Exception as exc:  # any driver error means "not ready", said in one line
        log.warning("not ready: %s: %s", type(exc).__name__, exc)
        return Readiness(False, f"the database is unreachable ({type(exc).__name__})")


@get("/ready", opt=PROBE_OPT, include_in_schema=False, name="ready")
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    verdict = await readiness(request.app.state["settings"])
    return Response(verdict.as_json(), status_code=200 if verdict.ready else 503)


ROUTES: list[Any] = [health, ready]

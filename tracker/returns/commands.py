"""This feature's part of the `tracker` command: returns counts for `tracker status`."""

from __future__ import annotations

from typing import Any

from tracker.settings import Settings


def register(sub: Any) -> None:
    """Returns add no subcommands of their own; `tracker status` includes their counts."""


async def status(settings: Settings) -> dict[str, Any]:
    """Returns by state for each period, e.g. {"2017/18-Q4": {"draft": 1200, "submitted": 800}}."""
    from tracker.returns import service

    return await service.status(settings.current_date())

"""Maturity: precomputed scores per practice and period, and the dashboards' queries."""

from __future__ import annotations


async def refresh_practice(practice_id: int, period_id: int | None = None) -> None:
    """Recompute a practice's scores after one of its returns was approved or corrected
    (from `period_id` onwards; all periods when None)."""

"""Which organisation an export covers, and the dates and times its rows carry. No database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tracker.accounts.policy import NATIONAL_SCOPE, Scope


@dataclass(frozen=True)
class Target:
    """The organisation an export covers, with its database id."""

    scope: str
    code: str
    name: str
    id: int | None
    region_id: int | None = None

    @property
    def policy_scope(self) -> Scope:
        if self.scope == "region":
            return Scope(region_id=self.id)
        if self.scope == "ccg":
            return Scope(ccg_id=self.id, region_id=self.region_id)
        return NATIONAL_SCOPE

    @property
    def slug(self) -> str:
        return "national" if self.scope == "national" else f"{self.scope}-{self.code}"


def as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        found = value
    else:
        found = dt.datetime.fromisoformat(str(value))
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)

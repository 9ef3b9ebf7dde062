"""Organisations as they were: which CCG a practice belonged to, and which region a CCG was in, on
any date. Pure: the service loads the rows, these rules answer the questions."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from tracker.figures import rules


@dataclass(frozen=True)
class Span:
    ccg_id: int
    start_date: dt.date
    end_date: dt.date | None  # None: a member when last seen


@dataclass(frozen=True)
class PracticeNow:
    """What the tracker holds for a practice today, the fallback where no history is known."""

    id: int
    ccg_id: int | None
    region_id: int | None
    open_date: dt.date | None
    close_date: dt.date | None
    status: str
    ods_as_at: dt.date | None = None


@dataclass(frozen=True)
class Place:
    ccg_id: int | None
    region_id: int | None


@dataclass
class OrgHistory:
    practices: dict[int, PracticeNow] = field(default_factory=dict)
    spans: dict[int, list[Span]] = field(default_factory=dict)  # practice -> spans by start date
    ccg_regions: dict[int, list[tuple[dt.date, int]]] = field(default_factory=dict)  # ccg -> (as_at, region)
    ccg_region_now: dict[int, int | None] = field(default_factory=dict)
    practice_regions: dict[int, list[tuple[dt.date, int]]] = field(default_factory=dict)  # practice -> (as_at, region)
    latest_edition: dt.date | None = None

    def ccg_on(self, practice_id: int, day: dt.date) -> int | None:
        """The CCG whose membership started last on or before `day` and had not ended by it; the
        practice's current CCG when the history has nothing for that day."""
        chosen: Span | None = None
        for span in self.spans.get(practice_id, ()):
            if span.start_date <= day and (span.end_date is None or span.end_date >= day):
                if chosen is None or span.start_date >= chosen.start_date:
                    chosen = span
        if chosen is not None:
            return chosen.ccg_id
        now = self.practices.get(practice_id)
        return now.ccg_id if now else None

    def region_on(self, ccg_id: int | None, day: dt.date) -> int | None:
        """The CCG's region in the latest practice-file edition on or before `day` (the earliest
        edition for days before any), else its current region."""
        if ccg_id is None:
            return None
        found = _as_at(self.ccg_regions.get(ccg_id, []), day)
        return found if found is not None else self.ccg_region_now.get(ccg_id)

    def close_date(self, practice_id: int) -> dt.date | None:
        """The close date, or for a practice the ODS lists as closed without a date, the date of
        the file that said so."""
        p = self.practices[practice_id]
        if p.close_date is None and p.status in ("C", "D"):
            return p.ods_as_at
        return p.close_date

    def expected(self, practice_id: int, start: dt.date, end: dt.date) -> bool:
        p = self.practices[practice_id]
        return rules.open_during(p.open_date, self.close_date(practice_id), start, end)

    def place(self, practice_id: int, start: dt.date, end: dt.date) -> Place:
        """Where a practice counts for a period: its CCG on its last open day of the period, and
        that CCG's region then (the practice's own region where it has no CCG)."""
        day = rules.last_open_day(self.close_date(practice_id), start, end)
        ccg_id = self.ccg_on(practice_id, day)
        editions = self.ccg_regions.get(ccg_id, []) if ccg_id is not None else []
        if editions and editions[0][0] > day and self.practice_regions.get(practice_id):
            # No edition of the time lists this CCG yet (it was formed later by a merger): the
            # practice's own region in the edition of the time.
            return Place(ccg_id, _as_at(self.practice_regions[practice_id], day))
        region_id = self.region_on(ccg_id, day)
        if region_id is None:
            found = _as_at(self.practice_regions.get(practice_id, []), day)
            now = self.practices.get(practice_id)
            region_id = found if found is not None else (now.region_id if now else None)
        return Place(ccg_id, region_id)

    def missing_since(self, practice_id: int) -> dt.date | None:
        """The date of the newest practice file that did not list the practice, if any."""
        p = self.practices.get(practice_id)
        if p is None or p.ods_as_at is None or self.latest_edition is None:
            return None
        return self.latest_edition if p.ods_as_at < self.latest_edition else None


@dataclass(frozen=True)
class OdsStanding:
    """What the ODS files say of a practice beyond its open date: closed, or no longer listed."""

    closed_on: dt.date | None
    missing_since: dt.date | None


def standing(history: OrgHistory, practice_id: int) -> OdsStanding:
    """A practice's standing in the ODS files: its close date, else the date of the newest file
    that no longer lists it (an operator decides whether it closed)."""
    closed = history.close_date(practice_id)
    return OdsStanding(closed, None if closed is not None else history.missing_since(practice_id))


def standing_note(s: OdsStanding) -> str:
    """The words the dashboards show beside a practice that is closed or no longer listed."""
    if s.closed_on is not None:
        return f"Closed on {s.closed_on.day} {s.closed_on:%B %Y}"
    if s.missing_since is not None:
        return f"Not in the ODS file since {s.missing_since.day} {s.missing_since:%B %Y}"
    return ""


def patients_on(snapshots: list[tuple[dt.date, int]], day: dt.date) -> int | None:
    """Registered patients from the latest snapshot on or before `day`, else the earliest after it
    (the nearest real count); None when the practice has no list size at all."""
    return _as_at(snapshots, day)


def _as_at(editions: list[tuple[dt.date, int]], day: dt.date) -> int | None:
    """The value of the latest edition on or before `day`, the earliest one for days before any."""
    if not editions:
        return None
    at = bisect.bisect_right(editions, day, key=_edition_date)
    return editions[max(at - 1, 0)][1]


def _edition_date(edition: tuple[dt.date, int]) -> dt.date:
    return edition[0]

"""The one authorisation policy. Every route and service asks `can()` (or `require()`).

A record is located in the organisation tree by a `Scope` (its practice, CCG and region); the
policy compares that with where the signed-in person works.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from litestar.exceptions import PermissionDeniedException

from tracker.accounts.principal import Principal, Role


class Action(StrEnum):
    VIEW = "view"  # see a record and its dashboards
    EDIT_RETURN = "edit_return"  # fill in and submit a practice's return
    REVIEW_RETURN = "review_return"  # approve or return a practice's return
    MANAGE_CCG_FUNDING = "manage_ccg_funding"  # forecasts, awards to practices, bids
    ALLOCATE = "allocate"  # national allocation runs, reallocation, transition awards
    INVITE = "invite"  # invite users for this scope
    CHASE = "chase"  # remind practices with an outstanding return, now
    ADMINISTER = "administer"  # users, indicators, periods, schedules, audit
    MANAGE_CONTACTS = "manage_contacts"  # an organisation's contact address for reminders and reports


@dataclass(frozen=True)
class Scope:
    """Where a record sits: any of practice, CCG, region (None where it has none)."""

    practice_id: int | None = None
    ccg_id: int | None = None
    region_id: int | None = None


NATIONAL_SCOPE = Scope()


class Level(StrEnum):
    """How much of the organisation tree a person's lists cover."""

    ENGLAND = "england"
    REGION = "region"
    CCG = "ccg"
    PRACTICES = "practices"


@dataclass(frozen=True)
class Visible:
    """What a person's lists may show: all of England, one region, one CCG, or their practices.

    Pages and services filter lists by it (and start people at their own organisation by it), so
    what a region or CCG user may see is decided here once, never by role in a route.
    """

    level: Level
    region_id: int | None = None
    ccg_id: int | None = None
    practice_ids: frozenset[int] = frozenset()
    region_code: str = ""
    ccg_code: str = ""
    practice_codes: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return self.level == Level.ENGLAND

    def allows(self, scope: Scope) -> bool:
        """Whether a record at `scope` belongs in this person's lists (the same answer as VIEW)."""
        match self.level:
            case Level.ENGLAND:
                return True
            case Level.REGION:
                return scope.region_id is not None and scope.region_id == self.region_id
            case Level.CCG:
                return scope.ccg_id is not None and scope.ccg_id == self.ccg_id
            case Level.PRACTICES:
                return scope.practice_id is not None and scope.practice_id in self.practice_ids
        return False

    def region_filter(self) -> int | None:
        """The one region a list is limited to, or None for every region (CCG and practice lists
        are narrower still; use `allows` or the ccg and practice fields for those)."""
        return self.region_id if self.level == Level.REGION else None

    def ccg_filter(self) -> int | None:
        """The one CCG a list is limited to, or None when it is not limited to one CCG."""
        return self.ccg_id if self.level == Level.CCG else None


def visible(principal: Principal) -> Visible:
    """The part of the tree this person's lists cover."""
    match principal.role:
        case Role.PRACTICE:
            return Visible(
                Level.PRACTICES, practice_ids=principal.practice_ids, practice_codes=principal.practice_codes
            )
        case Role.CCG:
            return Visible(Level.CCG, ccg_id=principal.ccg_id, ccg_code=principal.ccg_code)
        case Role.REGION:
            return Visible(Level.REGION, region_id=principal.region_id, region_code=principal.region_code)
    return Visible(Level.ENGLAND)


def _within(principal: Principal, scope: Scope) -> bool:
    """True when the record lies inside the principal's own organisation."""
    return visible(principal).allows(scope)


def can(principal: Principal | None, action: Action, scope: Scope = NATIONAL_SCOPE) -> bool:
    if principal is None:
        return False
    role = principal.role
    match action:
        case Action.VIEW:
            if role in (Role.NATIONAL, Role.ADMIN):
                return True
            if scope == NATIONAL_SCOPE:
                return False
            return _within(principal, scope)
        case Action.EDIT_RETURN:
            return role == Role.PRACTICE and _within(principal, scope)
        case Action.REVIEW_RETURN | Action.MANAGE_CCG_FUNDING:
            return role == Role.CCG and _within(principal, scope)
        case Action.ALLOCATE:
            return role in (Role.NATIONAL, Role.ADMIN)
        case Action.CHASE:
            # The people who answer for getting returns in: a CCG's lead, a region's team, NHS England.
            if role == Role.NATIONAL:
                return True
            return role in (Role.CCG, Role.REGION) and scope != NATIONAL_SCOPE and _within(principal, scope)
        case Action.INVITE:
            if role == Role.ADMIN:
                return True
            return role == Role.CCG and scope.practice_id is not None and _within(principal, scope)
        case Action.ADMINISTER:
            return role == Role.ADMIN
        case Action.MANAGE_CONTACTS:
            # A CCG lead: its CCG and its practices; a practice user: its own practices.
            if role == Role.ADMIN:
                return True
            return role in (Role.CCG, Role.PRACTICE) and scope != NATIONAL_SCOPE and _within(principal, scope)
    return False


def require(principal: Principal | None, action: Action, scope: Scope = NATIONAL_SCOPE) -> None:
    """Raise 403 (rendered as the 'You do not have access' page) unless `can()` allows it."""
    if not can(principal, action, scope):
        raise PermissionDeniedException("You do not have access to this page")

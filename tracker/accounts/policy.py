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
    ADMINISTER = "administer"  # users, indicators, periods, schedules, audit


@dataclass(frozen=True)
class Scope:
    """Where a record sits: any of practice, CCG, region (None where it has none)."""

    practice_id: int | None = None
    ccg_id: int | None = None
    region_id: int | None = None


NATIONAL_SCOPE = Scope()


def _within(principal: Principal, scope: Scope) -> bool:
    """True when the record lies inside the principal's own organisation."""
    match principal.role:
        case Role.PRACTICE:
            return scope.practice_id is not None and scope.practice_id in principal.practice_ids
        case Role.CCG:
            return scope.ccg_id is not None and scope.ccg_id == principal.ccg_id
        case Role.REGION:
            return scope.region_id is not None and scope.region_id == principal.region_id
        case Role.NATIONAL | Role.ADMIN:
            return True
    return False


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
        case Action.INVITE:
            if role == Role.ADMIN:
                return True
            return role == Role.CCG and scope.practice_id is not None and _within(principal, scope)
        case Action.ADMINISTER:
            return role == Role.ADMIN
    return False


def require(principal: Principal | None, action: Action, scope: Scope = NATIONAL_SCOPE) -> None:
    """Raise 403 (rendered as the 'You do not have access' page) unless `can()` allows it."""
    if not can(principal, action, scope):
        raise PermissionDeniedException("You do not have access to this page")

"""The header navigation: the same few places for everyone, each shown to the roles that use it."""

from __future__ import annotations

from typing import Any

from tracker.accounts.principal import Principal, Role

# (label, href, roles that see it). Paths are the features' own; a feature that is not there
# yet is simply not linked until its routes exist.
ITEMS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("Home", "/", tuple(Role)),
    ("Returns", "/returns", (Role.PRACTICE,)),
    ("Review", "/review", (Role.CCG,)),
    ("Dashboards", "/dashboards", tuple(Role)),
    ("Organisations", "/organisations", tuple(Role)),
    ("Funding", "/funding", (Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN)),
    ("Administration", "/admin", (Role.ADMIN,)),
)


# The administration landing page (/admin) lists these: (label, href, description). Features
# with administration pages append their own entry.
ADMIN_SECTIONS: list[tuple[str, str, str]] = [
    ("Users", "/admin/users", "Invite users, change their role and organisations, disable and re-enable accounts."),
    (
        "Audit trail",
        "/admin/audit",
        "Sign-ins, lockouts, user changes and every data change: who, when, what, from where.",
    ),
    ("Reporting periods", "/admin/periods", "Every quarter's opening, due and lock dates; add a financial year."),
    (
        "Indicator catalogue",
        "/admin/catalogue",
        "The indicators, their targets and weights; load a reviewed catalogue file after seeing what it changes.",
    ),
    ("Schedules", "/admin/schedules", "Reminders and status reports: what runs when, run now, preview the emails."),
    (
        "Sent emails",
        "/admin/emails",
        "Every email the tracker has queued or sent, readable here even with no mail server.",
    ),
    (
        "Delivery failures",
        "/admin/email-failures",
        "Emails the mail server refused or that failed every retry; try them again.",
    ),
    ("API tokens", "/admin/api-tokens", "Issue and revoke the tokens system suppliers use to read and submit returns."),
    ("Lock exceptions", "/admin/lock-exceptions", "Let named practices change a locked period's return until a date."),
]


def navigation(user: Principal | None, path: str, available: frozenset[str] | None = None) -> dict[str, Any]:
    if user is None:
        return {"items": []}
    items = []
    for label, href, roles in ITEMS:
        if user.role not in roles:
            continue
        if available is not None and href not in available:
            continue
        current = path == href or (href != "/" and path.startswith(href + "/")) or path == href
        items.append({"text": label, "href": href, "current": current})
    return {"items": items}

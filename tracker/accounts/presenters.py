"""View models for the accounts pages: home cards per role, user rows, status tags. Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.accounts.principal import Principal, Role

if TYPE_CHECKING:
    from tracker.accounts.users_service import UserRow

ROLE_CHOICES: tuple[tuple[str, str], ...] = tuple((r.value, r.label) for r in Role)

ORG_HINT = {
    Role.PRACTICE: "Practice ODS code(s), separated by commas, like A81001, A81002",
    Role.CCG: "CCG code, like 00K",
    Role.REGION: "Region code, like Y63",
    Role.NATIONAL: "Leave empty",
    Role.ADMIN: "Leave empty",
}


def _card(href: str, heading: str, description: str) -> dict[str, Any]:
    return {"href": href, "heading": heading, "headingLevel": 2, "description": description, "clickable": True}


def home_cards(user: Principal) -> list[dict[str, Any]]:
    """What this role does, as cards linking to the pages for it."""
    role = user.role
    cards: list[dict[str, Any]] = []
    if role == Role.PRACTICE:
        own = f"/practices/{user.practice_codes[0]}" if len(user.practice_codes) == 1 else "/practices"
        cards += [
            _card("/returns", "Your returns", "Fill in, save and submit your practice's quarterly return."),
            _card(own, "Your practice", "Your practice's details and list size."),
            _card("/dashboards", "Dashboards", "How your practice compares, and its trajectory to the targets."),
        ]
    elif role == Role.CCG:
        cards += [
            _card("/review", "Review returns", "Approve or return your practices' returns, and chase late ones."),
            _card(f"/organisations/ccgs/{user.ccg_code}", "Your practices", "Every practice in your CCG."),
            _card("/dashboards", "Dashboards", "Status, maturity and progress to the targets across your CCG."),
            _card("/funding", "Funding", "GP IT funding, forecasts and what each award bought."),
            _card("/users", "Practice users", "Invite practice staff and manage their access."),
        ]
    elif role == Role.REGION:
        cards += [
            _card(
                f"/organisations/regions/{user.region_code}", "Your region", "The CCGs and practices in your region."
            ),
            _card("/dashboards", "Dashboards", "The regional picture: completeness, maturity, on and off track."),
            _card("/funding", "Funding", "Allocations to your region's CCGs and how they are spent."),
        ]
    elif role == Role.NATIONAL:
        cards += [
            _card("/dashboards", "Dashboards", "The national picture, with Excel summaries."),
            _card("/organisations", "Organisations", "Browse regions, CCGs and practices."),
            _card("/funding", "Funding", "Fair shares, transition awards, capital and reallocation."),
        ]
    elif role == Role.ADMIN:
        cards += [
            _card("/admin", "Administration", "Users, the audit trail and the other administration pages."),
            _card("/admin/users", "Users", "Invite users, change roles and organisations, disable accounts."),
            _card("/admin/audit", "Audit trail", "Who did what, when and from where."),
            _card("/organisations", "Organisations", "Browse regions, CCGs and practices."),
            _card("/dashboards", "Dashboards", "The national picture."),
            _card("/funding", "Funding", "GP IT funding and allocations."),
        ]
    return cards


def role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


def status(row: UserRow) -> tuple[str, str]:
    """(text, NHS tag colour) for a user row."""
    if row.disabled:
        return "Disabled", "grey"
    if not row.has_password:
        return ("Invited", "blue") if row.invited else ("Invitation expired", "orange")
    return "Active", "green"


def organisation(row: UserRow) -> str:
    if row.role == Role.PRACTICE.value:
        return ", ".join(row.practice_codes)
    return row.ccg_code or row.region_code or "England"


def user_rows(rows: list[UserRow], base: str = "/admin/users") -> list[dict[str, Any]]:
    out = []
    for r in rows:
        text, colour = status(r)
        out.append(
            {
                "id": r.id,
                "href": f"{base}/{r.id}",
                "email": r.email,
                "name": r.name,
                "role": role_label(r.role),
                "organisation": organisation(r),
                "status": text,
                "status_colour": colour,
                "last_sign_in": r.last_sign_in_at,
            }
        )
    return out


def pagination(base: str, page: int, pages: int, params: dict[str, str]) -> dict[str, Any]:
    """The previous/next links of the NHS pagination component, keeping the filters."""
    from urllib.parse import urlencode

    def link(n: int) -> str:
        kept = {k: v for k, v in params.items() if v}
        kept["page"] = str(n)
        return f"{base}?{urlencode(kept)}"

    result: dict[str, Any] = {}
    if page > 1:
        result["previousUrl"] = link(page - 1)
        result["previousPage"] = f"Page {page - 1} of {pages}"
    if page < pages:
        result["nextUrl"] = link(page + 1)
        result["nextPage"] = f"Page {page + 1} of {pages}"
    return result


HOME_HEADINGS = {
    Role.PRACTICE: "Your practice's progress",
    Role.CCG: "Your CCG's practices",
    Role.REGION: "Your region",
    Role.NATIONAL: "The national picture",
    Role.ADMIN: "Administration and oversight",
}


def home_context(user: Principal) -> dict[str, Any]:
    organisation = ", ".join(user.practice_codes) or user.ccg_code or user.region_code
    return {
        "heading": HOME_HEADINGS[user.role],
        "role_label": user.role.label,
        "organisation": organisation,
        "cards": home_cards(user),
    }

"""The audit trail viewer (/admin/audit): filter and page through events. Read-only: there is no
route that changes or deletes an event."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from tracker.accounts.presenters import pagination
from tracker.accounts.principal import Role
from tracker.accounts.validation import page_number
from tracker.audit import presenters, service
from tracker.web.auth import roles
from tracker.web.forms import FormErrors

Query = Annotated[str, QueryParameter(required=False, max_length=400)]


@get("/admin/audit", opt=roles(Role.ADMIN), name="admin_audit")
async def audit_trail(
    request: Request[Any, Any, Any],
    action: Query = "",
    actor: Query = "",
    since: Annotated[str, QueryParameter(name="from", required=False, max_length=40)] = "",
    until: Annotated[str, QueryParameter(name="to", required=False, max_length=40)] = "",
    entity_type: Query = "",
    entity_id: Query = "",
    page: Query = "",
) -> Template:
    errors = FormErrors()
    dates: dict[str, dt.date | None] = {}
    for field, raw in (("from", since), ("to", until)):
        parsed = presenters.parse_date(raw)
        if isinstance(parsed, str):
            errors.add(field, parsed)
            dates[field] = None
        else:
            dates[field] = parsed
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors.add("to", "The 'to' date must be the same as or after the 'from' date")
    found = await service.search(
        action=action.strip(),
        actor=actor.strip(),
        since=dates["from"],
        until=dates["to"],
        entity_type=entity_type.strip(),
        entity_id=entity_id.strip(),
        page=page_number(page),
    )
    filters = {
        "action": action,
        "actor": actor,
        "from": since,
        "to": until,
        "entity_type": entity_type,
        "entity_id": entity_id,
    }
    return Template(
        "audit/index.html",
        context={
            "title": "Audit trail",
            "filters": filters,
            "actions": await service.actions(),
            "entity_types": await service.entity_types(),
            "rows": presenters.event_rows(found.rows),
            "total": found.total,
            "page": found.page,
            "pages": found.pages,
            "pagination": pagination("/admin/audit", found.page, found.pages, filters),
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


ROUTES: list[Any] = [audit_trail]

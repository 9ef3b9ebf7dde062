"""`GET /api/v1/figures/...`: an organisation's figures for a period, as the dashboards show them.

For system suppliers' API tokens, like the returns API: any token reads England and the regions
(the published national picture); a practice's token reads its practice, a CCG's token its CCG and
the practices it has now, as the authorisation policy decides for pages.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery

from tracker.accounts.policy import Action, Scope, can
from tracker.accounts.principal import Principal, Role
from tracker.figures import service
from tracker.organisations import service as organisations
from tracker.returns.api_routes import API, READ_RESPONSES, api_client, bearer_guard


def _principal(request: Request[Any, Any, Any]) -> Principal:
    client = api_client(request)
    if client.ccg_id is not None:
        return Principal(id=0, email="", name=client.name, role=Role.CCG, ccg_id=client.ccg_id)
    practices = frozenset({client.practice_id}) if client.practice_id is not None else frozenset[int]()
    return Principal(id=0, email="", name=client.name, role=Role.PRACTICE, practice_ids=practices)


async def _org(scope: str, code: str) -> tuple[int | None, Scope]:
    found = await organisations.locate(scope, code)
    if found is None:
        raise NotFoundException(f"There is no {scope} {code}")
    return found


@get(
    "/api/v1/figures/{level:str}/{code:str}",
    opt=API,
    guards=[bearer_guard],
    name="api_figures",
    tags=["Figures"],
    responses=READ_RESPONSES,
)
async def figures(
    request: Request[Any, Any, Any], level: FromPath[str], code: FromPath[str], period: FromQuery[str]
) -> dict[str, Any]:
    """Expected, received, on time, completeness, timeliness, maturity, statuses and funding of
    England (`england/ENG`), a region, a CCG or a practice for a period (`period=2017/18-Q3`)."""
    if level not in service.SCOPES:
        raise NotFoundException(f"The level must be one of {', '.join(service.SCOPES)}")
    org_id, where = await _org(level, code)
    # England's and the regions' figures are the published national picture: any token reads them.
    if level not in ("england", "region") and not can(_principal(request), Action.VIEW, where):
        raise PermissionDeniedException("This API token is not for this organisation")
    row = await service.period_by_code(period)
    today = request.app.state.settings.current_date()
    return (await service.figures_for(level, org_id, code.upper(), row, today)).as_json()


ROUTES = [figures]

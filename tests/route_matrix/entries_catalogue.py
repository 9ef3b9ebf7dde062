"""The indicator catalogue's administration: administrators only."""

from typing import Any

from tests.route_matrix.matrix import Entry, any_org
from tracker.accounts.principal import Role
from tracker.indicators import service

ADMINS = any_org(Role.ADMIN)


async def _indicator(tree: dict[str, Any]) -> dict[str, Any]:
    """The catalogue loaded (again: a second load changes nothing), and one indicator of it."""
    await service.load()
    return {"code": "PO_REG_PCT"}


ENTRIES = [
    Entry("GET", "/admin/catalogue", allow=ADMINS),
    Entry("POST", "/admin/catalogue/preview", allow=ADMINS, note="no file: 422 beside the field"),
    Entry("POST", "/admin/catalogue", allow=ADMINS, note="no previewed file: 422, nothing written"),
    Entry("GET", "/admin/catalogue/{code:str}", allow=ADMINS, params=_indicator),
]

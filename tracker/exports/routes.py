"""Downloads: the workbook for England, a region or a CCG, and each of its tables as CSV.

    /exports/national.xlsx            /exports/national/{table}.csv
    /exports/regions/{code}.xlsx      /exports/regions/{code}/{table}.csv
    /exports/ccgs/{code}.xlsx         /exports/ccgs/{code}/{table}.csv

`?period=2017/18-Q3` chooses the period (default: the latest whose due date has passed).
The role guard admits the roles that can ever see the scope; the policy then checks the record.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Response

from tracker.accounts.principal import Role
from tracker.exports import service
from tracker.exports.csvfile import MIME as CSV_MIME
from tracker.exports.xlsx import MIME as XLSX_MIME
from tracker.web.auth import roles

Period = Annotated[str | None, QueryParameter(max_length=20)]


def _download(filename: str, content: bytes, media_type: str) -> Response[bytes]:
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _strip(name: str, suffix: str) -> str:
    if not name.lower().endswith(suffix):
        raise NotFoundException()
    return name[: -len(suffix)]


async def _workbook(
    request: Request[Any, Any, Any], scope: str, code: str | None, period: str | None
) -> Response[bytes]:
    try:
        target = await service.resolve(scope, code, request.user)
        filename, content = await service.build_workbook(target, period, request.app.state.settings.current_date())
    except service.ExportError as exc:
        raise ClientException(str(exc)) from None
    return _download(filename, content, XLSX_MIME)


async def _csv(
    request: Request[Any, Any, Any], scope: str, code: str | None, name: str, period: str | None
) -> Response[bytes]:
    table = _strip(name, ".csv")
    try:
        target = await service.resolve(scope, code, request.user)
        filename, content = await service.csv_bytes(target, table, period, request.app.state.settings.current_date())
    except service.ExportError as exc:
        raise ClientException(str(exc)) from None
    return _download(filename, content, CSV_MIME)


NATIONAL = roles(Role.NATIONAL, Role.ADMIN)
REGIONAL = roles(Role.REGION, Role.NATIONAL, Role.ADMIN)
CCG = roles(Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN)


@get("/exports/national.xlsx", opt=NATIONAL, name="export_national")
async def national_workbook(request: Request[Any, Any, Any], period: Period = None) -> Response[bytes]:
    return await _workbook(request, "national", None, period)


@get("/exports/regions/{name:str}", opt=REGIONAL, name="export_region")
async def region_workbook(
    request: Request[Any, Any, Any], name: FromPath[str], period: Period = None
) -> Response[bytes]:
    return await _workbook(request, "region", _strip(name, ".xlsx"), period)


@get("/exports/ccgs/{name:str}", opt=CCG, name="export_ccg")
async def ccg_workbook(request: Request[Any, Any, Any], name: FromPath[str], period: Period = None) -> Response[bytes]:
    return await _workbook(request, "ccg", _strip(name, ".xlsx"), period)


@get("/exports/national/{name:str}", opt=NATIONAL, name="export_national_csv")
async def national_csv(request: Request[Any, Any, Any], name: FromPath[str], period: Period = None) -> Response[bytes]:
    return await _csv(request, "national", None, name, period)


@get("/exports/regions/{code:str}/{name:str}", opt=REGIONAL, name="export_region_csv")
async def region_csv(
    request: Request[Any, Any, Any], code: FromPath[str], name: FromPath[str], period: Period = None
) -> Response[bytes]:
    return await _csv(request, "region", code, name, period)


@get("/exports/ccgs/{code:str}/{name:str}", opt=CCG, name="export_ccg_csv")
async def ccg_csv(
    request: Request[Any, Any, Any], code: FromPath[str], name: FromPath[str], period: Period = None
) -> Response[bytes]:
    return await _csv(request, "ccg", code, name, period)


ROUTES: list[Any] = [national_workbook, region_workbook, ccg_workbook, national_csv, region_csv, ccg_csv]

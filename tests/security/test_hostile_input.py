"""Hostile input across the whole app: every form, every page's query string, the API and the
uploads. No case may answer HTTP 500, and a refused case (4xx) must leave every table unchanged
(checksums of all tables before and after)."""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import CSRF
from tests.factories import make_org_tree
from tests.route_matrix.matrix import Entry, build, fill
from tests.route_matrix.test_route_matrix import ENTRIES
from tests.security.probes import act_as, allowed_role, changed, table_checksums
from tracker.accounts.principal import Role
from tracker.returns import api_service
from tracker.returns.service import Actor

pytestmark = pytest.mark.security

ATTACKS = [
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "'; DROP TABLE account; --",
    "{{ 7*7 }}{% raw %}",
    "\x00\x01\x1b[31m\r\nBcc: victim@example.test",
    "../../../../etc/passwd",
    "%s%n%x%p",
    "\u202eevil\u200b\ufeff",
    "-1e309",
    "99999999999999999999999999999999",
    '=HYPERLINK("http://evil.test")',
    "\U0001f600" * 50,
]
LONG = "x" * 10_001


def _hostile_form(form: dict[str, Any], seed: int) -> list[tuple[str, str]]:
    """Every field of the route's real form given hostile values, some repeated, plus junk fields."""
    fields: list[tuple[str, str]] = []
    for n, key in enumerate(form or {"field": ""}):
        fields.append((key, ATTACKS[(seed + n) % len(ATTACKS)]))
        if n % 2:
            fields.append((key, LONG))  # the same field again, and very long
    fields += [("__proto__", ATTACKS[seed % len(ATTACKS)]), ("unknown[]", LONG)]
    return fields


FORMS = [e for e in ENTRIES if e.method != "GET" and not e.path.startswith("/api/")]
PAGES = [e for e in ENTRIES if e.method == "GET"]


async def _checked(before: dict[str, str], response: Any) -> None:
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        assert changed(before, await table_checksums()) == [], f"refused with {response.status_code} but wrote"


@pytest.mark.parametrize("entry", FORMS, ids=lambda e: f"form {e.method} {e.path}")
async def test_hostile_form(client, entry: Entry):
    tree = await make_org_tree()
    await act_as(client, tree, allowed_role(entry))
    path = fill(entry.path, await build(entry.params, tree))
    form = await build(entry.form, tree)
    token = CSRF.search((await client.get("/sign-in")).text).group(1)  # type: ignore[union-attr]
    before = await table_checksums()
    body = urlencode([("_csrf_token", token), *_hostile_form(form, len(path))])
    response = await client.request(
        entry.method,
        path,
        content=body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    await _checked(before, response)


HOSTILE_QUERY = [
    ("period", "2017/18-Q9' OR 1=1"),
    ("page", "-99999999999999999999999"),
    ("sort", "<script>"),
    ("order", "name; DROP TABLE practice"),
    ("q", "%' OR '1'='1"),
    ("next", "//evil.test/\\@"),
    ("from", "2018-13-45"),
    ("to", "0000-00-00"),
    ("year", "1e308"),
    ("status", "\x00\u202e"),
    ("role", "superuser"),
    ("action", LONG),
    ("period", "again"),
]


@pytest.mark.parametrize("entry", PAGES, ids=lambda e: f"query {e.path}")
async def test_hostile_query_string(client, entry: Entry):
    tree = await make_org_tree()
    await act_as(client, tree, allowed_role(entry))
    path = fill(entry.path, await build(entry.params, tree))
    before = await table_checksums()
    response = await client.get(path + "?" + urlencode(HOSTILE_QUERY), follow_redirects=False)
    await _checked(before, response)


API_BODIES: list[tuple[str, bytes]] = [
    ("array", b"[]"),
    ("string", b'"values"'),
    ("null", b"null"),
    ("not json", b'{"version":'),
    ("version text", b'{"version": "x", "values": []}'),
    ("version huge", b'{"version": 1e308, "values": []}'),
    ("version negative", b'{"version": -1, "values": null}'),
    ("value 10^17", b'{"version": 0, "values": [{"indicator": "PO_REG_PCT", "value": 1e17}]}'),
    (
        "value 10^30 int",
        b'{"version": 0, "values": [{"indicator": "PO_REG_PCT", "value": 1000000000000000000000000000000}]}',
    ),
    ("value NaN", b'{"version": 0, "values": [{"indicator": "PO_REG_PCT", "value": NaN}]}'),
    ("value object", b'{"version": 0, "values": [{"indicator": "PO_REG_PCT", "value": {"a": 1}}]}'),
    ("indicator attack", json.dumps({"version": 0, "values": [{"indicator": ATTACKS[1], "value": 1}]}).encode()),
    (
        "numerator huge",
        b'{"version": 0, "values": [{"indicator": "PO_REG_PCT", "numerator": 1e300, "denominator": 0}]}',
    ),
    ("comment long", json.dumps({"version": 0, "values": [{"indicator": "PO_REG_PCT", "comment": LONG * 2}]}).encode()),
    ("nested 100,000", b"[" * 100_000 + b"]" * 100_000),
    (
        "nested in a value",
        b'{"version": 0, "values": [{"indicator": "PO_REG_PCT", "value": ' + b"[" * 40 + b"]" * 40 + b"}]}",
    ),
    ("10,000 values", json.dumps({"version": 0, "values": [{"indicator": "X"}] * 10_000}).encode()),
    ("control characters", '{"version": 0, "values": [], "\u0000": "\u202e"}'.encode()),
]


@pytest.mark.parametrize(("name", "body"), API_BODIES, ids=[f"api {n}" for n, _ in API_BODIES])
async def test_hostile_api_body(client, clean_db, name: str, body: bytes):
    tree = await make_org_tree()
    entry = next(e for e in ENTRIES if e.method == "PUT" and e.path.startswith("/api/"))
    path = fill(entry.path, await build(entry.params, tree))
    issued = await api_service.issue("Supplier", "A81001", actor=Actor(None, "test", ""), now=clean_db.now())
    assert issued is not None
    auth = {"authorization": f"Bearer {issued[0]}"}
    assert (await client.get(path, headers=auth)).status_code == 200  # the token's first use is recorded now
    before = await table_checksums()
    response = await client.put(path, content=body, headers={**auth, "content-type": "application/json"})
    await _checked(before, response)
    assert response.status_code in (400, 409, 413, 422), (name, response.status_code)


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _patch_zip_headers(data: bytes, *, flags: int | None = None, method: int | None = None) -> bytes:
    """Set the general-purpose flags or the compression method in every local and central header."""
    out = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (at := out.find(signature, start)) >= 0:
            if flags is not None:
                out[at + flag_at : at + flag_at + 2] = flags.to_bytes(2, "little")
            if method is not None:
                out[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
            start = at + 4
    return bytes(out)


def _bad_crc() -> bytes:
    data = bytearray(
        _zip({"[Content_Types].xml": b"<Types/>" * 10, "xl/workbook.xml": b"<workbook/>"}, zipfile.ZIP_STORED)
    )
    at = data.find(b"<workbook/>")
    data[at + 1] = ord("W")  # the stored bytes no longer match their CRC
    return bytes(data)


WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES: list[tuple[str, str, bytes]] = [
    ("empty.xlsx", WORKBOOK, b""),
    ("text.xlsx", WORKBOOK, b"this is not a workbook"),
    ("truncated.xlsx", WORKBOOK, _zip({"xl/workbook.xml": b"<workbook/>"})[:40]),
    ("bad-crc.xlsx", WORKBOOK, _bad_crc()),
    ("encrypted.xlsx", WORKBOOK, _patch_zip_headers(_zip({"xl/workbook.xml": b"<workbook/>"}), flags=1)),
    ("method-99.xlsx", WORKBOOK, _patch_zip_headers(_zip({"xl/workbook.xml": b"<workbook/>"}), method=99)),
    ("bomb.xlsx", WORKBOOK, _zip({"xl/worksheets/sheet1.xml": b"\0" * 60_000_000})),
    ("zlib.xlsx", WORKBOOK, zlib.compress(b"<workbook/>" * 1000)),
    ("macro.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12", _zip({"xl/vbaProject.bin": b"\0" * 100})),
    ("traversal.xlsx", WORKBOOK, _zip({"../../evil.xml": b"<x/>", "xl/workbook.xml": b"<workbook/>"})),
]
HEADER = "practice_code,award_date,amount,stream,purpose,indicators\n"
AWARD_FILES: list[Any] = [
    pytest.param(
        (
            "long-field.csv",
            "text/csv",
            (HEADER + "A81001,2018-01-01,100,GPIT_REVENUE," + "x" * 140_000 + ",\n").encode(),
        ),
        id="awards long-field.csv",
    ),
    *[
        (f"amount-{n}.csv", "text/csv", (HEADER + f"A81001,2018-01-01,{amount},GPIT_REVENUE,kit,\n").encode())
        for n, amount in enumerate(
            ["100000000000000000", "1e17", '"£100,000,000,000,000,000.00"', "-1e17", "1E+17", "99999999999999999999.99"]
        )
    ],
    ("nul.csv", "text/csv", (HEADER + "A81001\x00,2018-01-01,1,GPIT_REVENUE,kit,\n").encode()),
    ("latin1.csv", "text/csv", HEADER.encode() + "A81001,2018-01-01,£1,GPIT_REVENUE,caf\xe9,\n".encode("latin-1")),
    ("bom-only.csv", "text/csv", b"\xef\xbb\xbf"),
    ("formula.csv", "text/csv", (HEADER + "A81001,2018-01-01,1,GPIT_REVENUE,\"=cmd|'/c calc'!A1\",\n").encode()),
    *[(f"awards-{name}", kind, data) for name, kind, data in FILES[:7]],
]


async def _upload(client: Any, path: str, field: str, file: tuple[str, str, bytes], extra: dict[str, str]) -> None:
    tree = await make_org_tree()
    await act_as(client, tree, Role.CCG)
    token = CSRF.search((await client.get("/sign-in")).text).group(1)  # type: ignore[union-attr]
    before = await table_checksums()
    response = await client.post(
        path, data={"_csrf_token": token, **extra}, files={field: (file[0], file[2], file[1])}, follow_redirects=False
    )
    await _checked(before, response)
    assert response.status_code in (400, 413, 422), (file[0], response.status_code)


@pytest.mark.parametrize("file", FILES, ids=[f"workbook {name}" for name, _, _ in FILES])
async def test_hostile_returns_workbook(client, file):
    await _upload(client, "/review/workbook", "workbook", file, {"mode": "draft"})


@pytest.mark.parametrize("file", AWARD_FILES, ids=lambda f: f"awards {f[0]}")
async def test_hostile_awards_file(client, file):
    await _upload(client, "/funding/ccgs/00K/awards/upload", "file", file, {})


def test_there_are_at_least_80_cases():
    assert len(FORMS) + len(PAGES) + len(API_BODIES) + len(FILES) + len(AWARD_FILES) >= 80

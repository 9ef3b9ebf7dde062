"""The awards upload against hostile and damaged files (CSV and Excel): each one refused with its
message and every table unchanged, or recorded exactly once. Never an HTTP 500."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from tests.conftest import csrf_token, sign_in
from tests.funding.test_routes import _tree_with_run
from tests.returns import hostile
from tests.returns.factories import setup_catalogue
from tracker.tables import PracticeAward

URL = "/funding/ccgs/00K/awards/upload"
HEADER = "practice_code,award_date,amount,stream,purpose,indicators\n"
GOOD_ROW = "A81001,2018-01-15,12500,GPIT_REVENUE,Scanning,LG_DIGITISED_PCT\n"


def csv(*rows: str) -> Callable[[], tuple[str, bytes]]:
    return lambda: ("awards.csv", (HEADER + "".join(rows)).encode())


def _book(rows: list[list[object]], fmt: dict[str, str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([h for h in HEADER.strip().split(",")])
    for row in rows:
        ws.append(row)
    for ref, number_format in (fmt or {}).items():
        ws[ref].number_format = number_format
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_xlsx() -> bytes:
    return _book([["A81001", "2018-01-15", 12500, "GPIT_REVENUE", "Scanning", "LG_DIGITISED_PCT"]])


def xlsx(build: Callable[[], bytes], name: str = "awards.xlsx") -> Callable[[], tuple[str, bytes]]:
    return lambda: (name, build())


NOT_EXCEL = "not a readable Excel (.xlsx) file"

# (case, builder of (file name, bytes), message; "" means recorded as intended)
CASES: list[tuple[str, Callable[[], tuple[str, bytes]], str]] = [
    ("empty file", lambda: ("awards.csv", b""), "The file is empty"),
    ("over 2 MB", lambda: ("awards.csv", b"x" * (2 * 1024 * 1024 + 1)), "larger than 2 MB"),
    ("wrong extension", lambda: ("awards.txt", b"x"), "Upload a .csv or .xlsx file"),
    ("macro-enabled name", lambda: ("awards.xlsm", good_xlsx()), "Upload a .csv or .xlsx file"),
    (
        "not UTF-8",
        lambda: ("awards.csv", (HEADER + "A81001,2018-01-15,12500,GPIT_REVENUE,Caf\xe9,\n").encode("latin-1")),
        "not UTF-8",
    ),
    ("header missing", lambda: ("awards.csv", GOOD_ROW.encode()), "The header row is missing"),
    ("header only", csv(), "header row but no awards"),
    ("too many rows", csv(*[GOOD_ROW] * 5_001), "more than 5,000 rows"),
    ("another CCG's practice", csv(GOOD_ROW.replace("A81001", "J81001")), "J81001 is not a practice of this CCG"),
    ("bad date", csv(GOOD_ROW.replace("2018-01-15", "15.01.2018")), "Enter the date as YYYY-MM-DD"),
    ("future date", csv(GOOD_ROW.replace("2018-01-15", "2030-01-15")), "must not be in the future"),
    ("amount in words", csv(GOOD_ROW.replace("12500", "lots")), "must be an amount in pounds"),
    ("amount zero", csv(GOOD_ROW.replace("12500", "0")), "must be more than £0"),
    ("negative amount", csv(GOOD_ROW.replace("12500", "-5")), "must not be negative"),
    ("amount overflowing", csv(GOOD_ROW.replace("12500", "100000000000000000")), "less than £1,000,000,000,000"),
    ("amount 13 digits", csv(GOOD_ROW.replace("12500", "1000000000000")), "less than £1,000,000,000,000"),
    ("decimal comma amount", csv(GOOD_ROW.replace("12500", '"12,50"')), "use a full stop for pence"),
    ("fraction of a penny", csv(GOOD_ROW.replace("12500", "12.505")), "must be an amount in pounds"),
    ("unknown stream", csv(GOOD_ROW.replace("GPIT_REVENUE", "MYSTERY")), "Unknown funding stream"),
    ("unknown indicator", csv(GOOD_ROW.replace("LG_DIGITISED_PCT", "NOPE")), "Unknown indicator: NOPE"),
    ("xlsx that is not a zip", lambda: ("awards.xlsx", b"not a zip"), NOT_EXCEL),
    ("xlsx truncated", xlsx(lambda: good_xlsx()[:900]), NOT_EXCEL),
    (
        "zip bomb",
        xlsx(lambda: hostile.rezip(good_xlsx(), add={"xl/media/big.bin": b"\0" * 60_000_000})),
        "expands to far more",
    ),
    (
        "formula",
        xlsx(lambda: _book([["A81001", "2018-01-15", "=10*1250", "GPIT_REVENUE", "", ""]])),
        "C2 holds a formula",
    ),
    ("formula outside xl/worksheets", xlsx(lambda: hostile.sheet_moved(good_xlsx(), "C2")), "C2 holds a formula"),
    ("formula in a chart", xlsx(lambda: hostile.chart_with_formula(good_xlsx())), "holds a formula"),
    ("bad CRC", xlsx(lambda: hostile.bad_crc(good_xlsx(), "xl/worksheets/sheet1.xml")), "The file is damaged"),
    ("encrypted parts", xlsx(lambda: hostile.encrypted_flag(good_xlsx())), "encrypted or password-protected"),
    ("password-protected workbook", xlsx(hostile.ole_encrypted), "encrypted or password-protected"),
    ("old .xls format", xlsx(hostile.legacy_xls), "old Excel format (.xls)"),
    (
        "unknown compression",
        xlsx(lambda: hostile.unknown_compression(good_xlsx())),
        "compressed in a way Excel does not use",
    ),
    (
        "lzma compression",
        xlsx(lambda: hostile.rezip(good_xlsx(), method=zipfile.ZIP_LZMA)),
        "compressed in a way Excel does not use",
    ),
    (
        "macro project",
        xlsx(lambda: hostile.rezip(good_xlsx(), add={"xl/vbaProject.bin": b"x"})),
        "Macro-enabled workbooks",
    ),
    ("a million empty rows", xlsx(lambda: hostile.many_empty_rows(good_xlsx(), 200_000)), "rows (empty ones count)"),
    ("a value a million rows down", xlsx(lambda: hostile.far_row(good_xlsx())), "rows (empty ones count)"),
    ("csv recorded", csv(GOOD_ROW, GOOD_ROW.replace("A81001", "A81002")), ""),
    ("xlsx recorded", xlsx(good_xlsx), ""),
    (
        "xlsx rows below the declared size",
        xlsx(
            lambda: hostile.declared_smaller(
                _book(
                    [
                        ["A81001", "2018-01-15", 12500, "GPIT_REVENUE", "", ""],
                        ["A81002", "2018-01-16", "£1,250.50", "GPIT_REVENUE", "", ""],
                    ]
                )
            )
        ),
        "",
    ),
]


def _visible(html: str) -> str:
    """The page's main text, for a failure message."""
    import re

    main = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))[:1500]


async def _post(client, name: str, data: bytes):
    token = await csrf_token(client, URL)
    return await client.post(
        URL,
        data={"_csrf_token": token},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


@pytest.mark.parametrize("case", [c[0] for c in CASES])
async def test_awards_upload_refuses_or_records_exactly_once(client, case):
    _, build, message = next(c for c in CASES if c[0] == case)
    await _tree_with_run()
    await setup_catalogue()
    await sign_in(client, "lead@00k.test")
    name, data = build()
    before = await hostile.checksum()
    response = await _post(client, name, data)
    text = response.text.replace("&#39;", "'").replace("&#x27;", "'").replace("&amp;", "&")
    if message:
        assert response.status_code in (413, 422), (case, response.status_code, _visible(text))
        assert message in text, _visible(text)
        assert await hostile.checksum() == before
        return
    assert response.status_code == 303, _visible(text)
    recorded = await PracticeAward.count()
    assert recorded >= 1
    after = await hostile.checksum()
    # The same file again records nothing new, and says so.
    again = await _post(client, name, data)
    assert again.status_code == 409 and "uploaded before" in again.text
    assert await PracticeAward.count() == recorded
    assert await hostile.checksum() == after


async def test_recorded_amounts_are_what_the_file_says(client):
    await _tree_with_run()
    await setup_catalogue()
    await sign_in(client, "lead@00k.test")
    name, data = next(c for c in CASES if c[0] == "xlsx rows below the declared size")[1]()
    assert (await _post(client, name, data)).status_code == 303
    amounts = sorted(r["amount_pence"] for r in await PracticeAward.select(PracticeAward.amount_pence))
    assert amounts == [125_050, 1_250_000]

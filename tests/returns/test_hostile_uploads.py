"""The returns workbook against hostile and damaged files: each one refused with its message and
every table unchanged, or applied exactly as the person meant. Never an HTTP 500.

The awards upload has its own suite in tests/funding/test_hostile_awards.py; together they pass
the same kinds of file through the one spreadsheet reader."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from tests.conftest import post_form, sign_in
from tests.factories import make_org_tree
from tests.returns import hostile, workbooks
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tracker import db
from tracker.returns import xlsx

NOT_ZIP = "not an Excel workbook"
ENCRYPTED = "encrypted or password-protected"
DAMAGED = "The file is damaged"
COMPRESSION = "compressed in a way Excel does not use"
FORMULA = "holds a formula"
ROWS = "rows (empty ones count)"


def _base() -> bytes:
    return workbooks.good()


def _cell(ref: str, value: object, fmt: str | None = None) -> Callable[[], bytes]:
    def build() -> bytes:
        def change(wb: Workbook) -> None:
            cell = wb[xlsx.DATA_SHEET][ref]
            cell.value = value
            if fmt:
                cell.number_format = fmt

        return workbooks.edit(_base(), change)

    return build


# (case, builder, mode, message). A1 is the header; row 2 is A81001, row 3 A81002; column C is
# PO_REG_PCT (percent), D is PO_APPT_ENABLED (yes/no).
REFUSED: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("bad CRC in the sheet", lambda: hostile.bad_crc(_base(), "xl/worksheets/sheet1.xml"), "draft", DAMAGED),
    ("bad CRC in the metadata", lambda: hostile.bad_crc(_base(), "xl/worksheets/sheet3.xml"), "draft", DAMAGED),
    ("encrypted parts", lambda: hostile.encrypted_flag(_base()), "draft", ENCRYPTED),
    ("password-protected workbook", hostile.ole_encrypted, "draft", ENCRYPTED),
    ("old .xls format", hostile.legacy_xls, "draft", "old Excel format (.xls)"),
    ("unknown compression", lambda: hostile.unknown_compression(_base()), "draft", COMPRESSION),
    ("bzip2 compression", lambda: hostile.rezip(_base(), method=zipfile.ZIP_BZIP2), "draft", COMPRESSION),
    ("lzma compression", lambda: hostile.rezip(_base(), method=zipfile.ZIP_LZMA), "draft", COMPRESSION),
    ("OpenDocument spreadsheet", hostile.ods, "draft", NOT_ZIP),
    ("formula outside xl/worksheets", lambda: hostile.sheet_moved(_base(), "C2"), "draft", "Cell C2 " + FORMULA),
    ("formula in a chart", lambda: hostile.chart_with_formula(_base()), "draft", FORMULA),
    ("a million empty rows", lambda: hostile.many_empty_rows(_base()), "draft", ROWS),
    ("a value a million rows down", lambda: hostile.far_row(_base()), "draft", ROWS),
    ("decimal comma", _cell("C2", "9,5"), "draft", "Use a full stop for decimals, for example 9.5"),
    ("ambiguous thousands", _cell("C2", "1,000"), "draft", "without commas"),
    ("full-width digits", _cell("C2", "５５"), "draft", "digits 0 to 9"),
    ("Arabic-Indic digits", _cell("C2", "٥٥"), "draft", "digits 0 to 9"),
    ("underscore", _cell("C2", "1_0"), "draft", "underscores"),
    ("exponent", _cell("C2", "1e1"), "draft", "without an exponent"),
    ("infinity as text", _cell("C2", "inf"), "draft", "as a number"),
    ("NaN as text", _cell("C2", "nan"), "draft", "as a number"),
    ("negative percentage", _cell("C2", -5), "draft", "must be between 0 and 100"),
    ("huge number", _cell("C2", 1e300), "draft", "must be between 0 and 100"),
    ("percent format over 100%", _cell("C2", 1.5, "0%"), "draft", "must be between 0 and 100"),
    ("a date for a percentage", _cell("C2", dt.datetime(2018, 1, 1)), "draft", "as a number"),
    ("true for a percentage", _cell("C2", True), "draft", "not true or false"),
    ("percent sign on yes/no", _cell("D2", "12%"), "draft", "Select yes or no"),
]


# (case, builder, mode, practice, indicator, stored value)
APPLIED: list[tuple[str, Callable[[], bytes], str, str, str, float]] = [
    ("percent-formatted cell", _cell("C2", 0.12, "0%"), "draft", "A81001", "PO_REG_PCT", 12.0),
    ("percent-formatted decimals", _cell("C2", 0.095, "0.0%"), "draft", "A81001", "PO_REG_PCT", 9.5),
    ("12% typed as text", _cell("C2", "12%"), "draft", "A81001", "PO_REG_PCT", 12.0),
    ("full stop decimal as text", _cell("C2", " 9.5 "), "draft", "A81001", "PO_REG_PCT", 9.5),
    ("true for yes/no", _cell("D2", False), "draft", "A81001", "PO_APPT_ENABLED", 0.0),
    (
        "rows below the declared size",
        lambda: hostile.declared_smaller(workbooks.good(values=complete_values(SCR_PCT=91.0))),
        "draft",
        "A81002",
        "SCR_PCT",
        91.0,
    ),
    (
        "a declared size far too big",
        lambda: hostile.declared_smaller(_cell("C3", 44)(), "A1:XFD1048576"),
        "draft",
        "A81002",
        "PO_REG_PCT",
        44.0,
    ),
]


async def _setup(client):
    await setup_catalogue()
    tree = await make_org_tree()
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    await make_return(tree["practices"][1], OPEN, "draft", complete_values())
    await sign_in(client, "lead@00k.test")
    return tree


async def _upload(client, data: bytes, mode: str):
    from tests.returns.test_workbook_routes import _upload

    return await _upload(client, data, mode=mode)


def _text(html: str) -> str:
    return html.replace("&#39;", "'").replace("&#x27;", "'").replace("&amp;", "&")


def _visible(html: str) -> str:
    """The page's main text, for a failure message."""
    import re

    main = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))[:1500]


@pytest.mark.parametrize("case", [c[0] for c in REFUSED])
async def test_hostile_file_is_refused_and_every_table_unchanged(client, case):
    _, build, mode, message = next(c for c in REFUSED if c[0] == case)
    await _setup(client)
    data = build()
    before = await hostile.checksum()
    response = await _upload(client, data, mode)
    assert response.status_code == 422, (case, response.status_code, _visible(response.text))
    assert message in _text(response.text), _visible(_text(response.text))
    assert "Save all these changes" not in response.text
    assert await hostile.checksum() == before


@pytest.mark.parametrize("case", [c[0] for c in APPLIED])
async def test_file_is_applied_as_the_person_meant(client, case):
    _, build, mode, practice, indicator, expected = next(c for c in APPLIED if c[0] == case)
    await _setup(client)
    response = await _upload(client, build(), mode)
    assert response.status_code == 200, _visible(_text(response.text))
    token = response.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    applied = await post_form(
        client, "/review/workbook/apply", {"token": token}, token_from="/review/workbook", follow_redirects=False
    )
    assert applied.status_code == 303
    rows = await db.fetch(
        """SELECT v.value FROM return_value v JOIN indicator i ON i.id = v.indicator
           JOIN practice_return r ON r.id = v.practice_return JOIN practice p ON p.id = r.practice
           WHERE p.ods_code = {} AND i.code = {}""",
        practice,
        indicator,
    )
    assert rows and rows[0]["value"] == pytest.approx(expected)


def test_the_suites_together_hold_at_least_sixty_files():
    from tests.funding.test_hostile_awards import CASES

    assert len(workbooks.hostile_corpus()) + len(REFUSED) + len(APPLIED) + len(CASES) >= 60

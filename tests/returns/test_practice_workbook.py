"""A practice's own workbook: download it pre-filled, upload it, preview, apply all or nothing;
refusals (another practice, a CCG's workbook, a return it cannot change, a stale workbook) and
hostile files."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page
from tests.returns import workbooks
from tests.returns.factories import OPEN, OPEN_URL, PREVIOUS, complete_values, make_return, setup_catalogue
from tracker import db
from tracker.indicators.catalogue import load_catalogue
from tracker.returns import practice_workbook as pwb
from tracker.tables import AuditEvent, PracticeReturn, ReturnValue

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = f"/practices/A81001/returns/{OPEN_URL}/workbook"
NAMES = {s.code: s.name for s in load_catalogue()}
CODES = [s.code for s in sorted(load_catalogue(), key=lambda s: s.sort_order)]


def row_of(ws: Any, code: str) -> int:
    """The row of an indicator's question on the Return sheet, found by its name as a person would."""
    for row in range(pwb.FIRST_ROW, ws.max_row + 1):
        if ws.cell(row=row, column=pwb.QUESTION).value == NAMES[code]:
            return row
    raise AssertionError(code)


def fill(data: bytes, change: Callable[[Any], None]) -> bytes:
    """Open the workbook, change the Return sheet as a person would in Excel, save it."""

    def on_sheet(wb: Workbook) -> None:
        change(wb[pwb.DATA_SHEET])

    return workbooks.edit(data, on_sheet)


def answers(values: dict[str, float | str | None]) -> Callable[[Any], None]:
    def change(ws: Any) -> None:
        for code, value in values.items():
            # (ws.cell(..., value=None) would leave the cell as it was: a person clears it.)
            ws.cell(row=row_of(ws, code), column=pwb.VALUE).value = value

    return change


async def upload(client: Any, data: bytes, mode: str = "draft", page: str = PAGE, name: str = "return.xlsx") -> Any:
    token = await csrf_token(client, page)
    return await client.post(page, data={"_csrf_token": token, "mode": mode}, files={"workbook": (name, data, MIME)})


def preview_token(html: str) -> str:
    return html.split('name="token" value="', 1)[1].split('"', 1)[0]


async def snapshot() -> tuple[int, ...]:
    kept = await db.fetch("SELECT COUNT(*) AS n FROM key_value WHERE key LIKE 'practice-workbook:%'")
    return (await PracticeReturn.count(), await ReturnValue.count(), await AuditEvent.count(), kept[0]["n"])


async def practice_signed_in(client: Any) -> dict[str, Any]:
    await setup_catalogue()
    tree = await make_org_tree()
    await sign_in(client, "practice@a81001.test")
    return tree


def assert_no_codes(text: str) -> None:
    found = [code for code in CODES if re.search(rf"\b{code}\b", text)]
    assert found == [], found


# --- Pure: the workbook itself ----------------------------------------------------------------


async def test_download_is_prefilled_locked_and_validated(client):
    tree = await practice_signed_in(client)
    await make_return(tree["practices"][0], PREVIOUS, "approved", complete_values(PO_REG_PCT=20.0))
    await make_return(tree["practices"][0], OPEN, "draft", complete_values(PO_REG_PCT=42.5, WIFI_LIVE=0.0))
    page = await client.get(PAGE)
    assert page.status_code == 200
    check_page(page.text)
    response = await client.get(PAGE + ".xlsx")
    assert response.status_code == 200
    assert "return-A81001-2017-18-Q4.xlsx" in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[pwb.DATA_SHEET]
    assert "A81001" in ws["A1"].value and "2017/18 Q4" in ws["A1"].value
    assert "Densham" in ws["A1"].value  # the practice's name
    reg = row_of(ws, "PO_REG_PCT")
    assert ws.cell(row=reg, column=pwb.VALUE).value == 42.5
    assert ws.cell(row=reg, column=pwb.PREVIOUS).value == "20%"
    assert ws.cell(row=row_of(ws, "WIFI_LIVE"), column=pwb.VALUE).value == "No"
    assert ws.protection.sheet
    assert ws.cell(row=reg, column=pwb.QUESTION).protection.locked
    assert ws.cell(row=reg, column=pwb.PREVIOUS).protection.locked
    assert not ws.cell(row=reg, column=pwb.VALUE).protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "decimal", "whole"} <= kinds
    meta = wb[pwb.META_SHEET]
    assert meta.sheet_state == "hidden"
    assert [meta[f"B{i}"].value for i in (2, 3, 4)] == ["A81001", OPEN, 1]
    # People read the Return and Instructions sheets: no indicator codes there.
    for name in (pwb.DATA_SHEET, pwb.INSTRUCTIONS_SHEET):
        text = " ".join(str(c) for row in wb[name].iter_rows(values_only=True) for c in row if c is not None)
        assert_no_codes(text)


# --- The round trip ---------------------------------------------------------------------------


async def test_round_trip_submits_the_return(client):
    tree = await practice_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    data = (await client.get(PAGE + ".xlsx")).content
    before = await snapshot()
    response = await upload(client, fill(data, answers({"PO_REG_PCT": 31.5, "OC_LIVE": "Yes"})), mode="submit")
    assert response.status_code == 200, response.text
    check_page(response.text)
    assert "24%" in response.text and "31.5%" in response.text
    assert "Draft" in response.text and "Submitted" in response.text
    assert_no_codes(response.text)
    after = await snapshot()
    assert after[:3] == before[:3] and after[3] == before[3] + 1  # only the kept preview
    token = preview_token(response.text)
    response = await post_form(client, PAGE + "/apply", {"token": token}, token_from=PAGE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/practices/A81001/returns/{OPEN_URL}?saved=submitted"
    row = await PracticeReturn.select().first()
    assert row["state"] == "submitted" and row["version"] == 2
    values = {r["value"] for r in await ReturnValue.select(ReturnValue.value)}
    assert 31.5 in values
    assert await db.fetch("SELECT COUNT(*) AS n FROM audit_event WHERE action = 'return.uploaded'") == [{"n": 1}]
    # The same preview cannot be applied twice.
    response = await post_form(client, PAGE + "/apply", {"token": token}, token_from="/practices/A81001/returns")
    assert response.status_code == 409
    assert "expired or was already applied" in response.text


async def test_a_return_not_started_is_saved_as_a_draft(client):
    await practice_signed_in(client)
    data = (await client.get(PAGE + ".xlsx")).content
    response = await upload(client, fill(data, answers({"PO_REG_PCT": "12%", "EPS_LIVE": "yes"})))
    assert response.status_code == 200, response.text
    assert "Not started" in response.text and "Save the draft" in response.text
    response = await post_form(
        client, PAGE + "/apply", {"token": preview_token(response.text)}, token_from=PAGE, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"].endswith("?saved=draft")
    row = await PracticeReturn.select().first()
    assert row["state"] == "draft"
    assert sorted(r["value"] for r in await ReturnValue.select(ReturnValue.value)) == [1.0, 12.0]


async def test_an_unchanged_draft_has_nothing_to_save(client):
    tree = await practice_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    data = (await client.get(PAGE + ".xlsx")).content
    response = await upload(client, data)
    assert response.status_code == 200
    assert "nothing to save" in response.text and 'name="token"' not in response.text


# --- All or nothing ---------------------------------------------------------------------------


async def test_one_bad_cell_saves_nothing_and_says_where_in_words(client):
    tree = await practice_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    data = (await client.get(PAGE + ".xlsx")).content
    before = await snapshot()
    bad = fill(data, answers({"PO_REG_PCT": 30, "EPS_UTIL_PCT": 150, "WIFI_LIVE": "Maybe"}))
    response = await upload(client, bad, mode="submit")
    assert response.status_code == 422
    check_page(response.text)
    assert await snapshot() == before
    assert 'name="token"' not in response.text
    text = response.text.replace("&#39;", "'").replace("&#x27;", "'")
    ws = load_workbook(io.BytesIO(data))[pwb.DATA_SHEET]
    eps, wifi = row_of(ws, "EPS_UTIL_PCT"), row_of(ws, "WIFI_LIVE")
    assert f"Row {eps} ({NAMES['EPS_UTIL_PCT']}), value: Percentage for" in text
    assert "must be between 0 and 100 (found '150')" in text
    assert f"Row {wifi} ({NAMES['WIFI_LIVE']}), value: Select yes or no" in text
    assert "2 problems: nothing was saved" in text
    assert_no_codes(response.text)


async def test_submitting_needs_every_answer_and_a_comment_for_a_big_fall(client):
    tree = await practice_signed_in(client)
    await make_return(tree["practices"][0], PREVIOUS, "approved", complete_values(SCR_PCT=97.0))
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    data = (await client.get(PAGE + ".xlsx")).content
    response = await upload(client, fill(data, answers({"SCR_PCT": 50, "ERD_PCT": None})), mode="submit")
    assert response.status_code == 422
    text = response.text
    ws = load_workbook(io.BytesIO(data))[pwb.DATA_SHEET]
    assert f"Row {row_of(ws, 'ERD_PCT')} ({NAMES['ERD_PCT']}), value: Enter" in text
    assert f"Row {row_of(ws, 'SCR_PCT')} ({NAMES['SCR_PCT']}), comment:" in text
    assert "explain why in the comment to submit" in text
    assert_no_codes(text)

    # With the comment, and the empty answer filled, it passes.
    def change(ws: Any) -> None:
        answers({"SCR_PCT": 50, "ERD_PCT": 15})(ws)
        ws.cell(row=row_of(ws, "SCR_PCT"), column=pwb.COMMENT, value="Moved to a new system in March")

    response = await upload(client, fill(data, change), mode="submit")
    assert response.status_code == 200, response.text
    assert "Moved to a new system in March" in response.text


async def test_numerator_and_denominator_give_the_percentage(client):
    await practice_signed_in(client)
    data = (await client.get(PAGE + ".xlsx")).content

    def change(ws: Any) -> None:
        row = row_of(ws, "PO_REG_PCT")
        ws.cell(row=row, column=pwb.NUMERATOR, value=1520)
        ws.cell(row=row, column=pwb.DENOMINATOR, value=6400)

    response = await upload(client, fill(data, change))
    assert response.status_code == 200, response.text
    assert "23.8% (1,520 of 6,400)" in response.text


# --- Refusals ---------------------------------------------------------------------------------


async def test_another_practice_cannot_use_this_practices_workbook(client):
    await setup_catalogue()
    await make_org_tree()
    await sign_in(client, "practice@j81001.test")
    for path in (PAGE, PAGE + ".xlsx"):
        assert (await client.get(path)).status_code == 403
    token = await csrf_token(client, "/returns")
    response = await client.post(
        PAGE, data={"_csrf_token": token, "mode": "draft"}, files={"workbook": ("r.xlsx", b"x", MIME)}
    )
    assert response.status_code == 403
    response = await client.post(PAGE + "/apply", data={"_csrf_token": token, "token": "x"})
    assert response.status_code == 403


async def test_the_ccg_lead_does_not_use_a_practices_workbook(client):
    await setup_catalogue()
    await make_org_tree()
    await sign_in(client, "lead@00k.test")
    assert (await client.get(PAGE)).status_code == 403
    assert (await client.get(PAGE + ".xlsx")).status_code == 403


async def test_a_ccg_workbook_is_refused_politely_as_the_wrong_template(client):
    await practice_signed_in(client)
    before = await snapshot()
    response = await upload(client, workbooks.good(["A81001"]))
    assert response.status_code == 422
    check_page(response.text)
    assert "This is a CCG&#39;s returns workbook" in response.text or "This is a CCG's returns workbook" in (
        response.text.replace("&#x27;", "'")
    )
    assert "download your practice" in response.text
    assert await snapshot() == before


async def test_another_practices_workbook_is_refused(client):
    tree = await practice_signed_in(client)
    # A81002's own workbook, made as its staff would download it, uploaded on A81001's page.
    other = tree["practices"][1]
    await make_return(other, OPEN, "draft", complete_values())
    from tracker.returns import practice_workbook_service as service
    from tracker.returns import service as returns

    ctx = await returns.load_context(await returns.practice_by_code("A81002"), await returns.period_by_code(OPEN))
    response = await upload(client, service.workbook(ctx))
    assert response.status_code == 422
    assert "This workbook is for practice A81002, not A81001" in response.text


@pytest.mark.parametrize("state", ["submitted", "approved"])
async def test_a_return_the_practice_cannot_change_is_refused(client, state):
    tree = await practice_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    data = (await client.get(PAGE + ".xlsx")).content
    await PracticeReturn.update({PracticeReturn.state: state}, force=True)
    before = await snapshot()
    response = await upload(client, fill(data, answers({"PO_REG_PCT": 30})))
    assert response.status_code == 422
    assert "This return cannot be changed now" in response.text
    assert await snapshot() == before
    response = await client.get(PAGE + ".xlsx")
    assert response.status_code == 409
    assert "You cannot fill in this return with a workbook now" in response.text
    page = await client.get(PAGE)
    assert page.status_code == 200 and 'type="file"' not in page.text


async def test_a_web_edit_after_the_download_is_not_overwritten(client):
    tree = await practice_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    data = (await client.get(PAGE + ".xlsx")).content
    await PracticeReturn.update({PracticeReturn.version: 2}, force=True)  # saved on the website meanwhile
    before = await snapshot()
    response = await upload(client, fill(data, answers({"PO_REG_PCT": 30})))
    assert response.status_code == 422
    assert "changed after the workbook was downloaded, so nothing was saved" in response.text
    assert await snapshot() == before


async def test_a_web_edit_after_the_preview_is_not_overwritten(client):
    tree = await practice_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    data = (await client.get(PAGE + ".xlsx")).content
    response = await upload(client, fill(data, answers({"PO_REG_PCT": 30})))
    assert response.status_code == 200
    await PracticeReturn.update({PracticeReturn.version: 2}, force=True)
    before = await snapshot()
    response = await post_form(client, PAGE + "/apply", {"token": preview_token(response.text)}, token_from=PAGE)
    assert response.status_code == 409
    assert "changed after the workbook was downloaded" in response.text
    assert await snapshot() == before


async def test_upload_needs_a_file_and_a_mode(client):
    await practice_signed_in(client)
    token = await csrf_token(client, PAGE)
    response = await client.post(PAGE, data={"_csrf_token": token}, files={"other": ("x", b"", MIME)})
    assert response.status_code == 422
    check_page(response.text)
    assert "Select the workbook to upload" in response.text
    assert "Choose whether to save the return as a draft or submit it" in response.text


async def test_upload_without_the_csrf_token_is_refused(client):
    await practice_signed_in(client)
    response = await client.post(PAGE, data={"mode": "draft"}, files={"workbook": ("r.xlsx", b"x", MIME)})
    assert response.status_code == 403
    response = await client.post(PAGE + "/apply", data={"token": "x"})
    assert response.status_code == 403


ARCHIVE_CASES = [
    c[0]
    for c in workbooks.hostile_corpus()
    if any(
        words in c[4]
        for words in ("not an Excel workbook", "Macro-enabled", "expands to far", "too many parts", "holds a formula")
    )
    or "could not be read" in c[4]
]


@pytest.mark.parametrize("case", ARCHIVE_CASES)
async def test_hostile_files_are_refused_and_nothing_written(client, case):
    await practice_signed_in(client)
    _, name, data, _, message = next(c for c in workbooks.hostile_corpus() if c[0] == case)
    before = await snapshot()
    response = await upload(client, data, name=name)
    assert response.status_code == 422, case
    check_page(response.text)
    assert message in response.text.replace("&#39;", "'").replace("&#x27;", "'")
    assert await snapshot() == before


async def test_a_formula_in_the_practices_own_workbook_is_refused(client):
    await practice_signed_in(client)
    data = (await client.get(PAGE + ".xlsx")).content
    response = await upload(client, fill(data, answers({"PO_REG_PCT": "=10*2"})))
    assert response.status_code == 422
    assert "holds a formula" in response.text


async def test_moved_rows_are_refused(client):
    await practice_signed_in(client)
    data = (await client.get(PAGE + ".xlsx")).content

    def swap(ws: Any) -> None:
        a, b = pwb.FIRST_ROW, pwb.FIRST_ROW + 1
        first = ws.cell(row=a, column=pwb.QUESTION).value
        ws.cell(row=a, column=pwb.QUESTION, value=ws.cell(row=b, column=pwb.QUESTION).value)
        ws.cell(row=b, column=pwb.QUESTION, value=first)

    response = await upload(client, fill(data, swap))
    assert response.status_code == 422
    assert "rows of the Return sheet were changed" in response.text


# --- Pure: the checks -------------------------------------------------------------------------


def _upload(**raw: Any) -> pwb.Upload:
    specs = sorted(load_catalogue(), key=lambda s: s.sort_order)
    rows = {s.code: pwb.FIRST_ROW + i for i, s in enumerate(specs)}
    return pwb.Upload("A81001", OPEN, 1, [s.code for s in specs], {c: {"value": v} for c, v in raw.items()}, rows)


def _check(upload: pwb.Upload, **overrides: Any) -> pwb.Checked:
    specs = sorted(load_catalogue(), key=lambda s: s.sort_order)
    given: dict[str, Any] = {
        "practice_code": "A81001",
        "period_code": OPEN,
        "specs": specs,
        "current": {},
        "previous": {},
        "state": None,
        "submit": False,
    }
    return pwb.check(upload, **{**given, **overrides})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("practice_code", "A81002", "This workbook is for practice A81001, not A81002"),
        ("period_code", PREVIOUS, "This workbook is for the 2017/18 Q4 return, not 2017/18 Q3"),
        ("specs", [], "The questions have changed since this workbook was made"),
    ],
)
def test_a_workbook_for_something_else_is_refused_whole(field, value, message):
    with pytest.raises(pwb.WorkbookError, match=message):
        _check(_upload(), **{field: value})


def test_problems_name_the_row_and_question_and_what_was_found():
    checked = _check(_upload(PO_REG_PCT="about half", EPS_LIVE="maybe"))
    assert checked.errors == [
        f"Row {pwb.FIRST_ROW} ({NAMES['PO_REG_PCT']}), value: Enter {NAMES['PO_REG_PCT'].lower()} as a number, "
        "like 45 or 45.5 (found 'about half')",
        f"Row {pwb.FIRST_ROW + CODES.index('EPS_LIVE')} ({NAMES['EPS_LIVE']}), value: "
        f"Select yes or no for {NAMES['EPS_LIVE'][0].lower() + NAMES['EPS_LIVE'][1:]} (found 'maybe')",
    ]
    assert not checked.anything_to_save


def test_changes_and_the_new_state_are_listed():
    checked = _check(_upload(PO_REG_PCT=0.3), state="returned")
    assert checked.errors == []
    assert checked.changes == [{"indicator": NAMES["PO_REG_PCT"], "old": "Not given", "new": "0.3%"}]
    assert checked.new_state == "returned"  # saving a returned return keeps it returned
    submitted = _check(_upload(**dict.fromkeys(CODES, None)), state="draft", submit=True)
    assert len(submitted.errors) == len(CODES)  # every answer is needed to submit

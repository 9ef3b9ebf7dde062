"""The CCG's Excel round-trip: download, upload, preview, apply all or nothing; hostile files."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page
from tests.returns import workbooks
from tests.returns.factories import OPEN, complete_values, make_return, setup_catalogue
from tracker import db
from tracker.returns import xlsx
from tracker.tables import AuditEvent, PracticeReturn, ReturnValue

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _upload(client, data: bytes, name: str = "returns.xlsx", mode: str = "draft"):
    token = await csrf_token(client, "/review/workbook")
    return await client.post(
        "/review/workbook", data={"_csrf_token": token, "mode": mode}, files={"workbook": (name, data, MIME)}
    )


async def _snapshot() -> tuple[int, ...]:
    uploads = await db.fetch("SELECT COUNT(*) AS n FROM key_value WHERE key LIKE 'returns-upload:%'")
    return (
        await PracticeReturn.count(),
        await ReturnValue.count(),
        await AuditEvent.count(),
        uploads[0]["n"],
    )


async def _ccg_signed_in(client):
    await setup_catalogue()
    tree = await make_org_tree()
    await sign_in(client, "lead@00k.test")
    return tree


async def test_download_is_prefilled_with_validation_and_metadata(client):
    tree = await _ccg_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values(PO_REG_PCT=42.5))
    response = await client.get("/review/workbook.xlsx")
    assert response.status_code == 200
    assert "returns-00K-2017-18-Q4.xlsx" in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[xlsx.DATA_SHEET]
    assert ws["A2"].value == "A81001" and ws["C2"].value == 42.5 and ws["D2"].value == "Yes"
    assert ws["A3"].value == "A81002" and ws["C3"].value is None
    assert ws.protection.sheet and ws["A1"].protection.locked and not ws["C2"].protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "decimal"} <= kinds
    assert wb[xlsx.META_SHEET].sheet_state == "hidden"
    assert wb[xlsx.META_SHEET]["B2"].value == "00K" and wb[xlsx.META_SHEET]["B3"].value == "2017/18-Q4"
    assert xlsx.INSTRUCTIONS_SHEET in wb.sheetnames
    # It filters, and prints on A4 landscape with the questions and practices on every page.
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws.protection.autoFilter is False and ws.protection.sort is False  # False: allowed
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$1" and ws.print_title_cols == "$A:$B"


async def test_round_trip_preview_then_apply(client):
    tree = await _ccg_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    page = await client.get("/review/workbook")
    check_page(page.text)
    downloaded = (await client.get("/review/workbook.xlsx")).content

    def fill(wb):
        ws = wb[xlsx.DATA_SHEET]
        ws["C2"] = 30  # A81001 PO_REG_PCT 24 -> 30
        for col, value in zip(range(3, 3 + len(workbooks.COLUMNS)), complete_values().values(), strict=True):
            unit = workbooks.COLUMNS[col - 3].unit
            ws.cell(row=3, column=col, value=("Yes" if value else "No") if unit == "yesno" else value)

    before = await _snapshot()
    response = await _upload(client, workbooks.edit(downloaded, fill), mode="submit")
    assert response.status_code == 200, response.text
    check_page(response.text)
    assert "24%" in response.text and "30%" in response.text
    assert "A81002" in response.text and "Not started" in response.text
    # The preview wrote nothing but the kept upload.
    after = await _snapshot()
    assert after[:3] == before[:3] and after[3] == 1
    token = response.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    response = await post_form(
        client, "/review/workbook/apply", {"token": token}, token_from="/review/workbook", follow_redirects=False
    )
    assert response.status_code == 303
    rows = {r["practice"]: r for r in await PracticeReturn.select()}
    assert rows[tree["practices"][0]["id"]]["state"] == "submitted"
    assert rows[tree["practices"][1]["id"]]["state"] == "submitted"
    assert await db.fetch("SELECT COUNT(*) AS n FROM audit_event WHERE action = 'return.uploaded'") == [{"n": 2}]
    # The same preview cannot be applied twice.
    response = await post_form(client, "/review/workbook/apply", {"token": token}, token_from="/review/workbook")
    assert response.status_code == 409
    assert "expired or was already applied" in response.text


async def test_apply_is_refused_when_a_return_changed_after_the_preview(client):
    tree = await _ccg_signed_in(client)
    await make_return(tree["practices"][0], OPEN, "draft", complete_values())
    response = await _upload(client, workbooks.good(["A81001"], values=complete_values(PO_REG_PCT=33.0)))
    assert response.status_code == 200
    token = response.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    await PracticeReturn.update({PracticeReturn.version: 7}, force=True)  # the practice saved in between
    before = await _snapshot()
    response = await post_form(client, "/review/workbook/apply", {"token": token}, token_from="/review/workbook")
    assert response.status_code == 409
    assert "changed since the preview" in response.text
    assert await _snapshot() == before


@pytest.mark.parametrize("case", [c[0] for c in workbooks.hostile_corpus()])
async def test_hostile_workbook_is_refused_and_nothing_written(client, case):
    await _ccg_signed_in(client)
    _, name, data, mode, message = next(c for c in workbooks.hostile_corpus() if c[0] == case)
    before = await _snapshot()
    response = await _upload(client, data, name, mode)
    assert response.status_code == 422, case
    check_page(response.text)
    assert message in response.text.replace("&#39;", "'").replace("&#x27;", "'"), response.text[:3000]
    assert "Save all these changes" not in response.text
    assert await _snapshot() == before


async def test_file_over_the_size_limit_is_refused(client):
    await _ccg_signed_in(client)
    before = await _snapshot()
    response = await _upload(client, b"PK" + b"x" * 5_100_000)
    assert response.status_code == 413
    assert "too large" in response.text
    assert await _snapshot() == before
    with pytest.raises(xlsx.WorkbookError, match="larger than"):
        xlsx.read_workbook(workbooks.good(), "r.xlsx", max_bytes=1000, max_rows=10)


async def test_upload_needs_a_file_and_a_mode(client):
    await _ccg_signed_in(client)
    token = await csrf_token(client, "/review/workbook")
    response = await client.post("/review/workbook", data={"_csrf_token": token}, files={"other": ("x", b"", MIME)})
    assert response.status_code == 422
    assert "Select the returns workbook to upload" in response.text
    assert "Choose whether to save the returns as drafts or submit them" in response.text


async def test_only_ccg_users_use_the_workbook(client):
    await setup_catalogue()
    await make_org_tree()
    for email in ("practice@a81001.test", "region@y63.test", "national@england.test", "admin@england.test"):
        await sign_in(client, email)
        assert (await client.get("/review/workbook.xlsx")).status_code == 403
        token = await csrf_token(client, "/")
        response = await client.post(
            "/review/workbook",
            data={"_csrf_token": token, "mode": "draft"},
            files={"workbook": ("r.xlsx", workbooks.good(), MIME)},
        )
        assert response.status_code == 403
        await client.post("/sign-out", data={"_csrf_token": token})
    assert await PracticeReturn.count() == 0


async def test_a_refused_upload_keeps_the_chosen_mode(client):
    await _ccg_signed_in(client)
    token = await csrf_token(client, "/review/workbook")
    response = await client.post(
        "/review/workbook", data={"_csrf_token": token, "mode": "submit"}, files={"other": ("x", b"", MIME)}
    )
    assert response.status_code == 422
    assert re.search(r'<input[^>]*value="submit"[^>]*checked', response.text)

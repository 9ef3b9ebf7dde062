"""The practice return form: lifecycle, validation, lock, conflicting edits, authorisation."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page
from tests.returns.factories import (
    OPEN,
    OPEN_URL,
    PREVIOUS,
    PREVIOUS_URL,
    complete_values,
    form_data,
    grant_exception,
    make_return,
    setup_catalogue,
)
from tracker.accounts.principal import Role
from tracker.audit import service as audit
from tracker.tables import AuditEvent, PracticeReturn, ReturnValue

FORM = f"/practices/A81001/returns/{OPEN_URL}"


async def _tree():
    await setup_catalogue()
    return await make_org_tree()


async def _state(practice_id: int) -> dict | None:
    return await PracticeReturn.select().where(PracticeReturn.practice == practice_id).first()


def _errors(html: str) -> list[str]:
    summary = html.split("nhsuk-error-summary__list", 1)
    if len(summary) < 2:
        return []
    body = summary[1].split("</ul>", 1)[0]
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", body, re.S)]


async def test_practice_journey_draft_submit_approve(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await sign_in(client, "practice@a81001.test")
    page = await client.get(FORM)
    assert page.status_code == 200
    check_page(page.text)
    assert "Not started" in page.text and "Online services" in page.text  # the task list
    section = await client.get(FORM + "/sections/online-services")
    check_page(section.text)
    assert "National target" in section.text
    local = await client.get(FORM + "/sections/infrastructure-and-governance")
    assert "Local ambition" in local.text

    # Save a partial draft.
    response = await post_form(client, FORM, form_data({"PO_REG_PCT": 30.0}, version=0), follow_redirects=False)
    assert response.status_code == 303
    row = await _state(practice["id"])
    assert row["state"] == "draft" and row["version"] == 1
    page = await client.get(FORM)
    assert "Your draft has been saved" not in page.text  # only after the redirect's query
    assert "In progress" in page.text  # the task list: Online services is begun
    page = await client.get(FORM + "/sections/online-services")
    assert 'value="30"' in page.text

    # Submit complete values.
    response = await post_form(client, FORM, form_data(version=1, action="submit"), follow_redirects=False)
    assert response.status_code == 303, _errors(response.text)
    row = await _state(practice["id"])
    assert row["state"] == "submitted" and row["first_submitted_at"] is not None
    assert await ReturnValue.count().where(ReturnValue.practice_return == row["id"]) == 16
    page = await client.get(FORM + "?saved=submitted")
    assert "submitted to your CCG" in page.text
    # Read-only now: no value can be typed; the only form left withdraws the return.
    assert 'name="PO_REG_PCT"' not in page.text and 'value="submit"' not in page.text
    assert 'value="withdraw"' in page.text and "Withdraw return" in page.text

    # The CCG approves it.
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/")})
    await sign_in(client, "lead@00k.test")
    queue = await client.get("/review")
    check_page(queue.text)
    assert "A81001" in queue.text
    response = await post_form(
        client,
        "/review/decisions",
        {"return_id": str(row["id"]), "decision": "approve"},
        token_from="/review",
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert (await _state(practice["id"]))["state"] == "approved"
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)]
    assert actions.count("return.created") == 1
    assert "return.submitted" in actions and "return.approved" in actions
    assert actions.count("return.value_changed") == 17  # 1 in the draft, then 16 (30 -> 24 too)


async def test_returned_and_resubmitted(client):
    tree = await _tree()
    practice = tree["practices"][0]
    row = await make_return(practice, state="submitted")
    await sign_in(client, "lead@00k.test")
    response = await post_form(
        client, "/review/decisions", {"return_id": str(row["id"]), "decision": "return"}, token_from="/review"
    )
    assert response.status_code == 422
    assert "Enter the reason for returning" in response.text
    response = await post_form(
        client,
        "/review/decisions",
        {"return_id": str(row["id"]), "decision": "return", "reason": "e-RS figure looks wrong"},
        token_from="/review",
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert (await _state(practice["id"]))["state"] == "returned"
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/")})
    await sign_in(client, "practice@a81001.test")
    page = await client.get(FORM)
    assert "e-RS figure looks wrong" in page.text
    response = await post_form(client, FORM, form_data(version=2, action="submit"), follow_redirects=False)
    assert response.status_code == 303
    after = await _state(practice["id"])
    assert after["state"] == "submitted" and after["returned_reason"] == ""
    assert await audit.count("return.resubmitted") == 1


async def test_every_validation_message(client):
    await _tree()
    await sign_in(client, "practice@a81001.test")
    cases = {
        "PO_REG_PCT": ("abc", "as a number"),
        "EPS_UTIL_PCT": ("120", "must be between 0 and 100"),
        "PO_APPT_ENABLED": ("maybe", "Select yes or no"),
    }
    data = form_data(version=0, action="submit")
    for code, (value, _) in cases.items():
        data[code] = value
    data["ERD_PCT-numerator"] = "50"  # without a denominator
    data["GP2GP_UTIL_PCT-numerator"] = "90"
    data["GP2GP_UTIL_PCT-denominator"] = "80"  # numerator > denominator
    data["SCR_PCT-numerator"] = "x"
    data["SCR_PCT-denominator"] = "0"
    data["ERS_UTIL_PCT-denominator"] = "10"  # without a numerator
    data["EDISCHARGE_PCT"] = "50"
    data["EDISCHARGE_PCT-numerator"] = "9"
    data["EDISCHARGE_PCT-denominator"] = "10"  # 90% computed, 50 typed
    data["LG_DIGITISED_PCT-comment"] = "x" * 1001
    del data["WIFI_LIVE"]  # missing yes/no on submit
    del data["NHSMAIL"]
    data.pop("ERS_UTIL_PCT", None)
    response = await post_form(client, FORM, data)
    assert response.status_code == 422
    check_page(response.text)
    errors = _errors(response.text)
    text = " | ".join(errors)
    for _, message in cases.values():
        assert message in text
    for message in (
        "Enter the denominator as well as the numerator",
        "Numerator must not be more than the denominator",
        "Numerator must be a whole number",
        "Denominator must be more than 0",
        "Enter the numerator as well as the denominator",
        "does not match the numerator and denominator",
        "Comment must be 1,000 characters or fewer",
        "Select yes or no for NHS Wi-Fi".split(" for ")[0],
    ):
        assert message in text, message
    # Each message links to its field, and what was typed is kept.
    assert 'href="#GP2GP_UTIL_PCT-numerator"' in response.text
    assert 'id="GP2GP_UTIL_PCT-numerator"' in response.text
    assert 'value="abc"' in response.text and 'value="120"' in response.text
    assert await PracticeReturn.count() == 0


async def test_missing_percentage_on_submit_but_not_on_draft(client):
    await _tree()
    await sign_in(client, "practice@a81001.test")
    values = complete_values()
    del values["ERS_UTIL_PCT"]
    response = await post_form(client, FORM, form_data(values, action="submit"))
    assert response.status_code == 422
    assert "Enter first outpatient referrals" in response.text or "Enter " in " ".join(_errors(response.text))
    response = await post_form(client, FORM, form_data(values, action="draft"), follow_redirects=False)
    assert response.status_code == 303


async def test_plausibility_warning_needs_a_comment_to_submit(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await make_return(practice, PREVIOUS, "approved", complete_values())
    await sign_in(client, "practice@a81001.test")
    values = complete_values(SCR_PCT=60.0, WIFI_LIVE=0.0)
    response = await post_form(client, FORM, form_data(values, action="submit"))
    assert response.status_code == 422
    errors = _errors(response.text)
    assert any("fell from 97% last period to 60%" in e for e in errors)
    assert any("changed from yes last period to no" in e for e in errors)
    assert 'href="#SCR_PCT-comment"' in response.text
    # A draft with the same values saves, and shows the warning.
    response = await post_form(client, FORM, form_data(values, action="draft"), follow_redirects=False)
    assert response.status_code == 303
    page = await client.get(FORM)
    assert "Check these values" in page.text
    data = form_data(values, version=1, action="submit")
    data["SCR_PCT-comment"] = "New list cleaning removed duplicates"
    data["WIFI_LIVE-comment"] = "Supplier contract ended in March"
    response = await post_form(client, FORM, data, follow_redirects=False)
    assert response.status_code == 303


async def test_conflicting_edits_are_refused_and_input_kept(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await make_return(practice, OPEN, "draft", complete_values(PO_REG_PCT=20.0), version=3)
    await sign_in(client, "practice@a81001.test")
    # First person read version 3 and saves.
    response = await post_form(
        client, FORM, form_data(complete_values(PO_REG_PCT=25.0), version=3), follow_redirects=False
    )
    assert response.status_code == 303
    # The second person also read version 3: refused, their input kept, differences shown.
    response = await post_form(client, FORM, form_data(complete_values(PO_REG_PCT=31.5), version=3))
    assert response.status_code == 409
    check_page(response.text)
    assert "was changed by practice@a81001.test since you opened it" in response.text
    assert 'value="31.5"' in response.text
    assert "25%" in response.text  # saved now
    assert 'name="version" value="4"' in response.text
    row = await _state(practice["id"])
    assert row["version"] == 4
    ids = await ReturnValue.select(ReturnValue.value).where(ReturnValue.practice_return == row["id"])
    assert 31.5 not in [r["value"] for r in ids]
    # Saving again with the version now shown keeps their entries.
    response = await post_form(
        client, FORM, form_data(complete_values(PO_REG_PCT=31.5), version=4), follow_redirects=False
    )
    assert response.status_code == 303


async def test_locked_period_refuses_changes_unless_exception(client):
    tree = await _tree()
    practice = tree["practices"][0]
    locked = f"/practices/A81001/returns/{PREVIOUS_URL}"
    await sign_in(client, "practice@a81001.test")
    page = await client.get(locked)
    assert page.status_code == 200
    assert "locked on 1 March 2018" in page.text
    assert 'name="version"' not in page.text
    token = await csrf_token(client, FORM)
    response = await client.post(locked, data={"_csrf_token": token, **form_data(version=0, action="submit")})
    assert response.status_code == 409
    assert "locked on 1 March 2018" in response.text
    assert await PracticeReturn.count() == 0
    await grant_exception(practice, PREVIOUS, dt.date(2018, 4, 30))
    page = await client.get(locked)
    assert "A lock exception lets this practice change this return until 30 April 2018" in page.text
    response = await post_form(client, locked, form_data(version=0, action="submit"), follow_redirects=False)
    assert response.status_code == 303
    assert (await _state(practice["id"]))["state"] == "submitted"


async def test_expired_lock_exception_does_not_unlock(client):
    tree = await _tree()
    await grant_exception(tree["practices"][0], PREVIOUS, dt.date(2018, 4, 1))
    await sign_in(client, "practice@a81001.test")
    locked = f"/practices/A81001/returns/{PREVIOUS_URL}"
    token = await csrf_token(client, FORM)
    response = await client.post(locked, data={"_csrf_token": token, **form_data(version=0)})
    assert response.status_code == 409


async def test_submitted_return_cannot_be_changed_by_the_practice(client):
    tree = await _tree()
    await make_return(tree["practices"][0], OPEN, "submitted")
    await sign_in(client, "practice@a81001.test")
    token = await csrf_token(client, FORM)
    response = await client.post(FORM, data={"_csrf_token": token, **form_data(version=1)})
    assert response.status_code == 409
    assert "waiting for the CCG" in response.text


async def test_practice_user_cannot_touch_another_practice(client):
    tree = await _tree()
    await make_return(tree["practices"][1], OPEN, "draft")  # A81002, same CCG, not theirs
    await sign_in(client, "practice@a81001.test")
    token = await csrf_token(client, FORM)
    for code in ("A81002", "J81001"):
        other = f"/practices/{code}/returns/{OPEN_URL}"
        assert (await client.get(other)).status_code == 403
        response = await client.post(other, data={"_csrf_token": token, **form_data(version=1, action="submit")})
        assert response.status_code == 403
    assert (await client.get("/practices/A81002/returns")).status_code == 403
    rows = await PracticeReturn.select(PracticeReturn.state, PracticeReturn.version)
    assert rows == [{"state": "draft", "version": 1}]
    # Nor review its own return.
    response = await client.post(
        "/review/decisions", data={"_csrf_token": token, "return_id": "1", "decision": "approve"}
    )
    assert response.status_code == 403


async def test_other_roles_read_only(client):
    tree = await _tree()
    row = await make_return(tree["practices"][0], OPEN, "submitted")
    for email, status in (
        ("lead@00k.test", 200),
        ("region@y63.test", 200),
        ("national@england.test", 200),
        ("admin@england.test", 200),
        ("lead@11j.test", 403),
        ("region@y58.test", 403),
        ("practice@j81001.test", 403),
    ):
        await sign_in(client, email)
        page = await client.get(FORM)
        assert page.status_code == status, email
        if status == 200:
            assert 'name="version"' not in page.text
            assert ("Approve return" in page.text) == (email == "lead@00k.test")
            token = await csrf_token(client, "/")
            assert (await client.post(FORM, data={"_csrf_token": token, **form_data(version=1)})).status_code == 403
        await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/")})
    # A foreign CCG cannot approve it.
    await sign_in(client, "lead@11j.test")
    response = await post_form(
        client, "/review/decisions", {"return_id": str(row["id"]), "decision": "approve"}, token_from="/review"
    )
    assert response.status_code == 403
    assert (await _state(tree["practices"][0]["id"]))["state"] == "submitted"


async def test_unknown_period_and_practice_are_404(client):
    await _tree()
    await sign_in(client, "national@england.test")
    assert (await client.get("/practices/A81001/returns/2017-18-Q9")).status_code == 404
    assert (await client.get("/practices/A81001/returns/nonsense")).status_code == 404
    assert (await client.get(f"/practices/Z99999/returns/{OPEN_URL}")).status_code == 404


async def test_my_returns_lists_periods(client):
    await _tree()
    await sign_in(client, "practice@a81001.test")
    page = await client.get("/returns")
    assert page.status_code == 200
    check_page(page.text)
    assert "2017/18 Q4" in page.text and "Due by 30 April 2018" in page.text
    assert f'href="{FORM}"' in page.text
    _ = Role

"""The return as short pages: the task list of its sections, a section page that saves the draft
(errors on the page, what was typed kept, two people never overwriting each other), check your
answers showing exactly what is saved, and submitting from it."""

from __future__ import annotations

import re

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page, h1
from tests.returns.factories import (
    OPEN,
    OPEN_URL,
    PREVIOUS,
    complete_values,
    make_return,
    setup_catalogue,
)
from tracker.indicators.catalogue import load_catalogue
from tracker.returns import presenters
from tracker.returns.calculations import Entry
from tracker.tables import PracticeReturn, ReturnValue

RETURN = f"/practices/A81001/returns/{OPEN_URL}"
ONLINE = RETURN + "/sections/online-services"
PRESCRIBING = RETURN + "/sections/prescribing"
CHECK = RETURN + "/check"
SPECS = load_catalogue()
ONLINE_CODES = [s.code for s in SPECS if s.theme == "Online services"]


async def _tree():
    await setup_catalogue()
    return await make_org_tree()


async def _row(practice_id: int) -> dict:
    return await PracticeReturn.select().where(PracticeReturn.practice == practice_id).first()


async def _saved(row_id: int) -> dict[str, float | None]:
    rows = await ReturnValue.select(ReturnValue.value, ReturnValue.indicator.code).where(
        ReturnValue.practice_return == row_id
    )
    return {r["indicator.code"]: r["value"] for r in rows}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _task_status(html: str, theme: str) -> str:
    """The status shown beside a task on the task list."""
    item = html.split(f">\n        {theme}\n", 1)[1] if f">\n        {theme}\n" in html else html.split(theme, 1)[1]
    status = item.split('class="nhsuk-task-list__status', 1)[1].split("</div>", 1)[0]
    return _text("<x " + status).strip().split("> ", 1)[-1].strip()


def _summary_rows(html: str) -> dict[str, tuple[str, str | None]]:
    """Check your answers' rows: indicator name -> (the value shown, the Change link)."""
    rows = {}
    for row in html.split('<div class="nhsuk-summary-list__row')[1:]:
        row = row.split("</dl>", 1)[0]
        key = _text(re.search(r'<dt class="nhsuk-summary-list__key">(.*?)</dt>', row, re.S).group(1)).strip()
        value = re.search(r'<dd class="nhsuk-summary-list__value">\s*<p[^>]*>(.*?)</p>', row, re.S).group(1).strip()
        change = re.search(r'<dd class="nhsuk-summary-list__actions">\s*<a href="([^"]+)"', row)
        rows[key] = (value.replace("&#39;", "'"), change.group(1) if change else None)
    return rows


def _errors(html: str) -> list[tuple[str, str]]:
    summary = html.split("nhsuk-error-summary__list", 1)
    if len(summary) < 2:
        return []
    body = summary[1].split("</ul>", 1)[0]
    return [(href, _text(text).strip()) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', body, re.S)]


async def test_the_task_list_shows_each_sections_status(client):
    tree = await _tree()
    values = complete_values()
    del values["PO_REG_PCT"]  # Online services begun but not finished
    for code in ("EPS_LIVE", "EPS_UTIL_PCT", "ERD_PCT"):  # Prescribing not started
        del values[code]
    await make_return(tree["practices"][0], OPEN, "draft", values)
    await sign_in(client, "practice@a81001.test")

    page = await client.get(RETURN)
    assert page.status_code == 200
    check_page(page.text)
    assert h1(page.text) == "2017/18 Q4 return"
    assert _task_status(page.text, "Online services") == "In progress"
    assert _task_status(page.text, "Prescribing") == "Not started"
    assert _task_status(page.text, "Records and transfers") == "Completed"
    assert "4 of 5 questions answered" in page.text
    # The same return can be filled in offline: the task list links to its own workbook.
    assert 'href="/practices/A81001/returns/2017-18-Q4/workbook"' in page.text
    assert f'href="{ONLINE}"' in page.text and f'href="{PRESCRIBING}"' in page.text
    assert "3 of 5 sections completed" in page.text
    # Checking and submitting waits until every section is completed.
    assert "Cannot start yet" in page.text and f'href="{CHECK}"' not in page.text
    # The page is short: no question is asked on it.
    assert 'name="PO_REG_PCT"' not in page.text and "<textarea" in page.text  # only the comment thread's box
    # The stages read as a status line with the current stage marked, not as buttons.
    assert (
        'aria-current="step">Draft' in page.text
        and "<button" not in page.text.split("tracker-lifecycle", 1)[1].split("</ol>", 1)[0]
    )


async def test_a_section_page_asks_only_its_questions_with_what_each_counts(client):
    tree = await _tree()
    await make_return(tree["practices"][0], PREVIOUS, "approved", complete_values(PO_REG_PCT=21.0))
    await sign_in(client, "practice@a81001.test")
    page = await client.get(ONLINE)
    assert page.status_code == 200
    check_page(page.text)
    assert h1(page.text) == "Online services"
    for code in ONLINE_CODES:
        assert f'name="{code}"' in page.text
    assert 'name="EPS_LIVE"' not in page.text
    # What each field counts, from the catalogue's definition; last period's value.
    assert "Of the patients on the practice list, the percentage enabled" in page.text
    assert "Numerator (optional): those enabled for at least one online service" in page.text
    assert "Denominator (optional): the patients on the practice list" in page.text
    assert "Last period: 21%" in page.text
    assert "PO_REG_PCT" not in _text(page.text)  # codes are ids, never words people read
    assert f'href="{RETURN}"' in page.text  # back to the task list


async def test_saving_a_section_saves_the_draft_and_returns_to_the_task_list(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await sign_in(client, "practice@a81001.test")
    data = {"version": "0", "PO_REG_PCT": "27.5", "PO_REG_PCT-numerator": "110", "PO_REG_PCT-denominator": "400"}
    data |= {"PO_APPT_ENABLED": "yes", "PO_RX_ENABLED": "yes", "PO_DCR_ENABLED": "no", "OC_LIVE": "yes"}
    response = await post_form(client, ONLINE, data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{RETURN}?saved=draft"
    row = await _row(practice["id"])
    assert row["state"] == "draft" and row["version"] == 1
    assert await _saved(row["id"]) == {
        "PO_REG_PCT": 27.5,
        "PO_APPT_ENABLED": 1.0,
        "PO_RX_ENABLED": 1.0,
        "PO_DCR_ENABLED": 0.0,
        "OC_LIVE": 1.0,
    }
    page = await client.get(f"{RETURN}?saved=draft")
    assert "Your draft has been saved." in page.text
    assert _task_status(page.text, "Online services") == "Completed"
    assert _task_status(page.text, "Prescribing") == "Not started"

    # A second section adds its answers and leaves the first's alone.
    data = {"version": "1", "EPS_LIVE": "yes", "EPS_UTIL_PCT": "70"}
    assert (await post_form(client, PRESCRIBING, data, follow_redirects=False)).status_code == 303
    saved = await _saved(row["id"])
    assert saved["PO_REG_PCT"] == 27.5 and saved["EPS_UTIL_PCT"] == 70.0 and "ERD_PCT" not in saved
    page = await client.get(RETURN)
    assert _task_status(page.text, "Prescribing") == "In progress"
    # Coming back to the section shows what is saved.
    page = await client.get(ONLINE)
    assert re.search(r'<input[^>]*id="PO_REG_PCT"[^>]*value="27.5"', page.text)
    assert re.search(r'<input[^>]*id="PO_REG_PCT-numerator"[^>]*value="110"', page.text)


async def test_a_section_with_an_error_stays_on_its_page_and_keeps_what_was_typed(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await make_return(practice, OPEN, "draft", {"PO_REG_PCT": 20.0}, version=2)
    await sign_in(client, "practice@a81001.test")
    data = {"version": "2", "PO_REG_PCT": "about a quarter", "OC_LIVE": "yes", "PO_DCR_ENABLED-comment": "Soon"}
    response = await post_form(client, ONLINE, data)
    assert response.status_code == 422
    check_page(response.text)
    assert h1(response.text) == "Online services"
    assert response.text.count("<title>Error: ") == 1
    errors = _errors(response.text)
    assert [href for href, _ in errors] == ["#PO_REG_PCT"]
    assert errors[0][1].startswith("Enter patients registered for online services as a number")
    assert 'id="PO_REG_PCT"' in response.text and "PO_REG_PCT-error" in response.text
    assert re.search(r'<input[^>]*id="PO_REG_PCT"[^>]*value="about a quarter"', response.text)
    assert re.search(r'id="OC_LIVE" name="OC_LIVE" type="radio" value="yes" checked', response.text)
    assert ">Soon</textarea>" in response.text
    # Nothing was saved.
    row = await _row(practice["id"])
    assert row["version"] == 2 and await _saved(row["id"]) == {"PO_REG_PCT": 20.0}


async def test_two_people_saving_a_section_never_overwrite_each_other(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await make_return(practice, OPEN, "draft", complete_values(PO_REG_PCT=20.0), version=3)
    await sign_in(client, "practice@a81001.test")
    first = {"version": "3", "PO_REG_PCT": "25"}
    assert (await post_form(client, ONLINE, first, follow_redirects=False)).status_code == 303
    # The second person read version 3 as well.
    response = await post_form(client, ONLINE, {"version": "3", "PO_REG_PCT": "31.5"})
    assert response.status_code == 409
    check_page(response.text)
    assert "was changed by practice@a81001.test since you opened it" in response.text
    assert (
        "#conflict",
        "This return was changed by practice@a81001.test since you opened it. Nothing of yours was saved: check the differences below, then save again to keep your entries.",
    ) in _errors(response.text)
    assert re.search(r'<input[^>]*id="PO_REG_PCT"[^>]*value="31.5"', response.text)
    assert 'name="version" value="4"' in response.text and "25%" in response.text
    row = await _row(practice["id"])
    assert (await _saved(row["id"]))["PO_REG_PCT"] == 25.0
    # Saving again, having seen the differences, keeps their entry.
    response = await post_form(client, ONLINE, {"version": "4", "PO_REG_PCT": "31.5"}, follow_redirects=False)
    assert response.status_code == 303
    assert (await _saved(row["id"]))["PO_REG_PCT"] == 31.5


async def test_check_your_answers_shows_the_saved_values_with_change_links(client):
    tree = await _tree()
    practice = tree["practices"][0]
    values = complete_values(PO_REG_PCT=27.5)
    await make_return(practice, OPEN, "draft", values)
    await sign_in(client, "practice@a81001.test")
    page = await client.get(RETURN)
    assert "5 of 5 sections completed" in page.text and f'href="{CHECK}"' in page.text

    page = await client.get(CHECK)
    assert page.status_code == 200
    check_page(page.text)
    assert h1(page.text) == "Check your answers before submitting the return"
    rows = _summary_rows(page.text)
    assert len(rows) == len(SPECS) == 16
    for spec in SPECS:
        shown, change = rows[spec.name]
        assert shown == presenters.format_value(spec, Entry(value=values[spec.code])), spec.name
        assert change == f"{RETURN}/sections/{presenters.section_slug(spec.theme)}#{spec.code}"
    assert rows["Patients registered for online services"][0] == "27.5%"
    assert rows["Online appointment booking offered"][0] == "Yes"
    assert "Submit return" in page.text and f'action="{CHECK}"' in page.text


async def test_submitting_from_check_your_answers(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await make_return(practice, OPEN, "draft", complete_values(), version=5)
    await sign_in(client, "practice@a81001.test")
    page = await client.get(CHECK)
    assert 'name="version" value="5"' in page.text
    response = await post_form(client, CHECK, {"version": "5"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{RETURN}?saved=submitted"
    row = await _row(practice["id"])
    assert row["state"] == "submitted" and row["version"] == 6
    page = await client.get(f"{RETURN}?saved=submitted")
    assert "Your return has been submitted to your CCG for review." in page.text
    # Submitted: read-only, the answers as check your answers shows them, without Change links.
    rows = _summary_rows(page.text)
    assert len(rows) == 16 and all(change is None for _, change in rows.values())
    assert 'name="PO_REG_PCT"' not in page.text
    # Its section and check pages are read-only too.
    for url in (ONLINE, CHECK):
        other = await client.get(url)
        assert other.status_code == 200 and 'name="PO_REG_PCT"' not in other.text and "Withdraw return" in other.text


async def test_submitting_an_unfinished_return_links_each_problem_to_its_field(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await make_return(practice, PREVIOUS, "approved", complete_values())
    values = complete_values(SCR_PCT=60.0)
    del values["EPS_LIVE"]
    draft = await make_return(practice, OPEN, "draft", values)
    await sign_in(client, "practice@a81001.test")
    response = await post_form(client, CHECK, {"version": "1"}, token_from=RETURN)
    assert response.status_code == 422
    check_page(response.text)
    errors = dict(_errors(response.text))
    assert errors[f"{PRESCRIBING}#EPS_LIVE"] == "Select yes or no for live on Electronic Prescription Service release 2"
    assert f"{RETURN}/sections/records-and-transfers#SCR_PCT-comment" in errors
    assert (await PracticeReturn.select().where(PracticeReturn.id == draft["id"]).first())["state"] == "draft"
    # The link opens the section page at the field.
    page = await client.get(PRESCRIBING)
    assert 'id="EPS_LIVE"' in page.text


async def test_a_section_saved_after_the_return_was_submitted_elsewhere_says_so(client):
    # The section was opened at version 1; someone then submitted the return from another tab.
    tree = await _tree()
    practice = tree["practices"][0]
    await make_return(practice, OPEN, "submitted", complete_values(PO_REG_PCT=20.0), version=2)
    await sign_in(client, "practice@a81001.test")
    response = await post_form(client, ONLINE, {"version": "1", "PO_REG_PCT": "31.5"}, token_from=RETURN)
    assert response.status_code == 409
    check_page(response.text)  # each message of the error summary leads to something on the page
    [(_, message)] = _errors(response.text)
    assert message.startswith("This return was changed by")
    assert (await _saved((await _row(practice["id"]))["id"]))["PO_REG_PCT"] == 20.0


async def test_submitting_a_return_changed_meanwhile_is_refused(client):
    tree = await _tree()
    practice = tree["practices"][0]
    await make_return(practice, OPEN, "draft", complete_values(), version=2)
    await sign_in(client, "practice@a81001.test")
    response = await post_form(client, CHECK, {"version": "1"})
    assert response.status_code == 409
    check_page(response.text)
    assert "Nothing was submitted" in response.text
    assert 'name="version" value="2"' in response.text
    assert (await _row(practice["id"]))["state"] == "draft"


async def test_a_ccg_lead_reads_the_summary_and_cannot_save_a_section(client):
    tree = await _tree()
    await make_return(tree["practices"][0], OPEN, "submitted", complete_values())
    await sign_in(client, "lead@00k.test")
    page = await client.get(RETURN)
    check_page(page.text)
    rows = _summary_rows(page.text)
    assert rows["Patients registered for online services"] == ("24%", None)
    assert "Approve return" in page.text
    token = await csrf_token(client, "/")
    for url, data in ((ONLINE, {"version": "1", "PO_REG_PCT": "1"}), (CHECK, {"version": "1"})):
        assert (await client.post(url, data={"_csrf_token": token, **data})).status_code == 403


async def test_an_unknown_section_is_not_found(client):
    await _tree()
    await sign_in(client, "practice@a81001.test")
    assert (await client.get(RETURN + "/sections/finance")).status_code == 404
    assert (
        await post_form(client, RETURN + "/sections/finance", {"version": "0"}, token_from=RETURN)
    ).status_code == 404


def test_section_status_needs_every_answer_and_every_explanation() -> None:
    specs = [s for s in SPECS if s.theme == "Records and transfers"]
    full = {s.code: Entry(value=90.0) for s in specs}
    assert presenters.section_status(specs, {}, {}) == "Not started"
    assert presenters.section_status(specs, {specs[0].code: Entry(comment="Asked the CCG")}, {}) == "In progress"
    assert presenters.section_status(specs, {specs[0].code: Entry(value=1.0)}, {}) == "In progress"
    assert presenters.section_status(specs, full, {}) == "Completed"
    # A value that fell sharply since last period needs its comment first.
    previous = {specs[0].code: Entry(value=100.0)}
    fell = {**full, specs[0].code: Entry(value=40.0)}
    assert presenters.section_status(specs, fell, previous) == "In progress"
    explained = {**full, specs[0].code: Entry(value=40.0, comment="List cleaned")}
    assert presenters.section_status(specs, explained, previous) == "Completed"


def test_fraction_labels_say_what_is_counted() -> None:
    assert presenters.fraction_labels(
        "Of the hospital discharge summaries the practice received, the percentage that arrived electronically."
    ) == (
        "Numerator (optional): those that arrived electronically",
        "Denominator (optional): the hospital discharge summaries the practice received",
    )
    assert presenters.fraction_labels("Patients can book online.") == ("Numerator (optional)", "Denominator (optional)")
    for spec in SPECS:
        if spec.unit == "percent":
            assert presenters.fraction_labels(spec.definition)[0] != "Numerator (optional)", spec.code


def test_the_history_names_indicators_and_people() -> None:
    import datetime as dt
    import json

    from tracker.audit.service import EntityEvent

    at = dt.datetime(2018, 4, 20, 9, 5)
    changed = json.dumps({"indicator": "WIFI_LIVE", "old": {"value": 1.0}, "new": {"value": 0.0}})
    events = [
        EntityEvent(at, "pat@a81001.test", "return.value_changed", changed),
        EntityEvent(at, "system", "return.submitted", "{}"),
    ]
    rows = presenters.history_rows(
        events, {"WIFI_LIVE": "NHS Wi-Fi for patients and staff"}, {"pat@a81001.test": "Pat Manager"}
    )
    assert rows[0] == {
        "at": "20 Apr 2018 09:05",
        "actor": "Pat Manager (pat@a81001.test)",
        "what": "NHS Wi-Fi for patients and staff: 1 → 0",
    }
    assert rows[1]["actor"] == "system" and rows[1]["what"] == "Submitted"


async def test_the_return_page_history_names_the_person(client):
    await _tree()
    await sign_in(client, "practice@a81001.test")
    data = {"version": "0", "PO_REG_PCT": "30"}
    assert (await post_form(client, ONLINE, data, follow_redirects=False)).status_code == 303
    page = await client.get(RETURN)
    history = page.text.split("History of this return", 1)[1]
    assert "Test practice (practice@a81001.test)" in history
    assert "Patients registered for online services: blank → 30" in history

"""Funding pages and actions through the app: who may do what, errors shown, nothing half-written."""

from __future__ import annotations

import argparse

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_org_tree
from tests.pages import check_page, h1
from tests.returns.factories import setup_catalogue
from tests.weekly.test_plain_words import codes_in
from tracker.funding import commands, service
from tracker.funding.streams import ensure_standard_streams
from tracker.tables import (
    AllocationRun,
    FundingForecast,
    PracticeAward,
    PracticeAwardIndicator,
    TransitionApplication,
)


async def _tree_with_run() -> dict:
    tree = await make_org_tree()
    await ensure_standard_streams()
    plan = await service.plan_allocation(
        pot_pence=1_000_000, stream_code="GPIT_REVENUE", financial_year="2018/19", basis="register"
    )
    run_id = await service.save_plan(plan, service.Actor())
    await service.approve_run(run_id, service.Actor())
    tree["run_id"] = run_id
    return tree


async def test_national_user_previews_and_approves_a_run(client):
    await _tree_with_run()
    await sign_in(client, "national@england.test")
    page = await client.get("/funding")
    assert page.status_code == 200
    check_page(page.text)
    assert "GP IT revenue (fair share)" in page.text

    bad = await post_form(
        client,
        "/funding/runs",
        {"stream": "GPIT_REVENUE", "year": "2018/19", "pot": "-5", "basis": "snapshot"},
        token_from="/funding/runs/new",
    )
    assert bad.status_code == 422
    check_page(bad.text)
    assert "Pot must not be negative" in bad.text and 'value="-5"' in bad.text
    assert await AllocationRun.count() == 1

    made = await post_form(
        client,
        "/funding/runs",
        {"stream": "GPIT_REVENUE", "year": "2018/19", "pot": "£20,000", "basis": "register"},
        token_from="/funding/runs/new",
        follow_redirects=False,
    )
    assert made.status_code == 303
    run_path = made.headers["location"]
    page = await client.get(run_path)
    check_page(page.text)
    assert "Preview" in page.text and "£20,000" in page.text
    approved = await post_form(client, run_path + "/approve", {}, token_from=run_path, follow_redirects=False)
    assert approved.status_code == 303
    assert sorted(r["state"] for r in await AllocationRun.select(AllocationRun.state)) == ["approved", "superseded"]
    csv = await client.get(run_path + "/csv")
    assert csv.text.splitlines()[0] == "ccg_code,patients,amount"
    assert sum(float(line.split(",")[2]) for line in csv.text.splitlines()[1:]) == 20_000


async def test_ccg_lead_enters_forecasts_and_awards_for_their_own_ccg_only(client):
    await _tree_with_run()
    await sign_in(client, "lead@00k.test")
    start = await client.get("/funding", follow_redirects=False)
    assert start.headers["location"] == "/funding/ccgs/00K"
    page = await client.get("/funding/ccgs/00K")
    check_page(page.text)
    assert "Enter a forecast outturn" in page.text

    form = {"forecast_stream": "GPIT_REVENUE", "year": "2018/19", "quarter": "2", "outturn": "ten pounds"}
    bad = await post_form(client, "/funding/ccgs/00K/forecasts", form, token_from="/funding/ccgs/00K")
    assert bad.status_code == 422 and "Forecast outturn must be an amount in pounds" in bad.text
    assert await FundingForecast.count() == 0
    good = await post_form(
        client,
        "/funding/ccgs/00K/forecasts",
        {**form, "outturn": "4,000"},
        token_from="/funding/ccgs/00K",
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert (await FundingForecast.select(FundingForecast.outturn_pence).first())["outturn_pence"] == 400_000

    foreign = await post_form(
        client, "/funding/ccgs/11J/forecasts", {**form, "outturn": "1"}, token_from="/funding/ccgs/00K"
    )
    assert foreign.status_code == 403
    assert (await client.get("/funding/ccgs/11J")).status_code == 403
    award = {
        "practice_code": "J81001",
        "award_date-day": "1",
        "award_date-month": "1",
        "award_date-year": "2018",
        "amount": "100",
        "award_stream": "GPIT_REVENUE",
    }
    refused = await post_form(client, "/funding/ccgs/00K/awards", award, token_from="/funding/ccgs/00K")
    assert refused.status_code == 422 and "J81001 is not a practice of this CCG" in refused.text
    ok = await post_form(
        client,
        "/funding/ccgs/00K/awards",
        {**award, "practice_code": "A81001"},
        token_from="/funding/ccgs/00K",
        follow_redirects=False,
    )
    assert ok.status_code == 303 and await PracticeAward.count() == 1
    practice = await client.get("/funding/practices/A81001")
    check_page(practice.text)
    assert "association, not proof" in practice.text


async def test_upload_all_or_nothing_with_a_report_by_row(client):
    await _tree_with_run()
    await sign_in(client, "lead@00k.test")
    token = await csrf_token(client, "/funding/ccgs/00K/awards/upload")
    bad_file = b"practice_code,award_date,amount,stream\nA81001,2018-01-01,100,GPIT_REVENUE\nJ81001,2018-01-01,100,GPIT_REVENUE\n"
    bad = await client.post(
        "/funding/ccgs/00K/awards/upload",
        data={"_csrf_token": token},
        files={"file": ("awards.csv", bad_file, "text/csv")},
    )
    assert bad.status_code == 422
    check_page(bad.text)
    assert "Nothing was saved" in bad.text and "J81001 is not a practice of this CCG" in bad.text
    assert await PracticeAward.count() == 0
    good = await client.post(
        "/funding/ccgs/00K/awards/upload",
        data={"_csrf_token": token},
        files={"file": ("awards.csv", bad_file.replace(b"J81001", b"A81002"), "text/csv")},
        follow_redirects=False,
    )
    assert good.status_code == 303 and await PracticeAward.count() == 2


async def test_region_and_practice_views_respect_scope(client):
    await _tree_with_run()
    await sign_in(client, "region@y63.test")
    page = await client.get("/funding")
    check_page(page.text)
    assert h1(page.text) == "Funding in North East and Yorkshire"
    assert "NHS Dorset CCG" not in page.text
    assert (await client.get("/funding/ccgs/11J")).status_code == 403
    assert (await client.get("/funding/runs/new")).status_code == 403
    impact = await client.get("/funding/impact")
    check_page(impact.text)


async def test_impact_page_for_national_users(client):
    await _tree_with_run()
    await sign_in(client, "national@england.test")
    page = await client.get("/funding/impact")
    assert page.status_code == 200
    check_page(page.text)
    assert "association, not proof" in page.text


async def test_reallocation_form_errors_and_preview(client):
    await _tree_with_run()
    await sign_in(client, "admin@england.test")
    form = {
        "stream": "GPIT_REVENUE",
        "year": "2018/19",
        "quarter": "2",
        "threshold": "150",
        "recover": "100",
        "recipients": "pressure",
        "reason": "",
    }
    bad = await post_form(client, "/funding/reallocation", form, token_from="/funding/reallocation/new")
    assert bad.status_code == 422
    assert "The threshold must be from 0 to 100" in bad.text and "Give a reason" in bad.text
    ok = await post_form(
        client,
        "/funding/reallocation",
        {**form, "threshold": "5", "reason": "test"},
        token_from="/funding/reallocation/new",
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = await client.get(ok.headers["location"])
    check_page(page.text)
    assert "Net change over all CCGs" in page.text


async def test_cli_allocate_prints_csv_and_refuses_clearly(clean_db, capsys):
    await make_org_tree()
    args = argparse.Namespace(pot="£1,000", snapshot=None, stream=None, year="2018/19", basis="snapshot", apply=False)
    assert await commands._allocate(args, clean_db) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0] == "ccg_code,patients,amount"
    assert sum(float(line.split(",")[2]) for line in lines[1:]) == 1000
    assert "nothing was written" in out.err and await AllocationRun.count() == 0

    assert await commands._allocate(argparse.Namespace(**{**vars(args), "apply": True}), clean_db) == 0
    assert [r["state"] for r in await AllocationRun.select(AllocationRun.state)] == ["approved"]

    for bad, message in (
        ({"pot": "-5"}, "must not be negative"),
        ({"snapshot": "2014-04-01"}, "no list sizes for the snapshot"),
        ({"stream": "NOPE"}, "no funding stream"),
    ):
        capsys.readouterr()
        assert await commands._allocate(argparse.Namespace(**{**vars(args), **bad, "apply": True}), clean_db) == 1
        assert message in capsys.readouterr().err
    assert await AllocationRun.count() == 1


async def test_transition_applied_for_by_the_ccg_and_decided_nationally(client):
    await _tree_with_run()  # 00K's fair share: 1,000,000p of the 2018/19 run... by patients
    await sign_in(client, "lead@00k.test")
    bad = await post_form(
        client,
        "/funding/ccgs/00K/transition",
        {"transition_year": "2018/19", "committed": "x", "requested": "0"},
        token_from="/funding/ccgs/00K",
    )
    assert bad.status_code == 422 and "Amount asked for must be more than £0" in bad.text
    ok = await post_form(
        client,
        "/funding/ccgs/00K/transition",
        {"transition_year": "2018/19", "committed": "100000", "requested": "5000"},
        token_from="/funding/ccgs/00K",
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/funding/ccgs/00K?saved=transition"
    assert "Application to the transition fund sent." in (await client.get(ok.headers["location"])).text
    await client.get("/sign-out")
    client.cookies.clear()
    await sign_in(client, "national@england.test")
    page = await client.get("/funding")
    check_page(page.text)
    # The year is chosen from a list that holds the year applied for
    assert '<select class="nhsuk-select" id="transition_year" name="transition_year">' in page.text
    assert '<option value="2018/19"' in page.text
    # A bad fund and taper: said beside each field, with what was typed kept, and nothing decided
    wrong = await post_form(
        client,
        "/funding/transition/award",
        {"transition_year": "2018/19", "fund": "lots", "year_number": "1", "taper": "150"},
        token_from="/funding",
    )
    assert wrong.status_code == 422
    check_page(wrong.text)
    assert 'href="#fund"' in wrong.text and 'href="#taper"' in wrong.text
    assert 'value="lots"' in wrong.text and 'value="150"' in wrong.text
    assert "Enter the taper as a percentage from 0 to 100, like 50" in wrong.text
    assert (await TransitionApplication.select(TransitionApplication.state).first())["state"] != "awarded"
    decided = await post_form(
        client,
        "/funding/transition/award",
        {"transition_year": "2018/19", "fund": "1000", "year_number": "1", "taper": "50"},
        token_from="/funding",
        follow_redirects=False,
    )
    assert decided.status_code == 303 and decided.headers["location"] == "/funding?saved=transition-decided"
    confirmed = await client.get(decided.headers["location"])
    check_page(confirmed.text)
    assert "nhsuk-notification-banner--success" in confirmed.text
    assert "applications to the transition fund are decided." in confirmed.text
    (row,) = await TransitionApplication.select(TransitionApplication.awarded_pence, TransitionApplication.state)
    assert row == {"awarded_pence": 100_000, "state": "awarded"}  # asked £5,000, fund £1,000: scaled down


async def test_an_award_s_indicators_are_ticked_by_name_and_shown_by_name(client):
    """People choose the indicators an award should move from their names; no code is typed or read."""
    await _tree_with_run()
    await setup_catalogue()
    await sign_in(client, "lead@00k.test")
    page = await client.get("/funding/ccgs/00K")
    assert 'type="checkbox"' in page.text and 'value="EPS_LIVE"' in page.text
    assert "Indicator codes separated" not in page.text
    award = {
        "practice_code": "A81001",
        "award_date-day": "1",
        "award_date-month": "1",
        "award_date-year": "2018",
        "amount": "250",
        "award_stream": "GPIT_REVENUE",
        "indicators": ["EPS_LIVE", "WIFI_LIVE"],
    }
    ok = await post_form(
        client, "/funding/ccgs/00K/awards", award, token_from="/funding/ccgs/00K", follow_redirects=False
    )
    assert ok.status_code == 303
    assert await PracticeAwardIndicator.count() == 2
    shown = (await client.get("/funding/ccgs/00K")).text
    assert "Live on Electronic Prescription Service release 2" in shown and "EPS_LIVE, WIFI_LIVE" not in shown
    assert codes_in(shown) == []

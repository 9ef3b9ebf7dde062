"""The monthly digest of alerts: built from the tracker's own figures, to CCG, region and national
users, exactly once per person per month, with figures the API gives too."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest

from tests.factories import make_org_tree, make_practice
from tests.returns.factories import complete_values, make_return, setup_catalogue
from tracker.maturity import service as maturity
from tracker.notifications import service as notifications
from tracker.returns import api_service
from tracker.returns.service import Actor
from tracker.settings import Settings
from tracker.tables import OutboxEmail

TODAY = dt.date(2018, 4, 20)
FIRST_OF_MAY = dt.datetime(2018, 5, 1, 7, 30, tzinfo=dt.UTC)  # 08:30 in London: the digest's time
PERIODS = ["2014/15-Q4"] + [f"{y}-Q{q}" for y in ("2015/16", "2016/17") for q in (1, 2, 3, 4)]
PERIODS += ["2017/18-Q1", "2017/18-Q2", "2017/18-Q3"]  # up to the latest closed period on TODAY


@pytest.fixture
async def history(clean_db: Settings) -> dict[str, Any]:
    """00K: A81001 registers patients online steadily faster than everyone; A81002 steps down in
    the last two quarters. 11J: eight practices that stay where they are (England's deciles)."""
    await setup_catalogue()
    tree = await make_org_tree()
    pa1, pa2, pb1, pb2 = tree["practices"]
    flat = [pb1, pb2] + [await make_practice(tree["ccgs"][1], f"J8101{i}", f"FLAT SURGERY {i}") for i in range(6)]
    for n, code in enumerate(PERIODS):
        sent = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)
        steady = 20.0 + 5 * n
        step = 45.0 if n < len(PERIODS) - 2 else 8.0
        await make_return(pa1, code, "approved", complete_values(PO_REG_PCT=steady), submitted_at=sent)
        await make_return(pa2, code, "approved", complete_values(PO_REG_PCT=step), submitted_at=sent)
        for i, p in enumerate(flat):
            value = 10.0 + 10 * i + (1 if (n + i) % 2 else -1)
            await make_return(p, code, "approved", complete_values(PO_REG_PCT=value), submitted_at=sent)
    await maturity.refresh_all(TODAY)
    return tree


async def _run(settings: Settings, now: dt.datetime) -> int:
    await notifications.ensure_default_schedules(settings, now)
    row = await notifications.schedule_by_name("alert-digest")
    assert row is not None and row.kind == "alert_digest"
    return (await notifications.run_schedule(settings, row, now=now)).queued


async def test_each_lead_gets_their_organisations_alerts_once_a_month(
    clean_db: Settings, history: dict[str, Any]
) -> None:
    settings = dataclasses.replace(clean_db, today=TODAY, base_url="https://tracker.example.nhs.test")
    assert await _run(settings, FIRST_OF_MAY) == 5
    emails = {e["to_address"]: e for e in await OutboxEmail.select()}
    leads = {"lead@00k.test", "lead@11j.test", "region@y63.test", "region@y58.test", "national@england.test"}
    assert set(emails) == leads
    ccg = emails["lead@00k.test"]
    assert ccg["subject"] == "Monthly alerts: NHS Hartlepool and Stockton-on-Tees CCG (00K), May 2018"
    assert ccg["kind"] == "alert_digest"
    text = ccg["body_text"]
    # Exactly the practices' alerts of the hand-made history, in plain words, in both parts.
    expected = [
        "A81002 Queens Park Medical Centre moved into the lowest tenth of practices for the share of patients"
        " registered for online services: 8.0% in 2017/18 Q3",
        "A81001 The Densham Surgery: the share of patients registered for online services rose steadily from 35%"
        " in 2015/16 Q3 to 75% in 2017/18 Q3",
        "A81002 Queens Park Medical Centre: the share of patients registered for online services fell, most of it in"
        " one quarter, from 45% in 2017/18 Q1 to 8% in 2017/18 Q3",
    ]
    assert re.findall(r"^- ", text, re.M) == ["- "] * 3
    for line in expected:
        assert line in text and line in ccg["body_html"], line
    assert "J81001" not in text  # another CCG's practice
    assert "https://tracker.example.nhs.test/dashboards/ccgs/00K" in text
    # The region's and England's digests are about CCGs.
    assert (
        "00K NHS Hartlepool and Stockton-on-Tees CCG moved into the lowest tenth of CCGs"
        in (emails["region@y63.test"]["body_text"])
    )
    assert "of CCGs" in emails["national@england.test"]["body_text"]
    assert "11J" not in emails["region@y63.test"]["body_text"]
    # A second run in the same month, by hand a fortnight later, queues nothing.
    assert await _run(settings, FIRST_OF_MAY + dt.timedelta(days=14)) == 0
    assert await OutboxEmail.count() == 5
    # June's goes.
    assert await _run(settings, FIRST_OF_MAY + dt.timedelta(days=31)) == 5


async def test_the_digest_gives_the_figures_api_s_numbers(
    client: Any, clean_db: Settings, history: dict[str, Any]
) -> None:
    settings = dataclasses.replace(clean_db, today=TODAY)
    await _run(settings, FIRST_OF_MAY)
    email = await OutboxEmail.select().where(OutboxEmail.to_address == "lead@00k.test").first()
    got = re.search(
        r"Maturity in 2017/18 Q3: ([\d.]+) out of 100 for .*?, ([\d.]+) for England; "
        r"returns received from (\d+) of (\d+) practices",
        email["body_text"],
    )
    assert got, email["body_text"]
    issued = await api_service.issue(
        "digest check", "00K", actor=Actor(account_id=None, label="test", ip=""), now=FIRST_OF_MAY
    )
    assert issued is not None
    headers = {"Authorization": f"Bearer {issued[0]}"}
    api = {}
    for level, code in (("ccg", "00K"), ("england", "ENG")):
        response = await client.get(f"/api/v1/figures/{level}/{code}", params={"period": "2017/18-Q3"}, headers=headers)
        assert response.status_code == 200, response.text
        api[level] = response.json()
    assert float(got.group(1)) == round(api["ccg"]["maturity"], 1)
    assert float(got.group(2)) == round(api["england"]["maturity"], 1)
    assert (int(got.group(3)), int(got.group(4))) == (api["ccg"]["received"], api["ccg"]["expected"])


async def test_an_administrator_previews_the_digest_with_both_parts(
    client: Any, clean_db: Settings, history: dict[str, Any]
) -> None:
    from tests.conftest import sign_in
    from tests.pages import check_page

    await sign_in(client, "admin@england.test")
    page = await client.get("/admin/schedules")
    check_page(page.text)
    assert "Monthly alerts" in page.text
    row = await notifications.schedule_by_name("alert-digest")
    assert row is not None and f'href="/admin/schedules/{row.id}/preview"' in page.text
    preview = await client.get(f"/admin/schedules/{row.id}/preview")
    check_page(preview.text)
    assert "A run now would queue 5 new email(s)" in preview.text
    assert "Plain-text version" in preview.text and "Monthly alerts:" in preview.text
    assert await OutboxEmail.count() == 0
    # Every kind, the unscheduled ones too, has an example from its templates.
    for kind in ("alert_digest", "account_invitation", "password_reset", "reminder"):
        assert f'href="/admin/schedules/emails/{kind}"' in page.text
        example = await client.get(f"/admin/schedules/emails/{kind}")
        check_page(example.text)
        assert "Plain-text version" in example.text
    assert (await client.get("/admin/schedules/emails/nothing")).status_code == 404

"""The administrator's periods page: every period with its state today, and a financial year
added after a preview, with errors beside the fields and nothing written until confirmed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import post_form, sign_in
from tests.factories import make_account
from tracker.accounts.principal import Role
from tracker.periods import presenters, service
from tracker.tables import AuditEvent, Period


def test_state_follows_the_lifecycle_dates() -> None:
    opens, due, locks = dt.date(2018, 4, 1), dt.date(2018, 4, 30), dt.date(2018, 5, 30)
    assert presenters.state(opens, due, locks, dt.date(2018, 3, 31)) == "Not open yet"
    assert presenters.state(opens, due, locks, dt.date(2018, 4, 1)) == "Open for returns"
    assert presenters.state(opens, due, locks, dt.date(2018, 4, 30)) == "Open for returns"
    assert presenters.state(opens, due, locks, dt.date(2018, 5, 1)).startswith("Past its due date")
    assert presenters.state(opens, due, locks, dt.date(2018, 5, 30)).startswith("Past its due date")
    assert presenters.state(opens, due, locks, dt.date(2018, 5, 31)) == "Locked"


async def test_admin_previews_then_creates_a_year(client: AsyncTestClient[Any]) -> None:
    admin = await make_account(Role.ADMIN)
    await sign_in(client, admin["email"])

    page = await client.get("/admin/periods")
    assert page.status_code == 200 and "There are no periods yet" in page.text

    preview = await post_form(client, "/admin/periods/preview", {"year": "2019/20", "due_days": "45"}, "/admin/periods")
    assert preview.status_code == 200
    assert preview.text.count("Will be created") == 4
    assert "14 August 2019" in preview.text  # Q1 ends 30 June; due 45 days later
    assert await Period.count() == 0, "a preview writes nothing"

    created = await post_form(
        client,
        "/admin/periods",
        {"year": "2019/20", "due_days": "45", "lock_days": ""},
        "/admin/periods",
        follow_redirects=False,
    )
    assert created.status_code == 303 and created.headers["location"] == "/admin/periods?done=4"
    rows = await service.all_periods()
    assert [r["code"] for r in rows] == ["2019/20-Q1", "2019/20-Q2", "2019/20-Q3", "2019/20-Q4"]
    assert rows[0]["due_on"] == dt.date(2019, 8, 14)
    assert await AuditEvent.count().where(AuditEvent.action == "periods.created") == 1

    listed = await client.get("/admin/periods?done=4")
    assert "4 periods created." in listed.text and "Not open yet" in listed.text

    again = await post_form(client, "/admin/periods", {"year": "2019/20"}, "/admin/periods", follow_redirects=False)
    assert again.headers["location"] == "/admin/periods?done=0"
    assert await Period.count() == 4, "existing periods keep their dates"


async def test_bad_values_are_shown_beside_the_fields_and_kept(client: AsyncTestClient[Any]) -> None:
    admin = await make_account(Role.ADMIN)
    await sign_in(client, admin["email"])
    response = await post_form(
        client, "/admin/periods/preview", {"year": "2019/21", "due_days": "soon", "lock_days": "9999"}, "/admin/periods"
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert (
        'href="#year"' in response.text and 'href="#due_days"' in response.text and 'href="#lock_days"' in response.text
    )
    assert "the years must follow on" in response.text
    assert 'value="2019/21"' in response.text and 'value="soon"' in response.text
    empty = await post_form(client, "/admin/periods", {"year": ""}, "/admin/periods")
    assert empty.status_code == 422 and "Enter the financial year, like 2019/20" in empty.text
    assert await Period.count() == 0


async def test_only_administrators(client: AsyncTestClient[Any]) -> None:
    national = await make_account(Role.NATIONAL)
    await sign_in(client, national["email"])
    assert (await client.get("/admin/periods")).status_code == 403
    refused = await post_form(client, "/admin/periods", {"year": "2019/20"}, "/", follow_redirects=False)
    assert refused.status_code == 403
    assert await Period.count() == 0

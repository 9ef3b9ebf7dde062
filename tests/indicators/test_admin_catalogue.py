"""The administrator's catalogue page: the indicators in use and retired, a reviewed file checked
and previewed with nothing written, then applied as a new version with its audit row; a wrong
file is refused beside the field, again with nothing written."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import ROOT, csrf_token, post_form, sign_in
from tests.factories import make_account, make_practice
from tests.returns.factories import complete_values, make_return, setup_catalogue
from tracker.accounts.principal import Role
from tracker.indicators import service
from tracker.tables import AuditEvent, Indicator, IndicatorVersion

CATALOGUE = ROOT / "fixtures" / "indicators.toml"
CODE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
APRIL = {"valid_from-day": "1", "valid_from-month": "4", "valid_from-year": "2018"}


def _edited() -> tuple[bytes, str]:
    """The reviewed file with one target raised and the last indicator left out; that one's name."""
    body = CATALOGUE.read_text().replace("target_value = 10\n", "target_value = 30\n", 1)
    last = body.rindex("[[indicator]]")
    dropped = body[last:].split('name = "', 1)[1].split('"', 1)[0]
    return body[:last].encode(), dropped


def _text(html: str) -> str:
    """What people read: the page without its tags (links may carry codes in their addresses)."""
    return re.sub(r"<[^>]+>", " ", html)


async def _snapshot() -> tuple[Any, ...]:
    return (
        await Indicator.select().order_by(Indicator.id),
        await IndicatorVersion.select().order_by(IndicatorVersion.id),
        await AuditEvent.count().where(AuditEvent.action == "catalogue.applied"),
    )


async def _preview(
    client: AsyncTestClient[Any], data: bytes | None, name: str = "indicators.toml", date: dict[str, str] = APRIL
) -> Any:
    token = await csrf_token(client, "/admin/catalogue")
    files = {"file": (name, data, "application/toml")} if data is not None else None
    return await client.post("/admin/catalogue/preview", data={"_csrf_token": token, **date}, files=files)


@pytest.fixture
async def admin(client: AsyncTestClient[Any]) -> dict[str, Any]:
    await service.apply_plan(service.read_file(CATALOGUE), dt.date(2014, 4, 1))
    account = await make_account(Role.ADMIN)
    await sign_in(client, account["email"])
    return account


async def test_the_page_lists_the_catalogue_by_name(client: AsyncTestClient[Any], admin: dict[str, Any]) -> None:
    page = await client.get("/admin/catalogue")
    assert page.status_code == 200
    assert "Patients registered for online services" in page.text and "10% by 31 March 2017" in page.text
    assert page.text.count("Version 1") == 16 and "from 1 April 2014" in page.text
    assert 'value="20"' in page.text and 'value="2018"' in page.text  # valid from: today on the tracker's clock
    assert not CODE.search(_text(page.text))
    assert "Retired indicators" not in page.text
    index = await client.get("/admin")
    assert 'href="/admin/catalogue"' in index.text


async def test_a_file_is_previewed_then_applied_as_new_versions(
    client: AsyncTestClient[Any], admin: dict[str, Any]
) -> None:
    data, dropped = _edited()
    before = await _snapshot()

    preview = await _preview(client, data)
    assert preview.status_code == 200, preview.text
    assert "Target: 10% → 30%" in preview.text and dropped in preview.text
    assert "1 indicator to change" in preview.text and "1 indicator to retire" in preview.text
    assert "1 April 2018" in preview.text and "Apply these changes" in preview.text
    assert not CODE.search(_text(preview.text))
    assert await _snapshot() == before, "a preview writes nothing to the catalogue"

    key = re.search(r'name="key" value="([^"]+)"', preview.text)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview.text)
    assert key and sha
    form = {"key": key.group(1), "sha256": sha.group(1), **APRIL}
    applied = await post_form(client, "/admin/catalogue", form, "/admin/catalogue", follow_redirects=False)
    assert applied.status_code == 303
    assert applied.headers["location"] == "/admin/catalogue?done=0.1.0.1.2018-04-01"

    versions = await service.versions("PO_REG_PCT")
    assert [(v.version, v.valid_from) for v in versions] == [(1, dt.date(2014, 4, 1)), (2, dt.date(2018, 4, 1))]
    assert versions[1].source.startswith("indicators.toml sha256:")
    audit = await AuditEvent.select().where(AuditEvent.action == "catalogue.applied").order_by(AuditEvent.id)
    assert len(audit) == 2 and audit[-1]["actor"] == admin["email"] and audit[-1]["account"] == admin["id"]

    page = await client.get(applied.headers["location"])
    assert "The catalogue file was applied: 1 indicator changed and 1 indicator retired." in page.text
    assert "The new definitions apply from 1 April 2018." in page.text
    assert "Retired indicators" in page.text and dropped in page.text.split("Retired indicators", 1)[1]
    assert "30% by 31 March 2017" in page.text and "Version 2" in page.text

    history = await client.get("/admin/catalogue/PO_REG_PCT")
    assert history.status_code == 200
    assert "First version" in history.text and "Target: 10% → 30%" in history.text
    assert "1 April 2018" in history.text and "indicators.toml" in history.text
    assert not CODE.search(_text(history.text))
    assert (await client.get("/admin/catalogue/NOT_THERE")).status_code == 404

    again = await post_form(client, "/admin/catalogue", form, "/admin/catalogue")
    assert again.status_code == 422 and "The preview has expired or was already applied" in again.text
    assert len(await service.versions("PO_REG_PCT")) == 2


async def test_a_file_that_changes_nothing_has_nothing_to_apply(
    client: AsyncTestClient[Any], admin: dict[str, Any]
) -> None:
    preview = await _preview(client, CATALOGUE.read_bytes())
    assert preview.status_code == 200
    assert "there is nothing to apply" in preview.text and "Apply these changes" not in preview.text


GOOD = CATALOGUE.read_text()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("indicators.toml", None, "Select a catalogue file"),
        ("indicators.toml", b"", "The selected file is empty"),
        ("indicators.toml", b"# big\n" * 50_000, "The selected file must be smaller than 256 KB"),
        (
            "indicators.toml",
            "name = 'Caf\u00e9'".encode("latin-1"),
            "The selected file must be a text file saved as UTF-8",
        ),
        ("indicators.xlsx", b"this is [not toml", "The catalogue is not valid TOML"),
        (
            "indicators.toml",
            GOOD.replace("weight = 2\n", "weigth = 2\n", 1).encode(),
            "Indicator PO_REG_PCT: &#39;weigth&#39; is not a field of an indicator",
        ),
        (
            "indicators.toml",
            GOOD.replace("target_value = 10\n", "target_value = 150\n", 1).encode(),
            "Indicator PO_REG_PCT: a percentage target must be more than 0 and at most 100",
        ),
    ],
)
async def test_a_wrong_file_is_refused_beside_the_field_with_nothing_written(
    client: AsyncTestClient[Any], admin: dict[str, Any], name: str, data: bytes | None, message: str
) -> None:
    before = await _snapshot()
    response = await _preview(client, data, name)
    assert response.status_code == 422
    assert 'href="#file"' in response.text and 'id="file-error"' in response.text
    assert message in response.text.split('id="file-error"', 1)[1][:400]
    assert 'value="2018"' in response.text  # the date typed is kept
    assert await _snapshot() == before


async def test_a_wrong_date_is_refused_beside_the_boxes(client: AsyncTestClient[Any], admin: dict[str, Any]) -> None:
    data, _ = _edited()
    response = await _preview(client, data, date={**APRIL, "valid_from-day": "31", "valid_from-month": "2"})
    assert response.status_code == 422
    assert 'href="#valid_from-day"' in response.text
    assert "Date the new definitions apply from must be a real date" in response.text
    assert 'value="31"' in response.text


async def test_a_change_of_meaning_after_values_are_recorded_is_refused(client: AsyncTestClient[Any]) -> None:
    await setup_catalogue()
    await make_return(await make_practice(), values=complete_values())
    account = await make_account(Role.ADMIN)
    await sign_in(client, account["email"])
    before = await _snapshot()

    changed = GOOD.replace('unit = "percent"\ntarget_value = 10\n', 'unit = "count"\ntarget_value = 10\n', 1)
    response = await _preview(client, changed.encode())
    assert response.status_code == 422
    assert "The file makes 1 change that cannot be applied: nothing was written." in response.text
    assert "Patients registered for online services: its unit cannot change from percentage to count" in response.text
    assert "meaning of its 1 recorded value." in response.text
    assert await _snapshot() == before

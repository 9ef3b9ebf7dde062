"""Dashboards say when a practice has closed, or is missing from the newest ODS practice file."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.conftest import sign_in
from tests.factories import make_account
from tests.figures import world
from tracker.accounts.principal import Role
from tracker.organisations import import_service
from tracker.organisations.history import OdsStanding, standing_note


def test_the_words_for_a_closed_or_missing_practice() -> None:
    assert standing_note(OdsStanding(dt.date(2016, 9, 30), None)) == "Closed on 30 September 2016"
    assert standing_note(OdsStanding(None, dt.date(2020, 2, 1))) == "Not in the ODS file since 1 February 2020"
    # A close date outranks the file that stopped listing it; an open, listed practice has no note.
    assert standing_note(OdsStanding(dt.date(2016, 9, 30), dt.date(2020, 2, 1))) == "Closed on 30 September 2016"
    assert standing_note(OdsStanding(None, None)) == ""


def _edition_2020_without(code: str) -> bytes:
    rows = []
    for line in world.edition_2019().decode().splitlines():
        cells = line.split('","')
        if cells[0] == f'"{code}':
            continue
        if cells[0] == '"Z99999':
            cells[15] = "20200201"  # dates the edition 1 February 2020
        rows.append('","'.join(cells))
    return "\n".join(rows).encode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_ccg_and_practice_dashboards_show_closed_and_missing_practices(client: Any) -> None:
    await world.build()
    await import_service.import_ods(_edition_2020_without("E30002"))
    await sign_in(client, (await make_account(Role.NATIONAL))["email"])
    ccg = _text((await client.get("/dashboards/ccgs/07A", params={"period": world.BETWEEN})).text)
    assert "E30003 Closed on 30 September 2016" in ccg
    assert "E30002 Not in the ODS file since 1 February 2020" in ccg
    assert "E30001 Not in" not in ccg and "E30001 Closed" not in ccg
    practice = _text((await client.get("/dashboards/practices/E30002", params={"period": world.BETWEEN})).text)
    assert "Not in the ODS file since 1 February 2020" in practice
    closed = _text((await client.get("/dashboards/practices/E30003", params={"period": world.BETWEEN})).text)
    assert "Closed on 30 September 2016" in closed

"""Applying reviewed catalogue files: versions kept, indicators retired and never deleted."""

from __future__ import annotations

import datetime as dt

from tests.conftest import ROOT
from tracker.indicators import service
from tracker.tables import AuditEvent, Indicator, IndicatorVersion

CATALOGUE = ROOT / "fixtures" / "indicators.toml"


async def test_a_new_target_is_a_new_version_and_past_dates_keep_the_old_one(clean_db, tmp_path):
    first = await service.apply_plan(service.read_file(CATALOGUE), dt.date(2014, 4, 1))
    assert len(first.added) == 16 and await IndicatorVersion.count() == 16

    text = CATALOGUE.read_text()
    edited = tmp_path / "indicators.toml"
    # Raise one target and leave the last indicator out of the file.
    body = text.replace("target_value = 10\n", "target_value = 30\n", 1)
    last = body.rindex("[[indicator]]")
    edited.write_text(body[:last])
    dropped = body[last:].split('code = "', 1)[1].split('"', 1)[0]

    preview = await service.plan_file(service.read_file(edited))
    assert [s.code for s, _ in preview.changed] == ["PO_REG_PCT"] and preview.retired == (dropped,)
    assert await IndicatorVersion.count() == 16  # a preview writes nothing

    await service.apply_plan(service.read_file(edited), dt.date(2018, 4, 1))
    assert await Indicator.count() == 16  # retired, not deleted
    assert not (await Indicator.select(Indicator.active).where(Indicator.code == dropped).first())["active"]
    before = await service.definitions_as_at(dt.date(2017, 6, 1))
    after = await service.definitions_as_at(dt.date(2018, 6, 1))
    assert before["PO_REG_PCT"].target_value == 10 and after["PO_REG_PCT"].target_value == 30
    assert [v["version"] for v in await service.versions("PO_REG_PCT")] == [1, 2]
    assert await AuditEvent.count().where(AuditEvent.action == "catalogue.applied") == 2

    again = await service.apply_plan(service.read_file(edited), dt.date(2018, 4, 1))
    assert not again.has_changes and await IndicatorVersion.count() == 17

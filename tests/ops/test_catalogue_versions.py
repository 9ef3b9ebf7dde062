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
    assert [v.version for v in await service.versions("PO_REG_PCT")] == [1, 2]
    assert await AuditEvent.count().where(AuditEvent.action == "catalogue.applied") == 2

    again = await service.apply_plan(service.read_file(edited), dt.date(2018, 4, 1))
    assert not again.has_changes and await IndicatorVersion.count() == 17


async def _scores() -> dict[tuple[int, int], tuple[float | None, str]]:
    from tracker import db

    rows = await db.fetch("SELECT practice, period, maturity, status FROM practice_score")
    return {(r["practice"], r["period"]): (r["maturity"], r["status"]) for r in rows}


async def test_a_new_target_scores_the_periods_from_its_date_and_keeps_earlier_ones(clean_db, tmp_path):
    """Past periods keep the definitions they were collected under: lowering the e-referrals target
    from 2017/18 Q2 changes the scores from that quarter on, and not one score before it, whether
    everything is refreshed or one practice."""
    from tests.maturity.scenario import scored_world
    from tracker.maturity import service as maturity

    world = await scored_world()
    before = await _scores()
    starts = {p["id"]: p["start_date"] for p in world["periods"].values()}
    text = CATALOGUE.read_text()
    block = text.index('code = "ERS_UTIL_PCT"')
    edited = tmp_path / "indicators.toml"
    edited.write_text(text[:block] + text[block:].replace("target_value = 100\n", "target_value = 50\n", 1))
    change = dt.date(2017, 7, 1)
    await service.apply_plan(service.read_file(edited), change)

    await maturity.refresh_all()
    after = await _scores()
    assert before.keys() == after.keys()
    earlier = [k for k in before if starts[k[1]] < change]
    later = [k for k in before if starts[k[1]] >= change and before[k][0] is not None]
    assert earlier and later
    assert all(after[k] == before[k] for k in earlier)
    assert any(after[k][0] > before[k][0] for k in later), "an easier target raises some later scores"

    # One practice refreshed after an approval agrees with the whole refresh.
    lagging = world["practices"][1]["id"]
    await maturity.refresh_practice(lagging)
    assert {k: v for k, v in (await _scores()).items() if k[0] == lagging} == {
        k: v for k, v in after.items() if k[0] == lagging
    }

    # The workbook of a period states, and counts "meeting the target" by, that period's target.
    from tracker.exports import service as exports
    from tracker.periods import service as periods

    def ers(shown):
        return next(i.target_value for i in shown if i.code == "ERS_UTIL_PCT")

    early, late = await periods.by_code("2017/18-Q1"), await periods.by_code("2017/18-Q3")
    assert early and late
    assert (ers(await exports.indicators_shown(early)), ers(await exports.indicators_shown(late))) == (100, 50)

    # So does the practice dashboard's indicator table (its targets come from the period's list).
    detail = await maturity.practice_detail(lagging)
    assert (ers(detail.specs_for(early.id)), ers(detail.specs_for(late.id))) == (100, 50)

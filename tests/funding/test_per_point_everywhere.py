"""Issue 19, honest money figures: "£ per point gained" is a price only where funded practices
improved more than similar unfunded ones; otherwise every place that shows it says plainly that no
gain is seen, and no place shows a different figure."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from tests.conftest import sign_in
from tests.factories import make_org_tree, make_practice
from tests.pages import check_page
from tracker.exports import service as exports
from tracker.funding import awards_service
from tracker.funding.service import Actor
from tracker.funding.streams import ensure_standard_streams
from tracker.funding.xlsx import parse_upload
from tracker.periods import service as periods
from tracker.tables import Period, PracticeScore

NO_GAIN = "No gain seen: funded practices improved 0.4 points less than similar unfunded ones"
NO_GAIN_HERE = "No gain seen: this practice improved 0.4 points less than similar unfunded ones"
PHRASES = ("per point", "No gain seen", "£570")


async def _capital_award_without_a_gain() -> dict:
    """A capital award of £2,850 to A81001, whose maturity rose 5 points (40 -> 45) while three
    similar unfunded practices of its CCG rose 5.4 on average: the old page showed £570 a point."""
    tree = await make_org_tree()
    ccg = tree["ccgs"][0]
    peers = [tree["practices"][1], *[await make_practice(ccg, f"A8101{i}") for i in range(2)]]
    await ensure_standard_streams()
    await periods.ensure_periods()
    ids = {r["code"]: r["id"] for r in await Period.select(Period.id, Period.code)}
    now = dt.datetime.now(dt.UTC)
    rows = [
        (tree["practices"][0], 40.0, 45.0),
        *((p, 40.0, after) for p, after in zip(peers, (45.0, 45.4, 45.8), strict=True)),
    ]
    for practice, before, after in rows:
        for code, value in (("2014/15-Q2", before), ("2017/18-Q3", after)):
            await PracticeScore.insert(
                PracticeScore(practice=practice["id"], period=ids[code], maturity=value, computed_at=now)
            )
    upload = parse_upload(
        "a.csv", b"practice_code,award_date,amount,stream,purpose\nA81001,2014-11-03,2850,GPIT_CAPITAL,Scanning\n"
    )
    checked = await awards_service.validate(upload, ccg["id"], dt.date(2018, 4, 20))
    await awards_service.record(checked.awards, ccg["id"], Actor())
    return tree


async def test_no_price_per_point_where_funded_practices_gained_nothing_anywhere(client):
    await _capital_award_without_a_gain()
    await sign_in(client, "national@england.test")
    shown: dict[str, str] = {}
    for path in (
        "/funding/impact",
        "/funding/impact?stream=GPIT_CAPITAL",
        "/funding/ccgs/00K",
        "/funding/practices/A81001",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        check_page(page.text)
        shown[path] = page.text
    for path in ("/funding/impact", "/funding/impact?stream=GPIT_CAPITAL", "/funding/ccgs/00K"):
        assert NO_GAIN in shown[path], path
    for path in ("/funding/impact", "/funding/practices/A81001"):
        assert NO_GAIN_HERE in shown[path], path
    assert "no sign that the money made a difference" in shown["/funding/impact"]
    for path, text in shown.items():
        assert "£570" not in text, path

    # The workbooks and emails carry no price per point: if one ever does, it must say the same.
    for scope, code in (("national", None), ("ccg", "00K")):
        _, data = await exports.workbook_bytes(scope, code, "2017/18-Q3", dt.date(2018, 4, 20))
        book = load_workbook(io.BytesIO(data), read_only=True)
        cells = " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
        for phrase in PHRASES:
            if phrase in cells:
                assert NO_GAIN in cells and "£570" not in cells, (scope, phrase)
    from tracker.web.templating import TEMPLATES

    for template in (TEMPLATES / "emails").rglob("*"):
        if template.is_file():
            text = template.read_text(encoding="utf-8")
            assert not any(p in text for p in PHRASES), template


async def test_a_price_per_point_where_funded_practices_gained_more(client):
    tree = await _capital_award_without_a_gain()
    later = await Period.select(Period.id).where(Period.code == "2017/18-Q3").first()
    await PracticeScore.update({PracticeScore.maturity: 55.0}).where(
        (PracticeScore.practice == tree["practices"][0]["id"]) & (PracticeScore.period == later["id"])
    )
    await sign_in(client, "national@england.test")
    page = await client.get("/funding/impact")
    # 15 points against their 5.4: 9.6 points gained; £2,850 / 9.6 = £297 a point.
    assert "£297" in page.text and "No gain seen" not in page.text

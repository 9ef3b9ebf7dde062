"""The catalogue as the administrator's pages word it: by name, never by code."""

from __future__ import annotations

import datetime as dt
import json
import re

from tracker.indicators import presenters
from tracker.indicators.calculations import CataloguePlan, Change
from tracker.indicators.catalogue import IndicatorSpec
from tracker.indicators.service import CatalogueEntry, CatalogueFile, StoredVersion, read_file, read_upload
from tracker.web.wording import capitalisation_problems

CODE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
SPEC = IndicatorSpec(
    code="PO_REG_PCT",
    name="Patients registered for online services",
    theme="Online services",
    unit="percent",
    target_value=10.0,
    target_date=dt.date(2017, 3, 31),
    target_annual=False,
    provenance_kind="national",
    provenance="GP contract",
    weight=2.0,
    definition="Of the patients on the list, the percentage enabled.",
)
IGT = IndicatorSpec(
    "IGT_L2", "IG Toolkit level 2", "Infrastructure and governance", "yesno", 1.0, dt.date(2015, 3, 31), True,
    "national", "IG Toolkit", 1.0, "Level 2 or above.",
)  # fmt: skip


def test_rows_say_the_target_and_version_in_words():
    active, retired = presenters.catalogue_rows(
        [
            CatalogueEntry(SPEC, True, 2, dt.date(2018, 4, 1), None),
            CatalogueEntry(IGT, False, 1, dt.date(2014, 4, 1), None),
        ]
    )
    assert active[0]["target"] == "10%" and active[0]["target_date"] == "31 March 2017"
    assert active[0]["unit"] == "Percentage" and active[0]["weight"] == "2"
    assert (active[0]["version"], active[0]["since"]) == ("Version 2", "from 1 April 2018")
    assert retired[0]["target"] == "Yes" and retired[0]["target_date"] == "31 March 2015, then every 31 March"


def test_a_plan_is_worded_by_name_with_each_change_old_to_new():
    plan = CataloguePlan(
        added=(IGT,),
        changed=((SPEC, (Change("PO_REG_PCT", "target_value", 10.0, 30.0), Change("PO_REG_PCT", "weight", 2.0, 3))),),
        retired=("WIFI_LIVE",),
        unchanged=("EPS_LIVE",),
        values_by_code={"WIFI_LIVE": 1234},
    )
    names = {"PO_REG_PCT": SPEC.name, "WIFI_LIVE": "NHS Wi-Fi for patients"}
    view = presenters.plan_view(plan, names)
    assert view["added"][0]["name"] == "IG Toolkit level 2"
    assert view["changed"][0] == {
        "name": SPEC.name,
        "changes": ["Target: 10% → 30%", "Weight in the maturity index: 2 → 3"],
    }
    assert view["retired"] == [{"name": "NHS Wi-Fi for patients", "kept": "Kept, with its 1,234 recorded values."}]
    assert view["unchanged"] == 1
    assert not CODE.search(json.dumps(view, ensure_ascii=False))


def test_a_refused_change_names_the_indicator_and_why_without_its_code():
    change = Change("PO_REG_PCT", "unit", "percent", "count")
    plan = CataloguePlan(refused=("x",), refused_changes=(change,), values_by_code={"PO_REG_PCT": 5})
    (text,) = presenters.refusals(plan, {"PO_REG_PCT": SPEC.name})
    assert text.startswith("Patients registered for online services: its unit cannot change from percentage to count")
    assert "5 recorded values" in text and not CODE.search(text)
    assert presenters.refused_summary(1).startswith("The file makes 1 change that cannot be applied")


def test_what_was_applied_round_trips_through_the_address():
    plan = CataloguePlan(added=(IGT,), changed=((SPEC, ()),), retired=("A_B", "C_D"))
    done = presenters.done_query(plan, dt.date(2018, 4, 1))
    assert len(done) <= 40
    assert presenters.done_message(done) == (
        "The catalogue file was applied: 1 indicator added, 1 indicator changed and 2 indicators retired. "
        "The new definitions apply from 1 April 2018. Maturity scores are being worked out again for the periods "
        "from that date; dashboards show them within a minute."
    )
    assert presenters.done_message("0.0.0.0.2018-04-01").startswith("Nothing was applied")
    assert presenters.done_message("<script>") == "" and presenters.done_message("1.1.1.1.2018-02-30") == ""


def test_versions_say_what_changed_between_them():
    first = {"target_value": 10.0, "unit": "percent", "weight": 2.0, "target_date": "2017-03-31", "name": "A"}
    second = {**first, "target_value": 30.0, "target_date": "2019-03-31"}
    at = dt.datetime(2018, 4, 20, 9, 0, tzinfo=dt.UTC)
    rows = presenters.version_rows(
        [
            StoredVersion(1, dt.date(2014, 4, 1), json.dumps(first), "indicators.toml sha256:0123456789abcdef", at),
            StoredVersion(2, dt.date(2018, 4, 1), json.dumps(second), "indicators.toml sha256:fedcba9876543210", at),
            StoredVersion(3, dt.date(2018, 5, 1), json.dumps(second), "x.toml sha256:aa", at),
        ]
    )
    assert rows[0]["changes"] == ["First version"] and rows[0]["file"] == "indicators.toml"
    assert rows[0]["digest"] == "0123456789abcdef" and rows[0]["loaded_at"] == "20 April 2018 at 09:00"
    assert rows[1]["changes"] == ["Target: 10% → 30%", "Target date: 31 March 2017 → 31 March 2019"]
    assert rows[1]["valid_from"] == "1 April 2018"
    assert rows[2]["changes"] == ["No change to the definition"]


def test_long_text_is_shortened_and_quoted():
    text = presenters.value_text("definition", "x" * 300)
    assert text.startswith("“x") and text.endswith("…”") and len(text) < 110
    assert presenters.value_text("higher_is_better", False) == "lower is better"


def test_generated_sentences_are_capitalised():
    plan = CataloguePlan(
        added=(IGT,),
        changed=((SPEC, (Change("PO_REG_PCT", "unit", "percent", "count"),)),),
        refused_changes=(Change("PO_REG_PCT", "higher_is_better", True, False),),
        values_by_code={"PO_REG_PCT": 3},
    )
    view = presenters.plan_view(plan, {})
    sentences = [
        view["added"][0]["detail"],
        *view["changed"][0]["changes"],
        *presenters.refusals(plan, {"PO_REG_PCT": SPEC.name}),
        presenters.refused_summary(2),
        presenters.done_message("1.0.0.0.2018-04-01"),
    ]
    assert [p for s in sentences for p in capitalisation_problems(s)] == []


def test_an_uploaded_file_keeps_only_its_name_and_may_start_with_a_byte_order_mark():
    data = read_file().path.read_bytes()
    file = CatalogueFile.from_bytes("C:\\Users\\me\\indicators.toml", b"\xef\xbb\xbf" + data)
    assert file.path.name == "indicators.toml" and len(file.specs) == 16
    assert file.source.startswith("indicators.toml sha256:")
    assert read_upload("x.toml", data).sha256 == read_file().sha256

"""Fair shares on the list sizes of the time: the NHSBSA April-June 2015 quarter for 2015/16."""

import csv
import datetime as dt
import io
from fractions import Fraction

import pytest

from tests.conftest import SHARED_DATA, post_form, sign_in
from tests.factories import make_account
from tracker.accounts.principal import Role
from tracker.funding import service
from tracker.funding.calculations import age_band_weights, choose_snapshot
from tracker.funding.streams import ensure_standard_streams
from tracker.organisations import import_service, listsize_import_service

ODS_2015 = (SHARED_DATA / "ods" / "epraccur-2015-07.csv").read_bytes()
QUARTER = SHARED_DATA / "list-sizes" / "Patient_List_Size_2015_04-06.csv"
POT = 140_000_000_00  # £140m in pence


def _shares_by_hand() -> dict[str, int]:
    """Patients per CCG straight from the two published files: the PCO code's CCG (07L00 → 07L),
    or for the few practices under a commissioner that is not a CCG, their CCG in the July 2015
    practice file; practices the practice file does not list are left out, as the tracker does."""
    ods = {row[0]: row[14] for row in csv.reader(io.StringIO(ODS_2015.decode("cp1252"))) if row[25] == "4"}
    patients: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(QUARTER.read_text())):
        code, pco = row["Practice Code"], row["PCO Code"]
        n = sum(int(v) for k, v in row.items() if k.startswith(("Male", "Female")))
        if n == 0 or code not in ods:
            continue
        ccg = pco[:3] if pco.endswith("00") and pco[:2].isdigit() and pco[2].isalpha() else ods[code]
        patients[ccg] = patients.get(ccg, 0) + n
    return patients


async def test_a_2015_16_run_on_april_june_2015_gives_each_ccg_its_population_share_to_the_penny(clean_db):
    await import_service.import_ods(ODS_2015)
    await listsize_import_service.import_nhsbsa_list_sizes(QUARTER.read_bytes(), file_name=QUARTER.name)
    await ensure_standard_streams()
    plan = await service.plan_allocation(pot_pence=POT, stream_code="GPIT_REVENUE", financial_year="2015/16")
    assert plan.snapshot_date == dt.date(2015, 4, 1)
    assert plan.snapshot_note == "list sizes of 1 April 2015: the April snapshot of 2015/16"
    assert sum(line.amount_pence for line in plan.lines) == POT

    by_hand = _shares_by_hand()
    total = sum(by_hand.values())
    assert {line.ccg_code: line.patients for line in plan.lines} == by_hand
    assert len(by_hand) == 209
    for line in plan.lines:
        exact = Fraction(POT * by_hand[line.ccg_code], total)
        assert abs(line.amount_pence - exact) < 1, line.ccg_code  # within a penny of the exact share

    run_id = await service.save_plan(plan, service.Actor(label="test"))
    assert (await service.run_detail(run_id)).snapshot_note == plan.snapshot_note

    weighted = await service.plan_allocation(
        pot_pence=POT, stream_code="GPIT_REVENUE", financial_year="2015/16", age_bands=True
    )
    assert weighted.weighting == "age bands" and sum(line.amount_pence for line in weighted.lines) == POT
    assert {line.ccg_code: line.amount_pence for line in weighted.lines} != {
        line.ccg_code: line.amount_pence for line in plan.lines
    }


def test_the_snapshot_of_the_time_is_april_of_the_year_or_the_nearest():
    dates = [dt.date(2014, 4, 1), dt.date(2015, 4, 1), dt.date(2016, 1, 1), dt.date(2018, 4, 30), dt.date(2021, 1, 1)]
    assert choose_snapshot("2015/16", dates).date == dt.date(2015, 4, 1)
    assert choose_snapshot("2018/19", dates).date == dt.date(2018, 4, 30)  # POMI's April 2018
    later = choose_snapshot("2016/17", dates)
    assert later.date == dt.date(2016, 1, 1)
    assert later.note == (
        "list sizes of 1 January 2016: no April snapshot of 2016/17 is held, so the nearest one, "
        "91 days before 1 April 2016"
    )
    assert choose_snapshot("2015/16", []) is None


def test_age_band_weights_are_weighted_patients_per_patient():
    weights = age_band_weights({"AAA": [10, 30], "BBB": [0, 0]}, [1.0, 2.0])
    assert weights == {"AAA": pytest.approx(70 / 40)}


async def test_a_run_made_on_the_web_without_a_snapshot_uses_the_years_and_says_so(client):
    await import_service.import_ods(ODS_2015)
    await listsize_import_service.import_nhsbsa_list_sizes(QUARTER.read_bytes(), file_name=QUARTER.name)
    await ensure_standard_streams()
    await make_account(Role.NATIONAL, email="national@england.test")
    await sign_in(client, "national@england.test")
    form = await client.get("/funding/runs/new")
    assert '<option value="" selected>The list sizes of the year' in form.text
    response = await post_form(
        client,
        "/funding/runs",
        {"stream": "GPIT_REVENUE", "year": "2015/16", "pot": "140000000", "snapshot": "", "basis": "snapshot"},
        token_from="/funding/runs/new",
    )
    assert response.status_code == 200, response.text[:500]
    assert "list sizes of 1 April 2015: the April snapshot of 2015/16" in response.text

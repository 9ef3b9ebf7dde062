import datetime as dt
import itertools

import pytest

from tracker.periods.calculations import PeriodSpec, open_for_returns, parse_code, programme_periods, quarter_containing


def test_a_quarter_knows_its_dates():
    q4 = PeriodSpec(2017, 4)
    assert q4.code == "2017/18-Q4"
    assert q4.label == "2017/18 Q4"
    assert (q4.start_date, q4.end_date) == (dt.date(2018, 1, 1), dt.date(2018, 3, 31))
    assert q4.opens_on == dt.date(2018, 4, 1)
    assert q4.due_on == dt.date(2018, 4, 30)
    assert q4.locks_on == dt.date(2018, 5, 30)


def test_the_programme_runs_from_2014_15_q1_to_2018_19_q4():
    periods = programme_periods()
    assert periods[0].code == "2014/15-Q1"
    assert periods[-1].code == "2018/19-Q4"
    assert len(periods) == 20
    assert all(a.next() == b and b.previous() == a for a, b in itertools.pairwise(periods))


def test_on_20_april_2018_the_open_window_is_2017_18_q4():
    assert open_for_returns(dt.date(2018, 4, 20)).code == "2017/18-Q4"
    assert quarter_containing(dt.date(2018, 4, 20)).code == "2018/19-Q1"


@pytest.mark.parametrize("text", ["2017/18-Q3", "2017/18 Q3", " 2017/18-Q3 "])
def test_period_codes_parse(text):
    assert parse_code(text) == PeriodSpec(2017, 3)


@pytest.mark.parametrize("text", ["2017-Q3", "2017/19-Q3", "2017/18-Q5", ""])
def test_bad_period_codes_say_how_to_write_one(text):
    with pytest.raises(ValueError, match="2017/18"):
        parse_code(text)

"""The CCG's review grid put together from its parts, and shown: pure, without a database."""

from __future__ import annotations

import datetime as dt

from tracker.maturity.service import Member
from tracker.organisations.service import PracticeName
from tracker.periods.service import PeriodRow
from tracker.returns import presenters
from tracker.returns.review_service import GridCell, GridCounts, GridRow, ReviewGrid, assemble_grid

Q3 = PeriodRow(
    3,
    "2017/18-Q3",
    "2017/18",
    3,
    dt.date(2017, 10, 1),
    dt.date(2017, 12, 31),
    dt.date(2018, 1, 1),
    dt.date(2018, 1, 31),
    dt.date(2018, 3, 1),
)
Q4 = PeriodRow(
    4,
    "2017/18-Q4",
    "2017/18",
    4,
    dt.date(2018, 1, 1),
    dt.date(2018, 3, 31),
    dt.date(2018, 4, 1),
    dt.date(2018, 4, 30),
    dt.date(2018, 5, 30),
)
TODAY = dt.date(2018, 4, 20)  # Q3 locked, Q4 open
NAMES = {
    1: PracticeName(1, "A81001", "THE DENSHAM SURGERY", ""),
    2: PracticeName(2, "A81002", "QUEENS PARK MEDICAL CENTRE", ""),
    3: PracticeName(3, "A81003", "THE DENSHAM SURGERY", ""),  # the same name: the code decides
    4: PracticeName(4, "A81004", "ACKLAM MEDICAL CENTRE", ""),
}


def member(practice: int, *, expected: bool = True, received: bool = False, on_time: bool = False) -> Member:
    return Member(practice, 10, 20, 5000, expected, received, on_time, None, None, "")


def test_the_grid_counts_each_period_and_states_each_cell() -> None:
    members = {
        Q3.id: [member(1), member(2, received=True, on_time=True), member(3, received=True), member(4)],
        # Practice 4 moved to another CCG in Q4; practice 3 was not expected in Q4.
        Q4.id: [member(1), member(2, received=True), member(3, expected=False)],
    }
    returns = {(2, Q3.id): (21, "approved"), (3, Q3.id): (31, "submitted"), (1, Q4.id): (11, "draft")}
    returns[(2, Q4.id)] = (22, "submitted")
    grid = assemble_grid([Q3, Q4], members, NAMES, returns, TODAY)

    assert grid.periods == (Q3, Q4) and grid.open_period == Q4
    assert [r.ods_code for r in grid.rows] == ["A81004", "A81002", "A81001", "A81003"]
    assert grid.counts == (GridCounts(4, 2, 1, 1), GridCounts(2, 1, 0, 0))
    cells = {r.ods_code: r.cells for r in grid.rows}
    assert cells["A81001"] == (GridCell("missed"), GridCell("draft", 11, "draft"))
    assert cells["A81002"] == (GridCell("approved", 21, "approved"), GridCell("submitted", 22, "submitted"))
    assert cells["A81003"] == (GridCell("submitted", 31, "submitted"), GridCell("none"))
    assert cells["A81004"] == (GridCell("missed"), GridCell("none"))
    # Outstanding: expected in the open period, its return not started, a draft or returned.
    assert [r.ods_code for r in grid.outstanding] == ["A81001"]
    assert grid.column(Q4.id) == 1


def test_without_an_open_period_nothing_is_outstanding() -> None:
    grid = assemble_grid([Q3], {Q3.id: [member(1)]}, NAMES, {}, TODAY)
    assert grid.open_period is None and grid.outstanding == ()
    assert grid.rows == (GridRow(1, "A81001", "THE DENSHAM SURGERY", (GridCell("missed"),), outstanding=False),)


def test_an_empty_grid() -> None:
    assert assemble_grid([], {}, {}, {}, TODAY) == ReviewGrid((), (), (), None)
    assert assemble_grid([Q4], {Q4.id: []}, NAMES, {}, TODAY).counts == (GridCounts(0, 0, 0, 0),)


def test_the_grid_is_shown_with_its_rates_and_the_filter() -> None:
    grid = ReviewGrid(
        (Q3, Q4),
        (
            GridRow(1, "A81001", "THE DENSHAM SURGERY", (GridCell("missed"), GridCell("draft", 11, "draft")), True),
            GridRow(
                2,
                "A81002",
                "QUEENS PARK MEDICAL CENTRE",
                (GridCell("approved", 21, "approved"), GridCell("submitted", 22, "submitted")),
                False,
            ),
        ),
        (GridCounts(3, 2, 1, 1), GridCounts(0, 0, 0, 0)),
        Q4,
    )
    view = presenters.grid_view(grid, selected={"A81001"})
    assert view["periods"] == ["2017/18-Q3", "2017/18-Q4"]
    assert view["practices"] == 2 and view["outstanding"] == 1 and view["open_period"] == "2017/18 Q4"
    assert view["counts"][0] == {
        "expected": 3,
        "submitted": 2,
        "on_time": 1,
        "approved": 1,
        "rate": "67%",
        "on_time_rate": "33%",
    }
    assert view["counts"][1]["rate"] == "0%" and view["counts"][1]["on_time_rate"] == "0%"
    first = view["rows"][0]
    assert first["name"] == "The Densham Surgery" and first["selected"] and first["outstanding"]
    assert first["cells"] == [
        {"state": "missed", "label": "Missed", "href": "/practices/A81001/returns/2017-18-Q3"},
        {"state": "draft", "label": "Draft", "href": "/practices/A81001/returns/2017-18-Q4"},
    ]
    only = presenters.grid_view(grid, outstanding_only=True)
    assert [r["ods_code"] for r in only["rows"]] == ["A81001"] and only["outstanding_only"]
    assert only["practices"] == 2  # the filter hides rows, not practices from the count

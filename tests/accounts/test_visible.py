"""What a person's lists may show is decided once, by the policy's `visible` clause.

It gives the same answer as `can(VIEW)` for every record, and no route decides it by role.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT
from tracker.accounts.policy import Action, Level, Scope, can, visible
from tracker.accounts.principal import Principal, Role

ids = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
scopes = st.builds(Scope, practice_id=ids, ccg_id=ids, region_id=ids)
principals = st.builds(
    Principal,
    id=st.just(1),
    email=st.just("someone@nhs.test"),
    name=st.just("Someone"),
    role=st.sampled_from(list(Role)),
    ccg_id=ids,
    region_id=ids,
    practice_ids=st.frozensets(st.integers(min_value=1, max_value=4), max_size=3),
)


@given(principals, scopes)
def test_a_list_shows_exactly_the_records_the_person_may_view(principal: Principal, scope: Scope) -> None:
    assert visible(principal).allows(scope) == can(principal, Action.VIEW, scope)


def test_each_role_sees_its_own_part_of_the_tree() -> None:
    region = Principal(1, "r@nhs.test", "R", Role.REGION, region_id=3, region_code="Y56")
    ccg = Principal(2, "c@nhs.test", "C", Role.CCG, ccg_id=7, region_id=3, ccg_code="00K")
    practice = Principal(3, "p@nhs.test", "P", Role.PRACTICE, practice_ids=frozenset({9}), practice_codes=("A81001",))
    national = Principal(4, "n@nhs.test", "N", Role.NATIONAL)
    assert visible(region).level == Level.REGION and visible(region).region_filter() == 3
    assert visible(region).ccg_filter() is None
    assert visible(ccg).level == Level.CCG and visible(ccg).ccg_filter() == 7
    assert visible(ccg).region_filter() is None  # narrower than its region: filtered by CCG
    assert visible(practice).level == Level.PRACTICES and visible(practice).practice_codes == ("A81001",)
    assert visible(national).everything and visible(national).region_filter() is None


def test_no_route_decides_visibility_by_role() -> None:
    """Routes ask the policy (`visible`, `can`, `require`); a role compared in a route is a second,
    diverging definition of who sees what."""
    branch = re.compile(r"\.role\s*(==|!=|in)\s*\(?\s*Role\.(REGION|CCG|PRACTICE)")
    found = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        if path.name.endswith("routes.py") or path.parent.name == "web":
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in branch.finditer(path.read_text())]
    assert not found, found

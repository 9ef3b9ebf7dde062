"""Stored deciles are decoded once per distinct text, and each caller gets a list of its own."""

from tracker.maturity.service import decoded_cuts


def test_the_same_text_decodes_to_equal_lists_that_are_not_shared() -> None:
    first = decoded_cuts("[1.5, 2.0, 3.25]")
    second = decoded_cuts("[1.5, 2.0, 3.25]")
    assert first == second == [1.5, 2.0, 3.25]
    assert first is not second
    first.append(9.0)  # a caller changing its list changes nobody else's
    assert decoded_cuts("[1.5, 2.0, 3.25]") == [1.5, 2.0, 3.25]


def test_nothing_stored_is_none() -> None:
    assert decoded_cuts("") is None
    assert decoded_cuts(None) is None

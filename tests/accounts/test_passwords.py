"""The password rules: length, and no password from the published list of common ones."""

from __future__ import annotations

import pytest

from tracker.accounts import passwords

pytestmark = pytest.mark.security


def test_the_list_is_the_published_one_with_tens_of_thousands_of_entries():
    common = passwords.common_passwords()
    assert len(common) >= 30_000
    assert {"password", "123456", "qwerty", "iloveyou", "trustno1"} <= common


@pytest.mark.parametrize(
    "password",
    [
        "1qaz2wsx3edc",  # in the list and 12 long
        "1QAZ2WSX3EDC",  # any case
        "password1234",
        "Password1234!",  # a common word with only digits and symbols around it
        "!!Sunshine2024",
        "nhsnhsnhsnhs",
        "aaaaaaaaaaaaaaaa",
    ],
)
def test_common_passwords_are_refused(password):
    assert passwords.password_problem(password) == "Password is too easy to guess: try three random words"


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "purple kettle orbit gravel", "paperless-demo-2018", "trustno1trustno1x"],
)
def test_long_uncommon_passwords_are_accepted(password):
    assert passwords.password_problem(password) is None


def test_length_rules_come_first():
    assert passwords.password_problem("password") == "Password must be 12 characters or more"
    assert passwords.password_problem("x" * 201) == "Password must be 200 characters or fewer"


def test_production_hashes_with_the_rfc_9106_low_memory_profile():
    # The suite swaps in a cheap hasher (tests/conftest.py); the product's own stays strong.
    from argon2 import PasswordHasher, Type, profiles

    assert passwords.PROFILE == profiles.RFC_9106_LOW_MEMORY
    strong = PasswordHasher.from_parameters(passwords.PROFILE)
    assert (strong.type, strong.time_cost, strong.memory_cost) == (Type.ID, 3, 65536)

"""Fixtures of the catalogue's tests."""

from tests.weekly.browser import axe_page  # noqa: F401 (a fixture, for the browser test)

"""Fixtures of the weekly-work tests: the browser tests' page, and the real SMTP server and its
settings from the notifications tests."""

from tests.notifications.conftest import mail_settings, smtp  # noqa: F401 (fixtures)
from tests.weekly.browser import axe_page  # noqa: F401 (a fixture, for the browser tests)

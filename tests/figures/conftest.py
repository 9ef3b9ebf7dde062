"""The status-email checks use the notifications tests' real SMTP server."""

from tests.notifications.conftest import mail_settings, smtp  # noqa: F401 (fixtures)

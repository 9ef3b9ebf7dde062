"""Emails: the outbox, the sender, reminders and status reports."""

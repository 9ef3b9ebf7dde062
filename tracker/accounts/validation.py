"""Checking what people type into the accounts forms. Pure: each function returns a message or None."""

from __future__ import annotations

import re

EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_EMAIL = 320
MAX_NAME = 200


def email_problem(email: str) -> str | None:
    if not email:
        return "Enter an email address"
    if len(email) > MAX_EMAIL:
        return f"Email address must be {MAX_EMAIL} characters or fewer"
    if not EMAIL.match(email):
        return "Enter an email address in the correct format, like name@nhs.net"
    return None


def name_problem(name: str) -> str | None:
    if not name:
        return "Enter the person's full name"
    if len(name) > MAX_NAME:
        return f"Name must be {MAX_NAME} characters or fewer"
    if CONTROL.search(name) or "<" in name or ">" in name:
        return "Name must only include letters, spaces and punctuation such as hyphens and apostrophes"
    return None


def page_number(raw: str) -> int:
    """A page number from the query string; 1 for anything that is not a small positive whole number."""
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1

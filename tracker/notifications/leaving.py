"""Which reports a person may leave, and the signed links in report emails that leave one. Pure.

A leave link names one address and one report and is signed with the tracker's secret key under
a purpose of its own, so it cannot be made from (or used as) any other signed value. It does not
expire: an email read months later must still let its reader stop the next one. It changes
nothing by itself: the page it opens asks for a confirming POST.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from functools import cache, lru_cache

PURPOSE = b"tracker:leave-report:v1\n"


@dataclass(frozen=True)
class Report:
    key: str  # what an opt-out row stores
    label: str  # "the CCG status report": as a sentence names it
    heading: str  # "CCG status report": as a heading or checkbox names it
    kinds: tuple[str, ...]  # the outbox kinds it covers


REPORTS: dict[str, Report] = {
    r.key: r
    for r in (
        Report("reminders", "reminders about your practice's return", "Reminders about your practice's return",
               ("practice_reminder", "overdue_reminder", "chase_reminder")),
        Report("ccg_report", "the weekly CCG status report", "Weekly CCG status report", ("ccg_report",)),
        Report("region_summary", "the weekly regional summary", "Weekly regional summary", ("region_summary",)),
        Report("national_summary", "the monthly national summary", "Monthly national summary",
               ("national_summary",)),
        Report("alert_digest", "the monthly alerts", "Monthly alerts", ("alert_digest",)),
    )
}  # fmt: skip

ROLE_REPORTS: dict[str, tuple[str, ...]] = {
    "practice": ("reminders",),
    "ccg": ("ccg_report", "alert_digest"),
    "region": ("region_summary", "alert_digest"),
    "national": ("national_summary", "alert_digest"),
    "admin": (),
}


@cache
def report_of(kind: str) -> Report | None:
    """The report an outbox kind belongs to (None for emails no one can leave, such as invitations)."""
    return next((r for r in REPORTS.values() if kind in r.kinds), None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=4)
def _keyed(secret: str) -> hmac.HMAC:
    """The HMAC with the key and purpose already in: a copy of it signs a payload (a run signs
    thousands of links, and setting up the key was most of each signature)."""
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256)


def _signature(secret: str, payload: bytes) -> bytes:
    signing = _keyed(secret).copy()
    signing.update(payload)
    return signing.digest()


def token(secret: str, email: str, report: str) -> str:
    """The token of a leave link for this address and report."""
    payload = f"{email.strip().lower()}\n{report}".encode()
    return f"{_b64(payload)}.{_b64(_signature(secret, payload))}"


def read_token(secret: str, value: str) -> tuple[str, Report] | None:
    """(the address, the report) a genuine token names; None for anything else."""
    if len(value) > 1000 or value.count(".") != 1:
        return None
    body, signature = value.split(".")
    try:
        payload, given = _unb64(body), _unb64(signature)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(given, _signature(secret, payload)):
        return None
    try:
        email, report = payload.decode().split("\n")
    except (UnicodeDecodeError, ValueError):
        return None
    found = REPORTS.get(report)
    return (email, found) if found and email else None


def link(base_url: str, secret: str, email: str, kind: str) -> str:
    """The absolute leave link for an email of this outbox kind to this address ("" when the kind
    cannot be left)."""
    report = report_of(kind)
    if report is None:
        return ""
    return f"{base_url.rstrip('/')}/reports/leave/{token(secret, email, report.key)}"

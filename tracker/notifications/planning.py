"""The shape of a job's work: the emails a run plans to queue, and the run's context. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tracker.notifications import leaving
from tracker.settings import Settings


@dataclass(frozen=True)
class PlannedEmail:
    idempotency_key: str
    kind: str
    to_address: str
    subject: str
    body_text: str
    body_html: str
    practice_id: int | None = None
    ccg_id: int | None = None
    period_id: int | None = None
    attachment_name: str = ""
    attachment_sha256: str = ""  # a file kept by outbox_service.store_attachment
    organisation: str = ""  # "A81001 The Densham Surgery", for previews

    def row(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.idempotency_key,
            "kind": self.kind,
            "to_address": self.to_address,
            "subject": self.subject,
            "body_text": self.body_text,
            "body_html": self.body_html,
            "practice": self.practice_id,
            "ccg": self.ccg_id,
            "period": self.period_id,
            "attachment_name": self.attachment_name,
            "attachment_sha256": self.attachment_sha256,
        }


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    now: dt.datetime  # UTC, on the tracker's clock
    today: dt.date  # the tracker's date
    fire_at: dt.datetime  # the scheduled time this run stands for (now, for a run by hand)
    dry_run: bool = False

    def link(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def leave_link(self, address: str, kind: str) -> str:
        """The link in an email's footer that stops this kind of report reaching this address."""
        return leaving.link(self.settings.base_url, self.settings.secret_key, address, kind)


@dataclass
class Plan:
    emails: list[PlannedEmail] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

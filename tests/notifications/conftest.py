"""A real SMTP server on loopback (aiosmtpd), and a small world of practices due reminders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.factories import make_org_tree
from tests.fixtures_server import free_port
from tracker.accounts.principal import Role
from tracker.indicators import service as indicators
from tracker.maturity import service as maturity
from tracker.periods import service as periods
from tracker.settings import Settings
from tracker.tables import Indicator, Period, Practice, PracticeReturn, ReturnValue

AS_AT = dt.datetime(2018, 4, 20, 9, 0, tzinfo=dt.UTC)  # a Friday; 2017/18 Q4 is due on 30 April


class Inbox:
    """aiosmtpd handler keeping every accepted message; some addresses can be refused."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 No such user"
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        reply = self.refuse.get(address.lower())
        if reply:
            if reply.startswith("4") and reply.endswith("once"):
                del self.refuse[address.lower()]
                return reply.removesuffix(" once")
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def subjects(self) -> list[str]:
        return sorted(str(m["Subject"]) for m in self.messages)


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_settings(clean_db: Settings, smtp: SmtpServer) -> Settings:
    return dataclasses.replace(clean_db, smtp_url=smtp.url, base_url="https://tracker.example.nhs.test")


@pytest.fixture
async def world(clean_db: Settings) -> dict[str, Any]:
    """The org tree at 2018-04-20, with 2017/18 Q4 returns in different states:

    A81001 practice user, no return               -> reminded (to the user)
    A81002 contact address, draft with 2 answers -> reminded (to the contact), lists what is missing
    J81001 practice user, submitted              -> not reminded
    J81002 no one to email                       -> not reminded
    """
    await periods.ensure_periods()
    await indicators.load()
    tree = await make_org_tree()
    _pa1, pa2, pb1, _pb2 = tree["practices"]
    await Practice.update({Practice.contact_email: "Manager@A81002.test"}).where(Practice.id == pa2["id"])
    q4 = await Period.select().where(Period.code == "2017/18-Q4").first()
    now = dt.datetime(2018, 4, 10, tzinfo=dt.UTC)
    draft = await PracticeReturn.insert(
        PracticeReturn(practice=pa2["id"], period=q4["id"], state="draft", created_at=now, updated_at=now)
    ).returning(PracticeReturn.id)
    ids = [r["id"] for r in await Indicator.select(Indicator.id).order_by(Indicator.sort_order).limit(2)]
    for ind in ids:
        await ReturnValue.insert(ReturnValue(practice_return=draft[0]["id"], indicator=ind, value=1))
    await PracticeReturn.insert(
        PracticeReturn(
            practice=pb1["id"],
            period=q4["id"],
            state="submitted",
            created_at=now,
            updated_at=now,
            submitted_at=now,
            first_submitted_at=now,
        )
    )
    # The returns above are written straight to their tables: score them as the scheduler's
    # score-periods job would, since the reports only read the scores.
    await maturity.ensure_scored(AS_AT.date())
    return {**tree, "q4": q4, "practice_user": tree["users"][Role.PRACTICE]}

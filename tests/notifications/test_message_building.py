"""The messages the sender builds: a plain email the quick way (the email package's MIME classes)
reads, once sent, as the same email built with EmailMessage; anything else is built that way. Pure."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email
import email.policy
import io
import threading
import time
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.notifications import delivery_service
from tracker.notifications.delivery_service import build_message
from tracker.notifications.outbox_service import outbox_row

NOW = dt.datetime(2018, 4, 20, 8, 0, tzinfo=dt.UTC)
ROW = outbox_row(
    {
        "id": 1,
        "idempotency_key": "reminder:A81001:2017/18 Q4:d10:pat@a81001.test",
        "kind": "practice_reminder",
        "to_address": "pat@a81001.test",
        "subject": "Return due in 10 days: 2017/18 Q4, A81001 The Densham Surgery",
        "body_text": "The 2017/18 Q4 digital maturity return for A81001 The Densham Surgery is due.\n",
        "body_html": "<p>The 2017/18 Q4 return for A81001 Thornaby &amp; Barwick is due.</p>",
        "practice": None,
        "ccg": None,
        "period": None,
        "attachment_name": "",
        "attachment_path": "",
        "attachment_sha256": "",
        "state": "sending",
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": "",
        "created_at": NOW,
        "sent_at": None,
    }
)
SENDER = "noreply@paperless-tracker.nhs.test"


def _received(msg: Message) -> EmailMessage:
    """The message as the server gets it (flattened as smtplib sends it) and a mail program reads it."""
    out = io.BytesIO()
    BytesGenerator(out).flatten(msg, linesep="\r\n")
    parsed = email.message_from_bytes(out.getvalue(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _read(msg: EmailMessage) -> dict[str, Any]:
    def body(kind: str) -> str | None:
        part = msg.get_body((kind,))
        # Line ends as the wire has them, and the one final newline EmailMessage adds to a body.
        return None if part is None else part.get_content().replace("\r\n", "\n").removesuffix("\n")

    headers = ("From", "To", "Subject", "Date", "Message-ID", "X-Tracker-Kind")
    return {h: str(msg[h]) for h in headers} | {"plain": body("plain"), "html": body("html")}


WORDS = st.sampled_from(
    ["Return", "due", "in", "10", "days:", "2017/18", "Q4,", "A81001", "Thornaby", "&", "a,b", "x;y", "(00K),", "é",
     "—", "O’Brien", "=?utf-8?q?x?=", '"q"', "<a@b.test>", "\t", "averyveryverylongwordwithnospacesinitatall" * 2]
)  # fmt: skip
PLAIN_WORDS = st.from_regex(r"[!-~]{1,12}", fullmatch=True)  # printable ASCII, as most subjects are
SUBJECT = st.one_of(
    st.lists(PLAIN_WORDS, min_size=1, max_size=8).map(" ".join),
    st.lists(WORDS, min_size=1, max_size=14).map(" ".join),
    st.text(max_size=90),
)
ADDRESS = st.one_of(
    st.from_regex(r"[a-z0-9.+'_-]{1,12}@[a-z0-9-]{1,8}(\.[a-z]{2,4}){1,2}", fullmatch=True),
    st.sampled_from(["pat@a81001.test", "Pàt@a81001.test", "Pat <pat@a81001.test>", "_@."]),
)
SENDERS = st.sampled_from([SENDER, "Paperless Tracker <noreply@tracker.test>", "NHS, Tracker <a@b.test>"])


@settings(max_examples=150, deadline=None)
@given(subject=SUBJECT, to=ADDRESS, text=st.text(max_size=200), html=st.text(max_size=100), sender=SENDERS)
def test_a_message_reads_the_same_however_it_was_built(
    subject: str, to: str, text: str, html: str, sender: str
) -> None:
    row = dataclasses.replace(ROW, subject=subject, to_address=to, body_text=text, body_html=html)
    try:
        msg = build_message(row, sender, NOW)
    except ValueError:  # EmailMessage refuses a header with a line break, as before
        return
    if not isinstance(msg, EmailMessage):  # built the quick way: as EmailMessage would have built it?
        assert _read(_received(msg)) == _read(_received(delivery_service._rich_message(row, sender, NOW, None)))


def test_plain_emails_are_built_the_quick_way_others_with_email_message() -> None:
    assert not isinstance(build_message(ROW, SENDER, NOW), EmailMessage)
    assert not isinstance(build_message(ROW, "Paperless Tracker <noreply@tracker.test>", NOW), EmailMessage)
    for change in [
        {"subject": "Return due: A81001 Pàt’s surgery"},  # needs encoding
        {"subject": "Weekly status report: NHS Hartlepool and Stockton-on-Tees CCG (00K), 2017/18 Q4"},  # folded
        {"to_address": "Pat <pat@a81001.test>"},
        {"attachment_path": __file__, "attachment_name": "report.xlsx"},
    ]:
        assert isinstance(build_message(dataclasses.replace(ROW, **change), SENDER, NOW), EmailMessage), change


async def test_a_cancelled_sender_lets_the_email_in_hand_finish_then_stops() -> None:
    stop, started, finished = threading.Event(), threading.Event(), threading.Event()

    def sending() -> None:
        started.set()
        time.sleep(0.2)  # the send and its mark, which cannot be stopped half-way
        finished.set()

    task = asyncio.ensure_future(delivery_service._uncancelled(asyncio.to_thread(sending), stop))
    await asyncio.to_thread(started.wait)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished.is_set() and stop.is_set()

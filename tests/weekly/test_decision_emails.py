"""The practice is emailed when its CCG returns its return (with the reason) and when it approves
it: rendered from templates/emails/, queued through the outbox in the decision's transaction, and
received exactly once by a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import datetime as dt

from tests.conftest import post_form, sign_in
from tests.factories import make_org_tree
from tests.notifications.conftest import SmtpServer
from tests.returns.factories import OPEN, OPEN_URL, form_data, make_return, setup_catalogue
from tracker.notifications.delivery_service import deliver
from tracker.periods.service import PeriodRow
from tracker.returns import emails, lifecycle
from tracker.settings import Settings
from tracker.tables import OutboxEmail, PracticeReturn

FORM = f"/practices/A81001/returns/{OPEN_URL}"
# The app stamps what it queues with the tests' date and the real time of day: deliver at the
# day's last moment, so that whatever was queued that day is due, whenever the suite runs.
AT = dt.datetime(2018, 4, 20, 23, 59, 59, 999999, tzinfo=dt.UTC)


def _change(event: lifecycle.Event, reason: str = "") -> lifecycle.Change:
    period = PeriodRow(
        id=1,
        code=OPEN,
        financial_year="2017/18",
        quarter=4,
        start_date=dt.date(2018, 1, 1),
        end_date=dt.date(2018, 3, 31),
        opens_on=dt.date(2018, 4, 1),
        due_on=dt.date(2018, 4, 30),
        locks_on=dt.date(2018, 5, 31),
    )
    return lifecycle.Change({"id": 1, "ods_code": "A81001"}, period, event, 2, reason=reason)


def test_the_returned_email_carries_the_reason_escaped_in_html() -> None:
    change = _change(lifecycle.Event.RETURN, "Wi-Fi <is> live since March?")
    ctx = emails.decision_context(change, "The Densham Surgery", "NHS Hartlepool CCG", "https://t.nhs.test/")
    email = emails.render("return_returned", ctx)
    assert email.subject == "Your 2017/18 Q4 return was returned by your CCG: A81001 The Densham Surgery"
    assert "Wi-Fi <is> live since March?" in email.text
    assert "Wi-Fi &lt;is&gt; live since March?" in email.html and "<is>" not in email.html
    assert "https://t.nhs.test/practices/A81001/returns/2017-18-Q4" in email.text
    assert "before the period locks on 31 May 2018" in email.text
    assert email.text.startswith("NHS Hartlepool CCG has returned the 2017/18 Q4 return")


def test_the_approved_email_and_its_key_name_the_new_version() -> None:
    change = _change(lifecycle.Event.APPROVE)
    email = emails.render("return_approved", emails.decision_context(change, "The Densham Surgery", "", "http://x"))
    assert email.subject == "Your 2017/18 Q4 return was approved: A81001 The Densham Surgery"
    assert email.text.startswith("Your CCG has approved")
    outcome = lifecycle.Outcome(change, ok=True)
    assert emails.idempotency_key("return_approved", outcome, "Pat@X.test") == (
        "return_approved:A81001:2017/18-Q4:v3:pat@x.test"
    )


async def _decide(client, decision: str, reason: str = "") -> None:
    row = await PracticeReturn.select(PracticeReturn.id).first()
    data = {"return_id": str(row["id"]), "decision": decision, "reason": reason}
    response = await post_form(client, "/review/decisions", data, token_from="/review", follow_redirects=False)
    assert response.status_code == 303, response.text


async def test_the_practice_receives_each_decision_once(client, mail_settings: Settings, smtp: SmtpServer) -> None:
    await setup_catalogue()
    tree = await make_org_tree()
    await make_return(tree["practices"][0], state="submitted", version=1)
    await sign_in(client, "lead@00k.test")
    await _decide(client, "return", "Please check the Wi-Fi answer")
    # Deciding again on the same version is refused and queues nothing more.
    row = await PracticeReturn.select(PracticeReturn.id).first()
    again = await post_form(
        client, "/review/decisions", {"return_id": str(row["id"]), "decision": "approve"}, token_from="/review"
    )
    assert again.status_code == 409
    assert (await deliver(mail_settings, now=AT)).sent == 1
    [returned] = smtp.inbox.to("practice@a81001.test")
    assert "returned by your CCG" in str(returned["Subject"])
    assert "Please check the Wi-Fi answer" in returned.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Please check the Wi-Fi answer" in returned.get_body(("html",)).get_content()  # type: ignore[union-attr]

    await sign_in(client, "practice@a81001.test")
    response = await post_form(client, FORM, form_data(version=2, action="submit"), follow_redirects=False)
    assert response.status_code == 303
    await sign_in(client, "lead@00k.test")
    await _decide(client, "approve")
    assert (await deliver(mail_settings, now=AT + dt.timedelta(minutes=5))).sent == 1
    assert (await deliver(mail_settings, now=AT + dt.timedelta(minutes=10))).sent == 0
    subjects = [str(m["Subject"]).strip() for m in smtp.inbox.to("practice@a81001.test")]
    assert subjects == [
        "Your 2017/18 Q4 return was returned by your CCG: A81001 The Densham Surgery",
        "Your 2017/18 Q4 return was approved: A81001 The Densham Surgery",
    ]
    assert len(smtp.inbox.messages) == 2  # nobody else: the other practices' users hear nothing
    kinds = [r["kind"] for r in await OutboxEmail.select(OutboxEmail.kind).order_by(OutboxEmail.id)]
    assert kinds == ["return_returned", "return_approved"]

"""Who has left which report: the one reader and writer of report_opt_out.

The senders ask `leavers()` once per run and skip those addresses; the account's reports page and
the leave links change it. Every change is audited.
"""

from __future__ import annotations

from tracker import clock, db
from tracker.audit import service as audit
from tracker.notifications.leaving import REPORTS
from tracker.tables import ReportOptOut


async def leavers(report: str) -> set[str]:
    """The lower-case addresses that have left this report."""
    rows = await ReportOptOut.select(ReportOptOut.email).where(ReportOptOut.kind == report)
    return {r["email"] for r in rows}


async def left_reports(email: str) -> set[str]:
    """The reports this address has left."""
    rows = await ReportOptOut.select(ReportOptOut.kind).where(ReportOptOut.email == email.strip().lower())
    return {r["kind"] for r in rows}


async def leave(email: str, report: str, *, via: str, account_id: int | None = None, ip: str = "") -> bool:
    """Stop sending this report to this address; False when it had left already."""
    if report not in REPORTS:
        raise ValueError(f"no report called {report}")
    address = email.strip().lower()
    async with db.write_transaction():
        if report in await left_reports(address):
            return False
        await ReportOptOut.insert(ReportOptOut(email=address, kind=report, left_at=clock.now(), via=via)).on_conflict(
            action="DO NOTHING"
        )
        await _audited("report.left", address, report, via, account_id, ip)
    return True


async def rejoin(email: str, report: str, *, via: str, account_id: int | None = None, ip: str = "") -> bool:
    """Send this report to this address again; False when it had not left."""
    address = email.strip().lower()
    async with db.write_transaction():
        if report not in await left_reports(address):
            return False
        await ReportOptOut.delete().where((ReportOptOut.email == address) & (ReportOptOut.kind == report))
        await _audited("report.rejoined", address, report, via, account_id, ip)
    return True


async def _audited(event: str, address: str, report: str, via: str, account_id: int | None, ip: str) -> None:
    """The audit row of a leave or rejoin, written in its transaction: no opt-out without its record."""
    await audit.record(
        event,
        account_id=account_id,
        actor=address,
        entity_type="report",
        entity_id=report,
        detail={"email": address, "report": report, "via": via},
        ip=ip,
    )

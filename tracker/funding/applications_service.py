"""Transition-fund applications and awards, and capital bids and their decisions."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.exceptions import NotFoundException

from tracker import db
from tracker.funding.calculations import FundingError, TransitionRequest, transition_awards
from tracker.funding.service import Actor, audit_change, stream_by_code, utcnow, valid_year
from tracker.indicators import service as indicators_service
from tracker.organisations import service as organisations
from tracker.tables import CapitalBid, TransitionApplication

# --- Transition fund ----------------------------------------------------------------------------


async def fair_share_of(ccg_id: int, financial_year: str) -> int:
    """The CCG's approved GP IT revenue fair share for the year (0 when none is approved)."""
    rows = await db.fetch(
        """
        SELECT COALESCE(SUM(l.amount_pence), 0) AS pence
        FROM allocation_line l JOIN allocation_run r ON r.id = l.run JOIN funding_stream s ON s.id = r.stream
        WHERE l.ccg = {} AND r.financial_year = {} AND r.state = 'approved' AND s.method = 'fair_share'
          AND s.kind = 'revenue' AND s.code = 'GPIT_REVENUE'
        """,
        ccg_id,
        financial_year,
    )
    return int(rows[0]["pence"] or 0)


async def apply_for_transition(
    *, ccg_id: int, stream_code: str, financial_year: str, committed_pence: int, requested_pence: int, actor: Actor
) -> int:
    stream = await stream_by_code(stream_code)
    if stream.method != "application":
        raise FundingError(f"{stream.name} is not awarded on application")
    if not valid_year(financial_year):
        raise FundingError("Financial year must look like 2014/15")
    if committed_pence < 0 or requested_pence <= 0:
        raise FundingError("Committed costs must not be negative and the amount asked for must be more than £0")
    async with db.write_transaction():
        exists = await TransitionApplication.exists().where(
            (TransitionApplication.ccg == ccg_id)
            & (TransitionApplication.stream == stream.id)
            & (TransitionApplication.financial_year == financial_year)
        )
        if exists:
            raise FundingError("This CCG has already applied for this year")
        fair = await fair_share_of(ccg_id, financial_year)
        created = await TransitionApplication.insert(
            TransitionApplication(
                stream=stream.id,
                ccg=ccg_id,
                financial_year=financial_year,
                committed_costs_pence=committed_pence,
                fair_share_pence=fair,
                requested_pence=requested_pence,
                created_at=utcnow(),
                created_by=actor.account_id,
            )
        ).returning(TransitionApplication.id)
        await audit_change(
            actor,
            "funding.transition.applied",
            "transition_application",
            created[0]["id"],
            {"committed_pence": committed_pence, "fair_share_pence": fair, "requested_pence": requested_pence},
        )
    return int(created[0]["id"])


@dataclass(frozen=True)
class TransitionApplicationRow:
    """A CCG's application to the transition fund, with the CCG's code and name."""

    id: int
    financial_year: str
    committed_costs_pence: int
    fair_share_pence: int
    requested_pence: int
    awarded_pence: int | None  # None until decided
    state: str  # submitted | awarded | refused
    ccg_id: int
    ccg_code: str
    ccg_name: str
    stream_code: str


async def transition_applications(
    financial_year: str | None = None, ccg_id: int | None = None
) -> list[TransitionApplicationRow]:
    rows = await db.fetch(
        """
        SELECT t.id, t.financial_year, t.committed_costs_pence, t.fair_share_pence, t.requested_pence,
               t.awarded_pence, t.state, t.ccg AS ccg_id, s.code AS stream_code
        FROM transition_application t JOIN funding_stream s ON s.id = t.stream
        ORDER BY t.financial_year, t.id
        """
    )
    _, ccgs = await organisations.org_names()
    apps = [
        TransitionApplicationRow(
            id=int(r["id"]),
            financial_year=r["financial_year"],
            committed_costs_pence=int(r["committed_costs_pence"]),
            fair_share_pence=int(r["fair_share_pence"]),
            requested_pence=int(r["requested_pence"]),
            awarded_pence=None if r["awarded_pence"] is None else int(r["awarded_pence"]),
            state=r["state"],
            ccg_id=r["ccg_id"],
            ccg_code=ccgs[r["ccg_id"]].code,
            ccg_name=ccgs[r["ccg_id"]].name,
            stream_code=r["stream_code"],
        )
        for r in rows
    ]
    return sorted(
        (
            r
            for r in apps
            if (financial_year is None or r.financial_year == financial_year) and (ccg_id is None or r.ccg_id == ccg_id)
        ),
        key=lambda r: (r.financial_year, r.ccg_code),
    )


async def plan_transition_awards(
    stream_code: str, financial_year: str, available_pence: int, *, year: int, taper_pct: float
) -> dict[str, int]:
    stream = await stream_by_code(stream_code)
    apps = [r for r in await transition_applications(financial_year) if r.stream_code == stream.code]
    if not apps:
        raise FundingError(f"No CCG has applied to {stream.name} for {financial_year}")
    return transition_awards(
        available_pence,
        [TransitionRequest(r.ccg_code, r.committed_costs_pence, r.fair_share_pence, r.requested_pence) for r in apps],
        year=year,
        taper_pct=taper_pct,
    )


async def award_transition(
    stream_code: str, financial_year: str, available_pence: int, *, year: int, taper_pct: float, actor: Actor
) -> dict[str, int]:
    """Decide every application for the year: awarded in full, scaled pro rata, or refused (0)."""
    async with db.write_transaction():
        awards = await plan_transition_awards(
            stream_code, financial_year, available_pence, year=year, taper_pct=taper_pct
        )
        stream = await stream_by_code(stream_code)
        apps = [r for r in await transition_applications(financial_year) if r.stream_code == stream.code]
        for r in apps:
            amount = awards[r.ccg_code]
            await TransitionApplication.update(
                {
                    TransitionApplication.awarded_pence: amount,
                    TransitionApplication.state: "awarded" if amount > 0 else "refused",
                    TransitionApplication.decided_at: utcnow(),
                    TransitionApplication.decided_by: actor.account_id,
                    TransitionApplication.decision_note: f"year {year}, taper {taper_pct:g}%, fund {available_pence}p",
                }
            ).where(TransitionApplication.id == r.id)
            await audit_change(
                actor,
                "funding.transition.decided",
                "transition_application",
                r.id,
                {"old": r.awarded_pence, "new": amount, "requested_pence": r.requested_pence},
            )
    return awards


# --- Capital bids ----------------------------------------------------------------------------


async def _check_indicators(codes: list[str]) -> list[str]:
    known = await indicators_service.indicator_ids()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise FundingError("Unknown indicator: " + ", ".join(unknown))
    return codes


async def submit_bid(
    *,
    ccg_id: int,
    stream_code: str,
    financial_year: str,
    title: str,
    purpose: str,
    indicator_codes: list[str],
    amount_pence: int,
    actor: Actor,
) -> int:
    stream = await stream_by_code(stream_code)
    if stream.method != "bid":
        raise FundingError(f"{stream.name} is not awarded by bid")
    if not title.strip():
        raise FundingError("Give the project a title")
    if amount_pence <= 0:
        raise FundingError("The amount bid for must be more than £0")
    if not valid_year(financial_year):
        raise FundingError("Financial year must look like 2014/15")
    await _check_indicators(indicator_codes)
    created = await CapitalBid.insert(
        CapitalBid(
            stream=stream.id,
            ccg=ccg_id,
            financial_year=financial_year,
            title=title.strip()[:200],
            purpose=purpose.strip(),
            indicator_codes=",".join(indicator_codes),
            amount_pence=amount_pence,
            created_at=utcnow(),
            created_by=actor.account_id,
        )
    ).returning(CapitalBid.id)
    await audit_change(actor, "funding.bid.submitted", "capital_bid", created[0]["id"], {"amount_pence": amount_pence})
    return int(created[0]["id"])


async def decide_bid(bid_id: int, approved_pence: int, note: str, actor: Actor) -> str:
    async with db.write_transaction():
        bid = await CapitalBid.select().where(CapitalBid.id == bid_id).first()
        if bid is None:
            raise NotFoundException()
        if bid["state"] != "submitted":
            raise FundingError("This bid has already been decided")
        if approved_pence < 0 or approved_pence > bid["amount_pence"]:
            raise FundingError("Approve between £0 and the amount bid for")
        state = "refused" if approved_pence == 0 else ("approved" if approved_pence == bid["amount_pence"] else "part")
        await CapitalBid.update(
            {
                CapitalBid.approved_pence: approved_pence,
                CapitalBid.state: state,
                CapitalBid.decided_at: utcnow(),
                CapitalBid.decided_by: actor.account_id,
                CapitalBid.decision_note: note.strip(),
            }
        ).where(CapitalBid.id == bid_id)
        await audit_change(
            actor,
            "funding.bid.decided",
            "capital_bid",
            bid_id,
            {"old": "submitted", "new": state, "approved_pence": approved_pence},
        )
    return state


@dataclass(frozen=True)
class CapitalBidRow:
    """A CCG's capital bid, with the CCG's code and name."""

    id: int
    financial_year: str
    title: str
    purpose: str
    indicator_codes: str  # "CODE1,CODE2"
    amount_pence: int
    approved_pence: int | None  # None until decided
    state: str  # submitted | approved | part | refused
    ccg_id: int
    ccg_code: str
    ccg_name: str
    stream_name: str


async def bids(ccg_id: int | None = None) -> list[CapitalBidRow]:
    rows = await db.fetch(
        """
        SELECT b.id, b.financial_year, b.title, b.purpose, b.indicator_codes, b.amount_pence, b.approved_pence,
               b.state, b.ccg AS ccg_id, s.name AS stream_name
        FROM capital_bid b JOIN funding_stream s ON s.id = b.stream
        """
    )
    _, ccgs = await organisations.org_names()
    found = [
        CapitalBidRow(
            id=int(r["id"]),
            financial_year=r["financial_year"],
            title=r["title"],
            purpose=r["purpose"],
            indicator_codes=r["indicator_codes"],
            amount_pence=int(r["amount_pence"]),
            approved_pence=None if r["approved_pence"] is None else int(r["approved_pence"]),
            state=r["state"],
            ccg_id=r["ccg_id"],
            ccg_code=ccgs[r["ccg_id"]].code,
            ccg_name=ccgs[r["ccg_id"]].name,
            stream_name=r["stream_name"],
        )
        for r in rows
    ]
    return sorted(
        (r for r in found if ccg_id is None or r.ccg_id == ccg_id),
        key=lambda r: (r.financial_year, r.ccg_code, r.id),
    )

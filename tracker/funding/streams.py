"""The standard funding streams: the real 2014-16 ones and later ones, as reference data."""

from __future__ import annotations

from tracker.funding import service

DEFAULT_STREAM = "GPIT_REVENUE"
POUND = 100

# (code, name, kind, method, financial years, national pot in pence, description)
STANDARD_STREAMS: tuple[tuple[str, str, str, str, str, int, str], ...] = (
    (
        DEFAULT_STREAM,
        "GP IT revenue (fair share)",
        "revenue",
        "fair_share",
        "2014/15,2015/16",
        280_000_000 * POUND,
        "About £140m a year shared between CCGs by registered population (about £2.60 a patient), "
        "Securing Excellence in GP IT Services 2014-16.",
    ),
    (
        "GPIT_TRANSITION",
        "GP IT transition fund",
        "revenue",
        "application",
        "2014/15,2015/16",
        20_000_000 * POUND,
        "£20m over two years, held centrally, for CCGs whose committed costs for existing services "
        "exceeded their fair share; awarded on application, tapered in the second year.",
    ),
    (
        "GPIT_CAPITAL",
        "GP IT capital",
        "capital",
        "bid",
        "2014/15,2015/16",
        66_000_000 * POUND,
        "Up to £66m of capital in 2014-16, by bid: a CCG bids for a project, NHS England approves all or part.",
    ),
    (
        "ETTF",
        "Estates and Technology Transformation Fund",
        "capital",
        "bid",
        "2016/17,2017/18,2018/19,2019/20",
        1_000_000_000 * POUND,
        "Announced December 2014 as £1bn over four years for premises and IT schemes (example).",
    ),
    (
        "ONLINE_CONSULTATION",
        "Online consultation fund",
        "revenue",
        "fair_share",
        "2017/18,2018/19,2019/20",
        45_000_000 * POUND,
        "£45m over three years from the GP Forward View, by capitation after a region approves the CCG plan (example).",
    ),
)


async def ensure_standard_streams(actor: service.Actor | None = None) -> dict[str, int]:
    ids = {}
    for code, name, kind, method, years, pot, description in STANDARD_STREAMS:
        ids[code] = await service.ensure_stream(
            code,
            name,
            kind=kind,
            method=method,
            financial_years=years,
            pot_pence=pot,
            description=description,
            actor=actor,
        )
    return ids

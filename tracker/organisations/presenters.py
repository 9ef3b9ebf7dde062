"""View models for the organisation pages: labels, formatted numbers and links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tracker.organisations.service import (
    CcgSummary,
    ListSizeSnapshot,
    PracticeDetail,
    PracticeFound,
    PracticeInCcg,
    RegionSummary,
)
from tracker.web.formatting import long_date, number

STATUS_LABELS = {"A": "Active", "C": "Closed", "D": "Dormant", "P": "Proposed"}
STATUS_TAGS = {"A": "nhsuk-tag--green", "C": "nhsuk-tag--grey", "D": "nhsuk-tag--orange", "P": "nhsuk-tag--blue"}


def org_name(name: str, code: str) -> str:
    return name or code


# Words the ODS files print in capitals that stay capitals in a name people read.
KEEP_UPPER = {"NHS", "GP", "PCN", "CCG", "ICB", "UK", "II", "III", "CIC", "HMP"}
SMALL_WORDS = {"and", "of", "the", "at", "on", "in", "upon", "by", "with"}


def _capitalised(part: str) -> str:
    """'(DR' -> '(Dr', "JOHN'S" -> "John's": the first letter only, whatever comes before it."""
    low = part.lower()
    for i, ch in enumerate(low):
        if ch.isalpha():
            return low[:i] + ch.upper() + low[i + 1 :]
    return low


@lru_cache(maxsize=32_768)  # England's practices and their towns; a dashboard writes hundreds a page
def practice_title(name: str) -> str:
    """ODS names are upper case; people read title case more easily ('HARTLEPOOL NHS HEALTHCARE
    CENTRE' -> 'Hartlepool NHS Healthcare Centre'). Every page, email and workbook writes a
    practice's name through this one rule."""
    words = []
    for i, word in enumerate(name.split()):
        parts = []
        for j, part in enumerate(word.split("-")):
            if part.upper().strip("()&,.") in KEEP_UPPER or any(ch.isdigit() for ch in part):
                parts.append(part.upper())
            elif (i or j) and part.lower() in SMALL_WORDS:
                parts.append(part.lower())
            else:
                parts.append(_capitalised(part))
        words.append("-".join(parts))
    return " ".join(words)


@dataclass(frozen=True)
class PracticeLink:
    code: str
    name: str
    href: str
    detail: str


def practice_rows(rows: Sequence[PracticeInCcg | PracticeFound | PracticeDetail]) -> list[list[dict[str, str]]]:
    """Rows for the NHS.UK table macro: name (link), code, postcode, patients (a dash where the
    rows carry no list size)."""
    out = []
    for r in rows:
        patients = r.patients if isinstance(r, PracticeInCcg) else None
        out.append(
            [
                {"html": f'<a href="/practices/{r.ods_code}">{_escape(practice_title(r.name))}</a>'},
                {"text": r.ods_code},
                {"text": r.postcode or ""},
                {"text": number(patients), "format": "numeric"},
            ]
        )
    return out


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def region_rows(rows: list[RegionSummary]) -> list[list[dict[str, str]]]:
    return [
        [
            {"html": f'<a href="/organisations/regions/{r.code}">{_escape(org_name(r.name, r.code))}</a>'},
            {"text": r.code},
            {"text": number(r.ccgs), "format": "numeric"},
            {"text": number(r.practices), "format": "numeric"},
        ]
        for r in rows
    ]


def ccg_rows(rows: list[CcgSummary]) -> list[list[dict[str, str]]]:
    return [
        [
            {"html": f'<a href="/organisations/ccgs/{r.code}">{_escape(org_name(r.name, r.code))}</a>'},
            {"text": r.code},
            {"text": number(r.practices), "format": "numeric"},
        ]
        for r in rows
    ]


def practice_summary(row: PracticeDetail, sizes: list[ListSizeSnapshot]) -> list[dict[str, Any]]:
    """Rows for the NHS.UK summary list on the practice page."""
    latest = sizes[0] if sizes else None
    status = row.status
    items = [
        ("ODS code", row.ods_code),
        ("Status", STATUS_LABELS.get(status, status)),
        ("Address", ", ".join(p for p in [practice_title(row.address), row.postcode] if p)),
        ("Telephone", row.phone or "Not known"),
        (
            "CCG",
            f"{org_name(row.ccg_name or '', row.ccg_code or '')} ({row.ccg_code})" if row.ccg_code else "None",
        ),
        ("NHS England region", org_name(row.region_name or "", row.region_code or "") or "Not known"),
        ("Local office", org_name(row.local_office_name or "", row.local_office_code or "") or "Not known"),
        ("Clinical system", row.clinical_system or "Not known"),
        ("Opened", long_date(row.open_date)),
    ]
    if row.close_date:
        items.append(("Closed", long_date(row.close_date)))
    items.append(
        (
            "Registered patients",
            f"{number(latest.patients)} on {long_date(latest.snapshot_date)}" if latest else "No list size imported",
        )
    )
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in items]

"""The audit trail as a person reads it. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tracker.audit.service import AuditEventRow


def detail_text(data: Mapping[str, Any]) -> str:
    """The detail as short 'key: value' text (old -> new for changes)."""
    parts = []
    old, new = data.get("old"), data.get("new")
    for key, value in data.items():
        if key in ("old", "new"):
            continue
        parts.append(f"{key}: {value}")
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                parts.append(f"{key}: {old.get(key)!s} → {new.get(key)!s}")
    text = "; ".join(parts)
    return text if len(text) <= 300 else text[:299] + "…"


def event_rows(rows: list[AuditEventRow]) -> list[list[dict[str, str]]]:
    """Rows for the NHS table macro: every cell as text (the macro escapes it)."""
    out = []
    for r in rows:
        at = r.at
        when = at.astimezone(dt.UTC).strftime("%d %b %Y %H:%M:%S") if isinstance(at, dt.datetime) else str(at)
        entity = f"{r.entity_type} {r.entity_id}".strip()
        out.append(
            [
                {"text": when},
                {"text": r.actor or "system"},
                {"text": r.action},
                {"text": entity},
                {"text": detail_text(r.detail)},
                {"text": r.ip},
            ]
        )
    return out


def parse_date(raw: str) -> dt.date | str | None:
    """A YYYY-MM-DD date, None when empty, or an error message."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return "Enter a real date in the format YYYY-MM-DD, like 2018-04-20"

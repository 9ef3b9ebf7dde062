"""Reading and checking the indicator catalogue file (fixtures/indicators.toml). No database."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNITS = ("percent", "yesno", "count")
PROVENANCE_KINDS = ("national", "local")
THEMES = (
    "Online services",
    "Prescribing",
    "Records and transfers",
    "Referrals and correspondence",
    "Infrastructure and governance",
)
# The keys an [[indicator]] entry may have: any other is a typing mistake that would be ignored.
KEYS = (
    "code",
    "name",
    "theme",
    "unit",
    "target_value",
    "target_date",
    "target_annual",
    "provenance_kind",
    "provenance",
    "weight",
    "definition",
)
CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
DEFAULT_PATH = Path(__file__).resolve().parent.parent.parent / "fixtures" / "indicators.toml"


class CatalogueError(ValueError):
    """The catalogue file is wrong; the message names the indicator and the field."""


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    theme: str
    unit: str
    target_value: float
    target_date: dt.date
    target_annual: bool
    provenance_kind: str
    provenance: str
    weight: float
    definition: str
    higher_is_better: bool = True
    sort_order: int = 0

    @property
    def is_yes_no(self) -> bool:
        return self.unit == "yesno"

    def target_date_for(self, as_at: dt.date) -> dt.date:
        """The deadline in force on a date: annual targets fall due every 31 March."""
        if not self.target_annual or as_at <= self.target_date:
            return self.target_date
        year = as_at.year if as_at <= dt.date(as_at.year, 3, 31) else as_at.year + 1
        return dt.date(year, 3, 31)


def _field(entry: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if name not in entry:
        raise CatalogueError(f"{where}: '{name}' is missing")
    value = entry[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise CatalogueError(f"{where}: '{name}' has the wrong type ({type(value).__name__})")
    return value


def parse_catalogue(text: str) -> list[IndicatorSpec]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"The catalogue is not valid TOML: {exc}") from None
    entries = data.get("indicator")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError("The catalogue has no [[indicator]] entries")
    specs: list[IndicatorSpec] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        where = f"Indicator {position}"
        code = _field(entry, "code", str, where)
        where = f"Indicator {code}"
        if not CODE.match(code):
            raise CatalogueError(f"{where}: the code must be upper-case letters, digits and _")
        if code in seen:
            raise CatalogueError(f"{where}: the code is used twice")
        seen.add(code)
        unknown = [key for key in entry if key not in KEYS]
        if unknown:
            raise CatalogueError(
                f"{where}: '{unknown[0]}' is not a field of an indicator (the fields are {', '.join(KEYS)})"
            )
        unit = _field(entry, "unit", str, where)
        if unit not in UNITS:
            raise CatalogueError(f"{where}: unit must be one of {', '.join(UNITS)}")
        theme = _field(entry, "theme", str, where)
        if theme not in THEMES:
            raise CatalogueError(f"{where}: theme must be one of {', '.join(THEMES)}")
        target = float(_field(entry, "target_value", (int, float), where))
        if unit == "percent" and not 0 < target <= 100:
            raise CatalogueError(f"{where}: a percentage target must be more than 0 and at most 100")
        if unit == "yesno" and target != 1:
            raise CatalogueError(f"{where}: a yes/no target must be 1 (yes)")
        target_date = _field(entry, "target_date", dt.date, where)
        kind = _field(entry, "provenance_kind", str, where)
        if kind not in PROVENANCE_KINDS:
            raise CatalogueError(f"{where}: provenance_kind must be national or local")
        weight = float(_field(entry, "weight", (int, float), where))
        if weight <= 0:
            raise CatalogueError(f"{where}: weight must be more than 0")
        specs.append(
            IndicatorSpec(
                code=code,
                name=_field(entry, "name", str, where),
                theme=theme,
                unit=unit,
                target_value=target,
                target_date=target_date,
                target_annual=bool(entry.get("target_annual", False)),
                provenance_kind=kind,
                provenance=_field(entry, "provenance", str, where),
                weight=weight,
                definition=_field(entry, "definition", str, where),
                sort_order=position,
            )
        )
    return specs


def load_catalogue(path: Path = DEFAULT_PATH) -> list[IndicatorSpec]:
    return parse_catalogue(path.read_text(encoding="utf-8"))

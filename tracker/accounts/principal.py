"""Who is signed in: the facts the authorisation policy needs, loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    PRACTICE = "practice"
    CCG = "ccg"
    REGION = "region"
    NATIONAL = "national"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "practice": "Practice staff",
            "ccg": "CCG GP IT lead",
            "region": "NHS England region",
            "national": "NHS England national",
            "admin": "Administrator",
        }[self.value]


ALL_ROLES: tuple[Role, ...] = tuple(Role)
SIGNED_IN: tuple[Role, ...] = ALL_ROLES


@dataclass(frozen=True)
class Principal:
    id: int
    email: str
    name: str
    role: Role
    ccg_id: int | None = None
    region_id: int | None = None
    practice_ids: frozenset[int] = field(default_factory=frozenset)
    ccg_code: str = ""
    region_code: str = ""
    practice_codes: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return self.name or self.email

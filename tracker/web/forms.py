"""HTML form handling: fields are read as strings and validated by the feature, never by a typed
model (which would answer 400 JSON to a person who left a field empty)."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import Request

MAX_FIELD_LENGTH = 10_000


async def read_form(request: Request) -> dict[str, str]:
    """The submitted fields as single strings (the last value wins), without the CSRF token."""
    form = await request.form()
    data: dict[str, str] = {}
    for key, value in form.multi_items():
        if key == "_csrf_token" or not isinstance(value, str):
            continue
        data[key] = value[:MAX_FIELD_LENGTH]
    return data


async def read_form_lists(request: Request) -> dict[str, list[str]]:
    """Every value of every field, for checkbox groups."""
    form = await request.form()
    data: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if key == "_csrf_token" or not isinstance(value, str):
            continue
        data.setdefault(key, []).append(value[:MAX_FIELD_LENGTH])
    return data


@dataclass
class FormErrors:
    """Errors keyed by field id, in the order they were found (which is the page's order)."""

    by_field: dict[str, str] = field(default_factory=dict)
    # A date input's wrong boxes, by the date's name (see tracker/web/dates.py).
    date_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.by_field.setdefault(field_id, message)

    def add_date(self, name: str, message: str, parts: tuple[str, ...]) -> None:
        """An error of the date input `name`: keyed by its first wrong box (`name-day`, ...), so the
        error summary links to that box."""
        if name in self.date_parts:
            return
        self.date_parts[name] = parts
        self.add(f"{name}-{parts[0]}", message)

    def date(self, name: str) -> dict[str, object] | None:
        """The error of the date input `name` for the date macro: its message and wrong boxes."""
        parts = self.date_parts.get(name)
        if not parts:
            return None
        return {"text": self.by_field[f"{name}-{parts[0]}"], "parts": parts}

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def get(self, field_id: str) -> dict[str, str] | None:
        """The errorMessage parameter of an NHS.UK form macro, or None."""
        message = self.by_field.get(field_id)
        return {"text": message} if message else None

    @property
    def summary(self) -> list[dict[str, str]]:
        """The errorList of the NHS.UK error summary: each message links to its field."""
        return [{"text": message, "href": f"#{field_id}"} for field_id, message in self.by_field.items()]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""

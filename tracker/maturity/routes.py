"""Routes of this feature (none yet)."""

from typing import Any

ROUTES: list[Any] = []

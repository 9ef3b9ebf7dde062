"""This feature's `tracker` subcommands (none yet)."""

from typing import Any


def register(sub: Any) -> None:
    """Add this feature's subcommands to the `tracker` parser."""

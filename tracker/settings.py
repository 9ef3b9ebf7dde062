"""The tracker's settings: one frozen structure, read from TRACKER_* environment variables.

Nothing else in the tracker reads the environment: `Settings.from_env(os.environ)` is called by
the CLI (and tests build their own `Settings`), then passed explicitly to whatever needs it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PREFIX = "TRACKER_"


class SettingsError(ValueError):
    """A TRACKER_* variable has a value the tracker cannot use."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{PREFIX}{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name} must be a whole number, not {raw!r}") from None


def _date(name: str, raw: str) -> dt.date | None:
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise SettingsError(f"{PREFIX}{name} must be a date like 2018-04-20, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Every setting, its environment variable (TRACKER_ + upper-case name) and its default.

    The README's configuration table is checked against this class by a test.
    """

    database_url: str = field(
        default="",
        metadata={"doc": "PostgreSQL URL (postgres://user:pass@host/db); empty means the embedded SQLite file"},
    )
    database_pool_size: int = field(
        default=10, metadata={"doc": "PostgreSQL connections per web worker (0: a new connection per query)"}
    )
    data_dir: Path = field(
        default=Path("data"), metadata={"doc": "Folder for the SQLite database and other local files"}
    )
    secret_key: str = field(
        default="",
        metadata={
            "doc": "Signs sessions and CSRF tokens; when empty, `tracker serve` keeps a random one in DATA_DIR/secret_key"
        },
    )
    host: str = field(default="127.0.0.1", metadata={"doc": "Address `tracker serve` listens on"})
    port: int = field(default=8000, metadata={"doc": "Port `tracker serve` listens on"})
    workers: int = field(
        default=1, metadata={"doc": "Web worker processes for `tracker serve` (use PostgreSQL for more than one)"}
    )
    base_url: str = field(
        default="http://127.0.0.1:8000", metadata={"doc": "Public address of the tracker, used for links in emails"}
    )
    scheduler: bool = field(
        default=False, metadata={"doc": "Run the scheduler inside this web process (switch on for exactly one process)"}
    )
    smtp_url: str = field(
        default="",
        metadata={"doc": "smtp://user:pass@host:port (STARTTLS) or smtps:// (TLS); empty keeps emails in the outbox"},
    )
    mail_from: str = field(
        default="Paperless Tracker <noreply@paperless-tracker.nhs.test>",
        metadata={"doc": "From address of the tracker's emails"},
    )
    demo: bool = field(default=False, metadata={"doc": "Demo mode: demo accounts exist and their details are printed"})
    today: dt.date | None = field(
        default=None, metadata={"doc": "The date the tracker believes it is (YYYY-MM-DD); empty means the real date"}
    )
    https: bool = field(default=False, metadata={"doc": "Served over HTTPS: cookies get the Secure flag"})
    max_upload_bytes: int = field(
        default=5_000_000, metadata={"doc": "Largest request body or upload accepted, in bytes"}
    )
    session_idle_minutes: int = field(
        default=60, metadata={"doc": "A session ends after this many minutes without a request"}
    )
    session_absolute_hours: int = field(
        default=12, metadata={"doc": "A session ends this many hours after sign-in, whatever happens"}
    )
    log_level: str = field(default="INFO", metadata={"doc": "Logging level (DEBUG, INFO, WARNING, ERROR)"})

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            kind = type(f.default)
            if f.name == "today":
                values[f.name] = _date(f.name.upper(), raw)
            elif kind is bool:
                values[f.name] = _bool(f.name.upper(), raw)
            elif kind is int:
                values[f.name] = _int(f.name.upper(), raw)
            elif isinstance(f.default, Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        settings = cls(**values)
        if not settings.secret_key:
            settings = replace(settings, secret_key=secrets.token_hex(32))
        return settings

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "tracker.sqlite3"

    def current_date(self) -> dt.date:
        """The tracker's one clock: TRACKER_TODAY when set, otherwise the real date."""
        return self.today or dt.date.today()

    def now(self) -> dt.datetime:
        """Now, in UTC, on the tracker's clock: TRACKER_TODAY moves the date and keeps the time of day."""
        real = dt.datetime.now(dt.UTC)
        if self.today is None:
            return real
        return dt.datetime.combine(self.today, real.timetz())

    @classmethod
    def documented(cls) -> list[tuple[str, str, str]]:
        """(variable, default, description) for every setting, for the README and `tracker settings`."""
        rows = []
        for f in fields(cls):
            default = "" if f.default is None else str(f.default)
            rows.append((PREFIX + f.name.upper(), default, f.metadata.get("doc", "")))
        return rows

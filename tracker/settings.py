"""The tracker's settings: one frozen structure, read from TRACKER_* environment variables.

Nothing else in the tracker reads the environment: `Settings.from_env(os.environ)` is called by
the CLI (and tests build their own `Settings`), then passed explicitly to whatever needs it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from tracker import clock

PREFIX = "TRACKER_"
DATABASE_SCHEMES = ("postgres://", "postgresql://", "sqlite:///")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
SECRETS = frozenset({"secret_key"})


def mask_url(url: str) -> str:
    """The URL with any password replaced, so it can be printed or logged."""
    return re.sub(r"^([a-z+]+://[^:/@]*):[^@/]*@", r"\1:********@", url)


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
        metadata={
            "doc": "PostgreSQL URL (postgres://user:pass@host/db) or sqlite:///path/to/file; "
            "empty means DATA_DIR/tracker.sqlite3"
        },
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
    template_reload: bool = field(
        default=False,
        metadata={
            "doc": "Re-read a page or email template when its file changes, for editing them (slower pages and runs)"
        },
    )
    log_level: str = field(default="INFO", metadata={"doc": "Logging level (DEBUG, INFO, WARNING, ERROR)"})
    log_format: str = field(
        default="text", metadata={"doc": "Log line format: text (one readable line) or json (one object a line)"}
    )
    trusted_proxies: str = field(
        default="",
        metadata={
            "doc": "Comma list of proxy addresses whose X-Forwarded-For/-Proto headers are believed (* for any); "
            "empty trusts none"
        },
    )
    period_due_days: int = field(
        default=30,
        metadata={"doc": "`tracker periods create`: a return falls due this many days after its quarter ends"},
    )
    period_lock_days: int = field(
        default=30, metadata={"doc": "`tracker periods create`: a period locks this many days after its due date"}
    )
    outbox_retain_days: int = field(
        default=90,
        metadata={
            "doc": "Sent emails lose their text and workbook this many days after sending (the record stays); 0 keeps them"
        },
    )
    heartbeat_stale_seconds: int = field(
        default=180,
        metadata={
            "doc": "`/ready` fails when the scheduler's heartbeat is older than this (with TRACKER_SCHEDULER on)"
        },
    )

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
        settings.validate()
        if not settings.secret_key:
            settings = replace(settings, secret_key=secrets.token_hex(32))
        return settings

    def validate(self) -> None:
        """Refuse, naming the variable, any value the tracker could only misuse later."""
        url = self.database_url.strip()
        if url and not url.startswith(DATABASE_SCHEMES):
            raise SettingsError(
                f"{PREFIX}DATABASE_URL must start with postgres://, postgresql:// or sqlite:///, not {mask_url(url)!r}"
            )
        if url == "sqlite:///":
            raise SettingsError(f"{PREFIX}DATABASE_URL: write a SQLite file as sqlite:///path/to/file.sqlite3")
        if self.smtp_url and not self.smtp_url.startswith(("smtp://", "smtps://")):
            raise SettingsError(
                f"{PREFIX}SMTP_URL must start with smtp:// or smtps://, not {mask_url(self.smtp_url)!r}"
            )
        if self.log_level.upper() not in LOG_LEVELS:
            raise SettingsError(f"{PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(f"{PREFIX}LOG_FORMAT must be text or json, not {self.log_format!r}")
        if not 0 < self.port < 65536:
            raise SettingsError(f"{PREFIX}PORT must be between 1 and 65535, not {self.port}")
        for name in ("workers", "session_idle_minutes", "session_absolute_hours", "max_upload_bytes"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{PREFIX}{name.upper()} must be at least 1, not {getattr(self, name)}")
        for name in (
            "database_pool_size",
            "period_due_days",
            "period_lock_days",
            "outbox_retain_days",
            "heartbeat_stale_seconds",
        ):
            if getattr(self, name) < 0:
                raise SettingsError(f"{PREFIX}{name.upper()} must not be negative, not {getattr(self, name)}")
        if not self.base_url.startswith(("http://", "https://")):
            raise SettingsError(f"{PREFIX}BASE_URL must start with http:// or https://, not {self.base_url!r}")

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file: the one a sqlite:/// URL names, else DATA_DIR/tracker.sqlite3."""
        if self.database_url.startswith("sqlite:///"):
            # sqlite:///relative/file and sqlite:////absolute/file, as SQLAlchemy writes them.
            return Path(self.database_url.removeprefix("sqlite:///"))
        return self.data_dir / "tracker.sqlite3"

    @property
    def log_level_name(self) -> str:
        return self.log_level.upper()

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    def in_effect(self) -> list[tuple[str, str, str]]:
        """(variable, value in effect, default) for every setting, secrets masked."""
        rows = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown = "" if value is None else str(value)
            if f.name in SECRETS and shown:
                shown = "********"
            elif f.name.endswith("_url"):
                shown = mask_url(shown)
            default = "" if f.default is None else str(f.default)
            rows.append((PREFIX + f.name.upper(), shown, default))
        return rows

    def current_date(self) -> dt.date:
        """The tracker's one clock: TRACKER_TODAY when set, otherwise the real date in England."""
        return self.today or dt.datetime.now(clock.ENGLAND).date()

    def now(self) -> dt.datetime:
        """Now, in UTC, on the tracker's clock: TRACKER_TODAY moves the date in England and keeps the
        time of day there, so that what is stamped now is on TRACKER_TODAY in England (late on a
        summer evening in UTC is already tomorrow in London)."""
        real = dt.datetime.now(dt.UTC)
        if self.today is None:
            return real
        return clock.on_day(self.today, real)

    @classmethod
    def documented(cls) -> list[tuple[str, str, str]]:
        """(variable, default, description) for every setting, for the README and `tracker settings`."""
        rows = []
        for f in fields(cls):
            default = "" if f.default is None else str(f.default)
            rows.append((PREFIX + f.name.upper(), default, f.metadata.get("doc", "")))
        return rows

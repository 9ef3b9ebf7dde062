"""How `tracker serve` runs uvicorn: options uvicorn itself accepts, and idle connections kept
longer than the clients and proxies in front of it keep theirs."""

from __future__ import annotations

import httpx
import uvicorn

from tracker.cli import uvicorn_options
from tracker.settings import Settings


def _settings(**env: str) -> Settings:
    return Settings.from_env({"TRACKER_SECRET_KEY": "s" * 48, **env})


def test_uvicorn_accepts_every_option() -> None:
    config = uvicorn.Config("tracker.asgi:app", **uvicorn_options(_settings(TRACKER_PORT="8123"), 1))
    assert config.port == 8123
    assert config.access_log is False


def test_the_server_outwaits_its_clients_before_closing_an_idle_connection() -> None:
    keep_alive = uvicorn_options(_settings(), 1)["timeout_keep_alive"]
    # httpx's pools (the API's suppliers, the benchmarks) and proxies such as nginx (60 s).
    assert keep_alive > httpx.Limits().keepalive_expiry
    assert keep_alive > 60


def test_proxy_headers_only_from_trusted_proxies() -> None:
    assert uvicorn_options(_settings(), 1)["proxy_headers"] is False
    trusted = uvicorn_options(_settings(TRACKER_TRUSTED_PROXIES="10.0.0.1"), 1)
    assert trusted["proxy_headers"] is True
    assert "10.0.0.1" in str(trusted["forwarded_allow_ips"])

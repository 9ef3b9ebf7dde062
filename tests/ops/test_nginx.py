"""The tracker behind a real nginx (deploy/tracker-proxy.conf) with four web workers and one
scheduler on PostgreSQL, set up by the README's production steps: a practice's return goes
through, the app sees each client's own address, and 20 failed sign-ins from one address do not
lock out another.

Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3, ...), so nginx sees
different clients and passes each one's address in X-Forwarded-For; the tracker trusts only
nginx's (127.0.0.1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.fixtures_server import free_port
from tests.ops.production import (
    CCG_LEAD,
    PRACTICE,
    first_return,
    fresh_database,
    production_env,
    production_steps,
    serve,
    sign_in,
    stop,
    token,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (apt-get install nginx)"),
    pytest.mark.skipif(
        not os.environ.get("TRACKER_DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="several workers need PostgreSQL (set TRACKER_DATABASE_URL)",
    ),
]


def nginx_config(folder: Path, listen: int, upstream: int) -> Path:
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(exist_ok=True)
    user = "user root;" if os.getuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream tracker_web {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{listen};
        include {ROOT / "deploy" / "tracker-proxy.conf"};
    }}
}}
"""
    )
    return conf


def from_address(address: str) -> dict[str, object]:
    return {"transport": httpx.HTTPTransport(local_address=address)}


def test_through_nginx_with_four_workers_and_one_scheduler(tmp_path):
    with fresh_database(tmp_path) as url:
        env = production_env(tmp_path, url, TRACKER_TRUSTED_PROXIES="127.0.0.1")
        production_steps(env)
        app_port, proxy_port = free_port(), free_port()
        web, _ = serve(env, "--workers", "4", port=app_port)
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "tracker", "scheduler"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        proxy = subprocess.Popen(
            [NGINX, "-c", str(nginx_config(tmp_path, proxy_port, app_port))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{proxy_port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(base + "/ready", timeout=2) as response:
                        assert response.status == 200
                        break
                except OSError:
                    assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                    time.sleep(0.2)

            first_return(base, **from_address("127.0.0.2"))

            with httpx.Client(base_url=base, **from_address("127.0.0.3")) as attacker:  # type: ignore[arg-type]
                csrf = token(attacker, "/sign-in")
                for attempt in range(20):
                    failed = attacker.post(
                        "/sign-in",
                        data={"_csrf_token": csrf, "email": f"nobody{attempt}@example.test", "password": "wrong"},
                        headers={"X-Forwarded-For": "127.0.0.9"},  # a forged address is not believed
                    )
                    assert failed.status_code in (200, 422, 429), failed.status_code
                locked = sign_in(attacker, CCG_LEAD)
                assert locked.status_code != 303, "the address that failed 20 times is still let in"
            with httpx.Client(base_url=base, **from_address("127.0.0.4")) as colleague:  # type: ignore[arg-type]
                assert sign_in(colleague, PRACTICE).status_code == 303, "another address was locked out"

            with httpx.Client(base_url=base) as client:
                css = client.get("/assets/nhsuk-frontend.min.css", headers={"Accept-Encoding": "gzip"})
                assert css.status_code == 200 and css.headers["content-encoding"] == "gzip"
                assert "max-age=604800" in css.headers["cache-control"]
                assert client.get("/health").headers["x-request-id"]  # nginx's $request_id, logged by the app
        finally:
            proxy.terminate()
            stop(web)
            scheduler.terminate()
            scheduler.wait(timeout=15)
        log = next((tmp_path / "data").glob("serve-*.log")).read_text()
        assert "client=127.0.0.2" in log and "client=127.0.0.4" in log
        assert "client=127.0.0.9" not in log
        assert log.count("this process") == 0  # the web workers do not schedule

"""The README's "Production" steps, run as the operator runs them, and a practice's first return.

Used by the production-path test (a server on a fresh database) and the nginx test (the same,
behind a real reverse proxy with several workers).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import ROOT, SHARED_DATA
from tests.fixtures_server import free_port
from tests.ops.cli import run_tracker, tracker_env
from tests.returns.factories import form_data

TODAY = "2019-07-15"  # 2019/20 Q1 ended on 30 June: its return window is open
PERIOD = "2019/20-Q1"
PERIOD_URL = "2019-20-Q1"
PASSWORD = "a-long-production-passphrase-2019"
ADMIN = "it.admin@england.nhs.test"
CCG_LEAD = "gpit.lead@hartlepool-stockton.nhs.test"
PRACTICE = "practice.manager@densham.nhs.test"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """An empty database: a new one on the suite's PostgreSQL server when there is one, else a
    SQLite file in tmp_path."""
    base = os.environ.get("TRACKER_DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'production.sqlite3'}"
        return
    import asyncpg

    name = f"tracker_production_{uuid.uuid4().hex[:8]}"
    admin_url = base.rsplit("/", 1)[0] + "/postgres"

    async def ddl(sql: str) -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(ddl(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(ddl(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def step(*args: str, env: dict[str, str]) -> str:
    result = run_tracker(*args, env=env, timeout=180)
    assert result.returncode == 0, f"tracker {' '.join(args)}: {result.stderr}"
    return result.stdout


def production_steps(env: dict[str, str]) -> None:
    """Exactly the README's steps, from an empty database to accounts that can sign in."""
    step("migrate", env=env)
    step("import", "ods", str(SHARED_DATA / "epraccur.csv"), env=env)
    step("import", "list-sizes", str(SHARED_DATA / "gp-reg-pat-prac-all.csv"), env=env)
    preview = step("catalogue", "load", str(ROOT / "fixtures" / "indicators.toml"), env=env)
    assert "16 created" in preview and "Nothing written" in preview
    assert "0 active indicators" in step("catalogue", "list", env=env)
    step("catalogue", "load", str(ROOT / "fixtures" / "indicators.toml"), "--apply", env=env)
    step("periods", "create", "2019/20", env=env)
    users = {**env, "TRACKER_NEW_PASSWORD": PASSWORD}
    step("users", "create", "--email", ADMIN, "--role", "admin", "--name", "IT administrator", env=users)
    step("users", "create", "--email", CCG_LEAD, "--role", "ccg", "--org", "00K", env=users)
    step("users", "create", "--email", PRACTICE, "--role", "practice", "--org", "A81001", env=users)


def production_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    return tracker_env(tmp_path / "data", TRACKER_DATABASE_URL=database_url, TRACKER_TODAY=TODAY, **extra)


def serve(env: dict[str, str], *args: str, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """`tracker serve`, waiting until /ready says 200."""
    port = port or free_port()
    env = {**env, "TRACKER_PORT": str(port), "TRACKER_BASE_URL": f"http://127.0.0.1:{port}"}
    Path(env["TRACKER_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    log = open(Path(env["TRACKER_DATA_DIR"]) / f"serve-{port}.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "serve", *args], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {Path(log.name).read_text()}")
        try:
            with urllib.request.urlopen(base + "/ready", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"not ready within 60 s: {Path(log.name).read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def token(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, f"GET {path}: {page.status_code}"
    match = CSRF.search(page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/sign-in",
        data={"_csrf_token": token(client, "/sign-in"), "email": email, "password": password, "next": "/"},
    )


def first_return(base: str, **client_options: object) -> None:
    """The practice submits its 2019/20 Q1 return; the CCG lead approves it."""
    form = f"/practices/A81001/returns/{PERIOD_URL}"
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30, **client_options) as practice:  # type: ignore[arg-type]
        assert sign_in(practice, PRACTICE).status_code == 303
        data = {"_csrf_token": token(practice, form), **form_data(version=0, action="submit")}
        response = practice.post(form, data=data)
        assert response.status_code == 303, response.text[:2000]
        assert "Submitted" in practice.get(form).text
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30, **client_options) as lead:  # type: ignore[arg-type]
        assert sign_in(lead, CCG_LEAD).status_code == 303
        queue = lead.get("/review").text
        assert "A81001" in queue
        return_id = re.search(r'name="return_id" type="checkbox" value="(\d+)"', queue)
        assert return_id, "no return to review"
        response = lead.post(
            "/review/decisions",
            data={"_csrf_token": token(lead, "/review"), "return_id": return_id.group(1), "decision": "approve"},
        )
        assert response.status_code == 303
        assert "Approved" in lead.get(form).text

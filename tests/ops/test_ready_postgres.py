"""/ready on a PostgreSQL that goes away and comes back: 503 with a reason within a second, then 200.

Starts its own throwaway PostgreSQL server (.ci/start-postgres) so stopping it harms no other test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fixtures_server import free_port
from tests.ops.cli import run_tracker, tracker_env
from tests.ops.production import serve, stop

PG_CTL = shutil.which("pg_ctl") or "/usr/lib/postgresql/15/bin/pg_ctl"
pytestmark = pytest.mark.skipif(not Path(PG_CTL).exists(), reason="PostgreSQL (pg_ctl) is not installed")


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else list(args)


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, str]]:
    folder = tempfile.mkdtemp(prefix="tracker-ready-pg-")
    port = str(free_port())
    url = subprocess.run(
        [str(ROOT / ".ci" / "start-postgres"), folder, port], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        yield url, folder
    finally:
        subprocess.run(_as_postgres(PG_CTL, "-D", folder, "stop", "-m", "immediate"), capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _ready(base: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(base + "/ready", timeout=5) as response:
            status, body = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        status, body = error.code, json.load(error)
    return status, body, time.monotonic() - started


def test_ready_follows_the_database(own_postgres, tmp_path):
    url, folder = own_postgres
    env = tracker_env(tmp_path / "data", TRACKER_DATABASE_URL=url)
    assert run_tracker("migrate", env=env).returncode == 0
    process, base = serve(env)
    try:
        status, body, _ = _ready(base)
        assert status == 200 and body["status"] == "ready"

        subprocess.run(_as_postgres(PG_CTL, "-D", folder, "stop", "-m", "fast"), capture_output=True, check=True)
        status, body, seconds = _ready(base)
        assert status == 503 and body["status"] == "unavailable" and body["reason"]
        assert seconds < 1.0, f"/ready took {seconds:.2f} s with the database down"
        with urllib.request.urlopen(base + "/health", timeout=2) as response:
            assert response.status == 200  # alive, just not ready

        subprocess.run(
            [str(ROOT / ".ci" / "start-postgres"), folder, url.rsplit(":", 1)[1].split("/")[0]],
            capture_output=True,
            check=True,
        )
        deadline = time.monotonic() + 15
        while (status := _ready(base)[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
    finally:
        stop(process)

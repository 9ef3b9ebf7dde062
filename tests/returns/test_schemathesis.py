"""Schemathesis drives the API from its own OpenAPI document against a real server, with a
practice's token: every operation, examples and fuzzed bodies, bounded in examples.
Any failed check (a 500, a response that contradicts the document, an invalid body accepted, a
valid one refused) fails the test with Schemathesis's report."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.factories import make_org_tree
from tests.returns.factories import setup_catalogue
from tests.returns.test_api_and_admin import _issue

ST = Path(sys.executable).with_name("schemathesis")


async def test_the_api_keeps_its_own_document(client, live_server: str, tmp_path: Path) -> None:
    await setup_catalogue()
    await make_org_tree()
    token = await _issue(client, "A81001")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"}
    result = await asyncio.to_thread(
        subprocess.run,
        [
            str(ST),
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{live_server}/schema/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            # Schemathesis 4 reads --max-time as a budget to spend (fuzzing repeats until it is
            # gone), so the bound is in examples: each operation's fuzzing runs this many once.
            "--max-examples",
            "200",
            "--workers",
            "1",
            "--seed",
            "20180420",
            "--report-dir",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]

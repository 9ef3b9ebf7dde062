"""From an empty database to a practice's approved return, by the README's production steps only."""

from __future__ import annotations

import json
import urllib.request

from tests.ops.cli import run_tracker
from tests.ops.production import (
    PERIOD,
    first_return,
    fresh_database,
    production_env,
    production_steps,
    serve,
    stop,
)


def test_the_readme_production_steps_reach_an_approved_return(tmp_path):
    with fresh_database(tmp_path) as url:
        env = production_env(tmp_path, url, TRACKER_SCHEDULER="true")
        production_steps(env)
        process, base = serve(env)
        try:
            with urllib.request.urlopen(base + "/ready", timeout=2) as response:
                ready = json.load(response)
            assert ready["status"] == "ready" and ready["scheduler"]["holder"]
            first_return(base)
        finally:
            stop(process)
        # The approved return is in the CCG's table, written to standard output.
        result = run_tracker("export", "ccg", "00K", "--period", PERIOD, "--table", "practices", "--out", "-", env=env)
        assert result.returncode == 0, result.stderr
        assert "A81001" in result.stdout and "Wrote standard output" in result.stderr

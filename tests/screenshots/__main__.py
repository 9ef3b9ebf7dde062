"""`make screenshots`: the README's pictures, taken from the demo in headless Chromium.

Loads the demo into a throwaway database (or uses --data-dir), serves it, signs in as each role
and photographs the main pages into tests/screenshots/. Run it after changing a page's look.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.fixtures_server import CHROMIUM, CHROMIUM_ARGS, offline, start_server, stop_server
from tracker.demo.service import DEMO_PASSWORD
from tracker.settings import Settings

HERE = Path(__file__).resolve().parent

# (file name, role email, path, what it shows)
SHOTS: list[tuple[str, str, str, str]] = [
    ("sign-in", "", "/sign-in", "Signing in"),
    ("home-ccg", "ccg", "/", "A CCG lead's home page"),
    ("organisations", "national", "/organisations", "The organisation browser"),
    ("ccg-practices", "national", "/organisations/ccgs/00K", "A CCG's practices"),
    ("practice", "practice", "/practices/A81001", "A practice's details"),
    ("return-form", "practice", "/returns", "A practice's returns"),
    ("review", "ccg", "/review", "The CCG's review of returns"),
    ("dashboard-national", "national", "/dashboards", "The national dashboard"),
    ("dashboard-ccg", "ccg", "/dashboards", "A CCG's dashboard"),
    ("dashboard-practice", "practice", "/dashboards", "A practice's dashboard"),
    ("funding", "national", "/funding", "The national funding overview"),
    ("admin", "admin", "/admin", "Administration"),
]


def prepare(data_dir: Path) -> Settings:
    env = {"TRACKER_DATA_DIR": str(data_dir), "TRACKER_TODAY": "2018-04-20", "TRACKER_DEMO": "true"}
    if not (data_dir / "tracker.sqlite3").exists():
        import os

        full = {**os.environ, **env}
        subprocess.run([sys.executable, "-m", "tracker", "migrate"], env=full, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-m", "tracker", "demo"], env=full, check=True, stdout=subprocess.DEVNULL)
    return Settings.from_env({**env, "TRACKER_SECRET_KEY": "screenshots-" + "k" * 40})


async def take(base: str, out: Path, only: str | None) -> list[str]:
    from playwright.async_api import async_playwright

    taken = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts: dict[str, object] = {}
        for name, role, path, _ in SHOTS:
            if only and only not in name:
                continue
            if role not in contexts:
                context = await offline(
                    await browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
                )
                if role:
                    page = await context.new_page()
                    await page.goto("/sign-in")
                    await page.get_by_label("Email address").fill(f"{role}@demo.paperless-tracker.test")
                    await page.get_by_label("Password").fill(DEMO_PASSWORD)
                    await page.get_by_role("button", name="Sign in").click()
                    await page.wait_for_url(lambda url: "/sign-in" not in url)
                    await page.close()
                contexts[role] = context
            page = await contexts[role].new_page()  # type: ignore[attr-defined]
            response = await page.goto(path)
            if response is None or response.status >= 400:
                print(f"  skipped {name}: {path} answered {response.status if response else 'nothing'}")
                await page.close()
                continue
            await page.screenshot(path=str(out / f"{name}.png"), full_page=False)
            taken.append(name)
            await page.close()
        await browser.close()
    return taken


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.screenshots")
    parser.add_argument("--data-dir", help="a demo data folder to use (default: a fresh demo in a temporary folder)")
    parser.add_argument("--out", default=str(HERE))
    parser.add_argument("--only")
    args = parser.parse_args()
    temp = None if args.data_dir else Path(tempfile.mkdtemp(prefix="tracker-shots-"))
    settings = prepare(Path(args.data_dir) if args.data_dir else temp)  # type: ignore[arg-type]
    process, base = start_server(settings, TRACKER_DEMO="true")
    try:
        taken = asyncio.run(take(base, Path(args.out), args.only))
    finally:
        stop_server(process)
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    print(f"{len(taken)} screenshots in {args.out}: {', '.join(taken)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

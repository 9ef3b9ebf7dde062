"""A real server process and a real browser, for the end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tracker.settings import Settings

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


async def settled(page: Any) -> None:
    """After a resize or a style change: wait until the page has handled it and laid itself out
    again (two animation frames: the resize event and the NHS.UK header's resize observer run
    before the first, their layout is done by the second), rather than for a guessed time."""
    await page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


async def offline(context: Any) -> Any:
    """The machine has no internet: refuse the NHS font CDN at once rather than let pages wait
    on it (the pages fall back to Arial, as they would for anyone who cannot reach it)."""
    await context.route("https://**/*", lambda route: route.abort())
    return context


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(settings: Settings, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        {
            "TRACKER_DATA_DIR": str(settings.data_dir),
            "TRACKER_SECRET_KEY": settings.secret_key,
            "TRACKER_TODAY": settings.today.isoformat() if settings.today else "",
            "TRACKER_PORT": str(port),
            "TRACKER_HOST": "127.0.0.1",
            "TRACKER_BASE_URL": f"http://127.0.0.1:{port}",
            "TRACKER_DATABASE_URL": settings.database_url,
            **extra,
        }
    )
    return env


def start_server(settings: Settings, **extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up and stalls the server once its
    # request log has written 64 KB.
    log_path = settings.data_dir / f"server-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "serve"],
        env=server_env(settings, port, **extra),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log_path.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=1) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start within 30 seconds")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def live_server(database: Settings) -> Iterator[str]:
    """The tracker served by `tracker serve` in its own process, on a free loopback port."""
    process, base = start_server(database)
    try:
        yield base
    finally:
        stop_server(process)


@pytest.fixture(scope="session")
async def browser(anyio_backend: str) -> AsyncIterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


@pytest.fixture
async def page(browser: Any, live_server: str, clean_db: Settings) -> AsyncIterator[Any]:
    context = await offline(await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}))
    pg = await context.new_page()
    try:
        yield pg
    finally:
        await context.close()


async def browser_sign_in(page: Any, email: str, password: str | None = None) -> None:
    from tests.factories import PASSWORD

    await page.goto("/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(password or PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    # Password hashing is slow by design: on a busy machine a sign-in can take many seconds.
    try:
        await page.wait_for_url(lambda url: "/sign-in" not in url, timeout=90_000)
    except Exception as timeout:
        # Say what the page said, not only that it waited.
        await screenshot(page, f"sign-in-failed-{email}")
        said = await page.locator("main").inner_text()
        raise AssertionError(f"signing in as {email} stayed on {page.url}: {said}") from timeout


async def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path

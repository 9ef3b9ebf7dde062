"""The ASGI entry point for `tracker serve` (uvicorn imports it by name in each worker), so this
is where the environment is read."""

import os

from tracker.app import create_app
from tracker.settings import Settings

app = create_app(Settings.from_env(os.environ))

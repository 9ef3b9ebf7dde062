"""Where Piccolo's own machinery (migrations, `piccolo` CLI) finds the engine and the app.

This is the one module that reads the environment at import, because Piccolo's command line
imports it by name; inside the tracker, `tracker.db.configure(settings)` replaces `DB`.
"""

import os

from piccolo.conf.apps import AppRegistry

from tracker.db import build_engine
from tracker.settings import Settings

DB = build_engine(Settings.from_env(os.environ))

APP_REGISTRY = AppRegistry(apps=["tracker.piccolo_app"])

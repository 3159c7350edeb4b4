"""Where the browser tests' Chromium is: ``TEAMEVAL_CHROMIUM``, else Debian's
``/usr/bin/chromium``, else ``chromium`` on the PATH. Playwright cannot download its own here.

Read by ``tests/conftest.py`` when the run starts (a missing Chromium is a note at the end of
the run locally and a usage error under ``CI=true``, like an unreachable PostgreSQL) and by
``tests/browser/conftest.py`` to launch it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_ENV = "TEAMEVAL_CHROMIUM"
MISSING = "Chromium not found: apt-get install chromium; the browser tests were skipped"


def find_chromium() -> str | None:
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if Path(configured).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")

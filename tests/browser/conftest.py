"""Browser tests: Playwright drives Debian's Chromium against the app served by uvicorn.

- Every test here is marked ``browser`` (``-m "not browser"`` leaves them out).
- Chromium: ``TEAMEVAL_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on the PATH.
  Playwright never downloads a browser. Without Chromium the tests are skipped, and a NOTE
  says so at the end of the run; under ``CI=true`` they fail instead.
- ``live_server``: per database engine (the suite's ``backend``), one migrated database seeded
  with ``world.build_browser_world`` and served on 127.0.0.1 at a free port, for the session.
- ``page``: a new browser context per test (1280x900, en-GB), on the one browser of the session.

Run: ``pytest tests/browser -n 0`` (or ``-n 2``: each worker then seeds and serves both engines).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from teameval.api import create_app
from teameval.config import Settings
from teameval.db import make_engine, make_session_factory
from tests.browser.chromium import MISSING, find_chromium
from tests.browser.helpers import ARTIFACTS, file_name
from tests.browser.world import BrowserWorld, build_browser_world
from tests.databases import throwaway_postgres, throwaway_sqlite

HERE = Path(__file__).resolve().parent
SECRET = "browser-tests-secret-" + "k" * 32
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = find_chromium()
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI requires Chromium for the browser tests. {MISSING}", pytrace=False)
        pytest.skip(MISSING)
    return found


# --- the live server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    engine: sa.Engine
    world: BrowserWorld


@pytest.fixture(scope="session")
def _browser_db_url(
    backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if backend == "sqlite":
        directory = tmp_path_factory.mktemp("browser")
        with throwaway_sqlite(directory, template=Path(_migrated_template)) as url:
            yield url
        return
    with throwaway_postgres(template=_migrated_template) as url:
        yield url


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
def live_server(chromium_path: str, _browser_db_url: str) -> Iterator[LiveServer]:
    engine = make_engine(_browser_db_url)
    with make_session_factory(engine).begin() as session:
        world = build_browser_world(session)
    settings = Settings(database_url=_browser_db_url, secret_key=SECRET, dev_login=False)
    app = create_app(settings)
    sock = _free_socket()
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            pytest.fail(f"the live server on {url} did not answer /api/v1/health")
        time.sleep(0.05)
    try:
        yield LiveServer(url, _browser_db_url, engine, world)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        engine.dispose()


@pytest.fixture
def world(live_server: LiveServer) -> BrowserWorld:
    return live_server.world


# --- Playwright ---------------------------------------------------------------------------------


# Module scope, not session: Playwright's sync API holds an event loop while it runs, so a
# worker that went on to other tests after the browser ones would refuse their asyncio.run().
@pytest.fixture(scope="module")
def playwright_instance(chromium_path: str) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright, chromium_path: str) -> Iterator[Browser]:
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path, args=args, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    yield context
    context.close()


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    if request.node.stash.get(_FAILED, False):  # what the browser showed when it failed
        target = ARTIFACTS / "failures" / f"{file_name(request.node.name)}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(PlaywrightError):  # the page may be gone; the failure says why
            page.screenshot(path=str(target), full_page=True)

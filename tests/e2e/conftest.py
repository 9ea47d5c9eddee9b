"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from tests import services

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture
def browser():
    path = services.chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The sync API runs the test in a greenlet with a context of its own: a database
        # connection opened there is invisible to the teardown that drops the test
        # database, so it is closed here, inside that context.
        connections.close_all()

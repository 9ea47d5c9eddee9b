"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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


AXE_DIR = Path(__file__).resolve().parents[2] / "var" / "node"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry, installed into var/node by the test setup (never
    committed)."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            services.missing("axe-core", "npm is not installed")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                "axe-core@4",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0 or not script.exists():
            services.missing("axe-core", f"npm install failed: {result.stderr[-300:]}")
    return script.read_text(encoding="utf-8")


@pytest.fixture
def audit(browser, axe_source):
    """Open a page and return axe-core's serious and critical violations on it."""

    def run(url: str, *, before=None) -> list[dict]:
        context = browser.new_context(bypass_csp=True)  # lets the test inject axe-core
        page = context.new_page()
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        if before is not None:
            before(page)
        page.evaluate(axe_source)
        result = page.evaluate("async () => await axe.run(document)")
        context.close()
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return run


@pytest.fixture(autouse=True)
def _keep_migration_data(django_db_serialized_rollback):
    """Browser tests run on committed data (the live server is another thread), and the
    flush after each would also remove what data migrations made (roles, consent texts,
    the privacy notice): restore it after each test."""

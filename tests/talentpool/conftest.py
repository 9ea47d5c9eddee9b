"""Fixtures for the talent-pool membership tests (helpers in membership.py)."""

from __future__ import annotations

import pytest

from tests.ats.vault.conftest import use_local_storage


@pytest.fixture
def pool_site(db, settings, tmp_path):
    """Berlin time, links to the test client's host, a private vault without scanner."""
    settings.TIME_ZONE = "Europe/Berlin"
    settings.ATS_BASE_URL = "http://testserver"
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    return tmp_path / "documents"

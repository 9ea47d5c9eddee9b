"""The state of each service the product depends on, for /healthz.

Each probe is bounded by a short timeout and reports a coarse state and, when down,
the exception's class name only: no hosts, credentials or personal data.

Apps that `ats` may not import add their own probes with `register_probe` from their
AppConfig.ready(). A probe returns None (ok), a state (such as NOT_CONFIGURED), or a
dictionary with "status" and short codes (never free text); it raises when down.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection

from ats.vault import scanner

OK = "ok"
DOWN = "down"
NOT_CONFIGURED = "not_configured"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _storage() -> None:
    storage = storages["documents"]
    if settings.ATS_STORAGE == "local":
        location = Path(storage.location)
        location.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not os.access(location, os.W_OK):
            raise PermissionError("not writable")
    else:
        # A HEAD of a random key: proves the bucket answers and the credentials
        # work, and creates nothing.
        storage.exists(f"healthz/{secrets.token_hex(8)}")


def _scanner() -> str | None:
    if not scanner.is_configured():
        return NOT_CONFIGURED
    scanner.ping(timeout=3)
    return None


def _broker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return NOT_CONFIGURED
    from ats.celery import app

    with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    return None


Probe = Callable[[], str | dict[str, str] | None]

PROBES: dict[str, Probe] = {
    "database": _database,
    "storage": _storage,
    "scanner": _scanner,
    "broker": _broker,
}


def register_probe(name: str, probe: Probe) -> None:
    """Report `probe` under `name` in /healthz (registering a name again replaces it)."""
    PROBES[name] = probe


def service_states() -> dict[str, dict[str, str]]:
    states: dict[str, dict[str, str]] = {}
    for name, probe in PROBES.items():
        try:
            outcome = probe()
        except Exception as exc:
            states[name] = {"status": DOWN, "error": type(exc).__name__}
        else:
            states[name] = dict(outcome) if isinstance(outcome, dict) else {"status": outcome or OK}
    return states


def is_healthy(states: dict[str, dict[str, str]]) -> bool:
    return all(state["status"] != DOWN for state in states.values())

"""Thin Celery adapters. Tasks take ids, never personal data."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="ats.ping")
def ping() -> str:
    """Proves a worker takes tasks from the broker (health checks, CI round trip)."""
    return "pong"

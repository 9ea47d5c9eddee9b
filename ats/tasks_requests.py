"""Thin Celery adapters for the request desk (ats.services.requests). Tasks take ids,
never personal data. Registered through CELERY_IMPORTS (ats/settings.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="ats.send_request_confirmation",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=8,
)
def send_request_confirmation(request_id: int) -> bool:
    from ats.services.requests import data_request_confirmation_send

    return data_request_confirmation_send(request_id=request_id)


@shared_task(name="ats.requests_digest")
def requests_digest() -> int:
    """The daily email to HR (CELERY_BEAT_SCHEDULE) with the number of overdue and
    due-soon data subject requests; counts only, no names."""
    from ats.services.requests import requests_digest_send

    return requests_digest_send()

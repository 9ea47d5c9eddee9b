"""Thin Celery adapters for the talent pool. Tasks take ids, never personal data."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="talentpool.daily", acks_late=True)
def daily() -> dict[str, int]:
    """The daily run (CELERY_BEAT_SCHEDULE, before the retention job): end the entries
    past their expiry, then send the renewal requests and reminders due. Idempotent: a
    redelivered task, or two at once, ends nothing and mails nobody twice."""
    from talentpool.services import pool_expire_due, pool_send_renewal_requests

    expired = pool_expire_due()
    run = pool_send_renewal_requests()
    return {
        "expired": expired,
        "renewal_requests": run.requests,
        "renewal_reminders": run.reminders,
        "failures": run.failures,
    }

"""Thin Celery adapters. Tasks take ids, never personal data."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="anonymizer.enforce_retention", acks_late=True)
def enforce_retention() -> dict[str, object]:
    """The daily retention run (CELERY_BEAT_SCHEDULE). Idempotent: a redelivered task,
    or a second one at the same time, erases nothing twice."""
    from anonymizer.services import enforce_retention as run

    return run().as_dict()


@shared_task(name="anonymizer.idle_digest")
def idle_digest() -> int:
    """The daily email to HR (CELERY_BEAT_SCHEDULE) with the number of undecided
    applications idle longer than ATS_RETENTION_IDLE_DAYS; counts only, no names."""
    from anonymizer.notifications import idle_digest_send

    return idle_digest_send()

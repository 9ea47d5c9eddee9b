"""Thin Celery adapters. Tasks take ids, never personal data."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="anonymizer.enforce_retention", acks_late=True)
def enforce_retention() -> dict[str, object]:
    """The daily retention run (CELERY_BEAT_SCHEDULE). Idempotent: a redelivered task,
    or a second one at the same time, erases nothing twice."""
    from anonymizer.services import enforce_retention as run

    report = run().as_dict()
    # The statistics' cube is rebuilt now, in the background, not by their next reader.
    refresh_statistics.delay()
    return report


@shared_task(name="anonymizer.idle_digest")
def idle_digest() -> int:
    """The daily email to HR (CELERY_BEAT_SCHEDULE) with the number of undecided
    applications idle longer than ATS_RETENTION_IDLE_DAYS; counts only, no names."""
    from anonymizer.notifications import idle_digest_send

    return idle_digest_send()


@shared_task(name="anonymizer.refresh_statistics", ignore_result=True)
def refresh_statistics() -> dict[str, object]:
    """Every few minutes (CELERY_BEAT_SCHEDULE) and after each retention run: the
    management statistics' snapshot taken again, their cube rebuilt only if the data
    changed, and the landing view computed, so that readers find it all in the cache
    (anonymizer.statistics.dashboard.refresh). Counts and timings only."""
    import time

    from anonymizer.statistics.dashboard import refresh

    began = time.monotonic()
    snapshot = refresh(warm=True)
    return {"until": snapshot.until, "seconds": round(time.monotonic() - began, 3)}

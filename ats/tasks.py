"""Thin Celery adapters. Tasks take ids, never personal data."""

from __future__ import annotations

from celery import shared_task

import ats.tasks_mail  # noqa: F401  (registers ats.send_candidate_email with the worker)


@shared_task(name="ats.ping")
def ping() -> str:
    """Proves a worker takes tasks from the broker (health checks, CI round trip)."""
    return "pong"


@shared_task(name="ats.rescan_pending_documents")
def rescan_pending_documents() -> int:
    """Retry the virus scan of documents stored while clamd was unreachable."""
    from ats.vault.lifecycle import document_rescan, pending_scans_due

    due = pending_scans_due()
    for document in due:
        document_rescan(document=document)
    return len(due)


@shared_task(name="ats.remove_orphan_objects")
def remove_orphan_objects() -> int:
    from ats.vault.lifecycle import orphans_remove

    return orphans_remove()


@shared_task(name="ats.notify_staff")
def notify_staff(reason: str, application_id: int, user_ids: list[int]) -> None:
    """Tell staff about an application by email: a link and a reason, never a name."""
    from ats.notifications import staff_notify

    staff_notify(reason=reason, application_id=application_id, user_ids=user_ids)

"""Thin Celery adapters for the careers site. Tasks take ids, never personal data."""

from __future__ import annotations

from celery import shared_task

from careers_site.mail import application_confirmation_send


@shared_task(
    name="careers_site.send_application_confirmation",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=8,
)
def send_application_confirmation(application_id: int) -> None:
    application_confirmation_send(application_id=application_id)

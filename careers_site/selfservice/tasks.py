"""Thin Celery adapters for the self-service. Tasks take ids, never personal data.
Registered through CELERY_IMPORTS (ats/settings.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="careers_site.send_sign_in_link",
    autoretry_for=(OSError,),
    retry_backoff=10,
    max_retries=5,
)
def send_sign_in_link(sign_in_id: str) -> bool:
    from careers_site.selfservice.mail import sign_in_link_send

    return sign_in_link_send(sign_in_id=sign_in_id)


@shared_task(name="careers_site.build_data_export", acks_late=True)
def build_data_export(export_id: str) -> bool:
    from careers_site.selfservice.export import data_export_build
    from careers_site.selfservice.mail import export_ready_send

    built = data_export_build(export_id=export_id)
    if built:
        export_ready_send(export_id=export_id)
    return built


@shared_task(name="careers_site.self_service_cleanup")
def self_service_cleanup() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): expired exports and sign-in links are deleted."""
    from django.utils import timezone

    from ats.models import SelfServiceSignIn
    from careers_site.selfservice.export import data_exports_remove_expired

    removed = data_exports_remove_expired()
    removed += SelfServiceSignIn.objects.filter(expires_at__lte=timezone.now()).delete()[0]
    return removed

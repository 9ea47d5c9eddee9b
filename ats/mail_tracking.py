"""Delivery events for emails to candidates, from anymail's tracking webhooks
(/anymail/<esp>/tracking/, secured with ANYMAIL["WEBHOOK_SECRET"]).

Connected at import; ats.apps.AtsConfig.ready() imports this module. Opens and clicks
are not tracked (decision emails go out with tracking off) and are ignored here.
"""

from __future__ import annotations

import datetime as dt

from anymail.signals import AnymailTrackingEvent, EventType, tracking
from django.dispatch import receiver
from django.utils import timezone

from ats.models import CandidateEmail
from ats.services.decisions import candidate_email_status_record

STATUS_OF_EVENT = {
    EventType.DELIVERED: CandidateEmail.Status.DELIVERED,
    EventType.BOUNCED: CandidateEmail.Status.BOUNCED,
    # Refused by the ESP (suppression list, invalid address) or not sendable at all:
    # the applicant was not told either.
    EventType.REJECTED: CandidateEmail.Status.FAILED,
    EventType.FAILED: CandidateEmail.Status.FAILED,
}


@receiver(tracking, dispatch_uid="ats.candidate_email_tracking")
def candidate_email_tracking(
    sender: object, event: AnymailTrackingEvent, esp_name: str, **kwargs: object
) -> None:
    status = STATUS_OF_EVENT.get(event.event_type)
    if status is None:
        return
    email_id = str((event.metadata or {}).get("candidate_email", ""))
    if not event.message_id and not email_id.isdigit():
        return
    at = event.timestamp or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at, dt.UTC)
    candidate_email_status_record(
        message_id=str(event.message_id or ""),
        status=status,
        at=at,
        event=event.event_type,
        email_id=int(email_id) if email_id.isdigit() else None,
    )

"""Emails of the self-service. Subjects carry no personal data; the sign-in link is the
only place the raw token ever exists."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ats.models import AuditEvent, DataExport
from careers_site.links import absolute
from careers_site.selfservice.session import sign_in_link_issue


def sign_in_link_send(*, sign_in_id: str) -> bool:
    """Send the link of a request for a known address; for an unknown one the record is
    deleted and nothing is sent. True when a mail went out."""
    issued = sign_in_link_issue(sign_in_id=sign_in_id)
    if issued is None:
        return False
    sign_in, token = issued
    candidate = sign_in.candidate
    with translation.override(candidate.language or settings.LANGUAGE_CODE):
        context = {
            "url": absolute(reverse("careers_site:my_data_sign_in", kwargs={"token": token})),
            "minutes": settings.ATS_SELF_SERVICE_LINK_MINUTES,
            "site_name": settings.ATS_SITE_NAME,
        }
        subject = f"{settings.ATS_SITE_NAME}: " + _("Your link to see your data")
        body = render_to_string("emails/self_service_sign_in.txt", context)
    EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[candidate.email]
    ).send()
    AuditEvent.record(actor=None, action="self_service_link_sent", target=candidate)
    return True


def export_ready_send(*, export_id: str) -> bool:
    export = (
        DataExport.objects.select_related("candidate")
        .filter(pk=export_id, state=DataExport.State.READY)
        .first()
    )
    if export is None:
        return False
    candidate = export.candidate
    with translation.override(candidate.language or settings.LANGUAGE_CODE):
        context = {
            "url": absolute(reverse("careers_site:my_data")),
            "expires_at": export.expires_at,
            "site_name": settings.ATS_SITE_NAME,
        }
        subject = f"{settings.ATS_SITE_NAME}: " + _("Your data export is ready")
        body = render_to_string("emails/self_service_export_ready.txt", context)
    EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[candidate.email]
    ).send()
    return True

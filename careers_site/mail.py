"""Emails to applicants. Subjects and logs carry no personal data."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ats.models import Application, AuditEvent
from careers_site.links import absolute, consent_withdraw_url

logger = logging.getLogger(__name__)


def application_confirmation_send(*, application_id: int) -> None:
    application = (
        Application.objects.select_related("candidate", "vacancy")
        .prefetch_related("documents", "consents")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        return  # erased before the mail went out (spam, withdrawal): nothing to say
    candidate = application.candidate
    with translation.override(candidate.language or settings.LANGUAGE_CODE):
        context = {
            "application": application,
            "candidate": candidate,
            "documents": list(application.documents.all()),
            "consents": [
                (consent, consent_withdraw_url(consent))
                for consent in application.consents.all()
                if consent.withdrawn_at is None
            ],
            "retention_months": settings.ATS_APPLICATION_RETENTION_MONTHS,
            "talent_pool_months": settings.ATS_TALENT_POOL_MONTHS,
            "privacy_url": absolute(reverse("careers_site:privacy")),
            "self_service_url": absolute(reverse("careers_site:my_data")),
            "site_name": settings.ATS_SITE_NAME,
        }
        subject = _("We received your application")
        text = render_to_string("emails/application_received.txt", context)
        html = render_to_string("emails/application_received.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ATS_SITE_NAME}: {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[candidate.email],
    )
    message.attach_alternative(html, "text/html")
    message.send()
    AuditEvent.record(actor=None, action="confirmation_sent", target=application)
    logger.info("careers: confirmation sent for application %s", application.pk)

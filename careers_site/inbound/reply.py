"""The reply to an emailed application: the acknowledgement (what we kept, what we
dropped and why, how long we keep it, signed links to give the consents an email cannot
carry) or the refusal (too large, too many files, position closed, too many messages).

Plain text only, in the language of the message; subjects carry no personal data.
Replies are marked Auto-Submitted (RFC 3834), so that well-behaved robots do not answer.
The address and the details are cleared once the reply is sent."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ats.models import Application, AuditEvent
from careers_site.inbound.consent import special_category_url
from careers_site.inbound.models import InboundMessage
from careers_site.links import absolute

logger = logging.getLogger(__name__)


def inbound_reply_send(*, inbound_id: int) -> bool:
    """Send the reply owed for this message, once; False if none is owed any more."""
    record = InboundMessage.objects.filter(pk=inbound_id, reply_sent_at=None).first()
    if record is None or not record.reply_to:
        return False
    with translation.override(record.reply_language or settings.LANGUAGE_CODE):
        if record.outcome == InboundMessage.Outcome.ACCEPTED:
            rendered = _acknowledgement(record)
        else:
            rendered = _refusal(record)
    if rendered is None:
        _forget(record)
        return False
    subject, body = rendered
    message = EmailMessage(
        subject=f"{settings.ATS_SITE_NAME}: {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[record.reply_to],
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )
    message.send()
    _forget(record)
    if record.application_id is not None:
        application = Application.objects.filter(pk=record.application_id).first()
        if application is not None:
            AuditEvent.record(actor=None, action="confirmation_sent", target=application)
    logger.info("inbound: reply sent for inbound message %s", record.pk)
    return True


def _forget(record: InboundMessage) -> None:
    with transaction.atomic():
        InboundMessage.objects.filter(pk=record.pk).update(
            reply_sent_at=timezone.now(), reply_to="", reply_details={}
        )


def _common() -> dict:
    return {
        "site_name": settings.ATS_SITE_NAME,
        "retention_months": settings.ATS_APPLICATION_RETENTION_MONTHS,
        "talent_pool_months": settings.ATS_TALENT_POOL_MONTHS,
        "privacy_url": absolute(reverse("careers_site:privacy")),
        "self_service_url": absolute(reverse("careers_site:my_data")),
        "careers_url": absolute(reverse("careers_site:board")),
        "apply_url": absolute(reverse("careers_site:apply_unsolicited")),
    }


def _acknowledgement(record: InboundMessage) -> tuple[str, str] | None:
    application = (
        Application.objects.select_related("candidate", "vacancy")
        .filter(pk=record.application_id)
        .first()
    )
    if application is None:
        return None  # erased before the reply went out: nothing to say
    details = record.reply_details or {}
    context = {
        **_common(),
        "application": application,
        "candidate": application.candidate,
        "kept": [(name, _kind_label(kind)) for name, kind in details.get("kept", [])],
        "dropped": details.get("dropped", []),
        "talent_pool_url": _talent_pool_url(application),
        "special_category_url": special_category_url(application),
    }
    return _("We received your application"), render_to_string(
        "emails/inbound_received.txt", context
    )


def _refusal(record: InboundMessage) -> tuple[str, str]:
    details = record.reply_details or {}
    context = {
        **_common(),
        "reason": details.get("reason", record.reason),
        "size_mb": round(details.get("size", 0) / (1024 * 1024), 1),
        "limit_mb": settings.ATS_INBOUND_MAX_MESSAGE_BYTES // (1024 * 1024),
        "count": details.get("count", 0),
        "max_files": settings.ATS_INBOUND_MAX_ATTACHMENTS,
        "title": details.get("title", ""),
        "messages": details.get("messages", []),
    }
    return _("We could not take your application"), render_to_string(
        "emails/inbound_refused.txt", context
    )


def _kind_label(kind: str) -> str:
    from ats.models import Document

    return str(dict(Document.Kind.choices).get(kind, kind))


def _talent_pool_url(application: Application) -> str:
    """The talent pool's signed join link (talentpool.links): the pool confirms on its
    own page, so the email carries an offer, never a consent."""
    from talentpool.links import join_offer_url

    try:
        return join_offer_url(
            application.candidate, source="email_application", application_id=application.pk
        )
    except NoReverseMatch:  # the talent pool's pages are not installed: no offer to make
        return ""

"""Inviting a pool member to apply for an open vacancy, and offering a past applicant
pool membership: the signed links and the emails. The person decides in both cases:
the invitation only pre-fills an application form they may send or not; the offer
only leads to a page where they may confirm joining.

Links carry ids inside a signature, never personal data; subjects name no one."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ats.models import Application, Vacancy
from talentpool.links import absolute, join_offer_url, withdraw_url
from talentpool.models import Source, TalentPoolEntry, pool_months

logger = logging.getLogger(__name__)

INVITATION_SALT = "hirewell.talentpool.invite-to-apply"
INVITATION_MAX_AGE = timedelta(days=30)
PREFILLED = ("first_name", "last_name", "email", "phone")
# Translated when sent, in the person's language.
INVITATION_SUBJECT = gettext_noop("An invitation to apply")
OFFER_SUBJECT = gettext_noop("Would you like to join our talent pool?")


def invitation_token(entry: TalentPoolEntry, vacancy: Vacancy) -> str:
    return signing.dumps(
        {"e": entry.pk, "c": entry.candidate_id, "v": vacancy.pk}, salt=INVITATION_SALT
    )


def invitation_url(entry: TalentPoolEntry, vacancy: Vacancy) -> str:
    path = reverse("careers_site:apply", kwargs={"reference": vacancy.reference})
    return absolute(f"{path}?invitation={invitation_token(entry, vacancy)}")


def invitation_prefill(token: str, vacancy: Vacancy | None) -> dict[str, str]:
    """The initial values of the application form an invitation link pre-fills: name,
    email and telephone, from the member's current entry, for the vacancy the link was
    made for. {} for a tampered, expired or foreign link, another vacancy, or a member
    who has left the pool since (we no longer hold their data for this)."""
    if not token or vacancy is None:
        return {}
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature:
        return {}
    if not isinstance(payload, dict) or payload.get("v") != vacancy.pk:
        return {}
    entry = (
        TalentPoolEntry.objects.filter(
            pk=payload.get("e"),
            candidate=payload.get("c"),
            ended_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("candidate")
        .first()
    )
    if entry is None:
        return {}
    return {name: getattr(entry.candidate, name) for name in PREFILLED}


def _send(*, to: str, language: str, template: str, subject: str, context: dict) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        body = render_to_string(template, {"site_name": settings.ATS_SITE_NAME, **context})
        subject = f"{settings.ATS_SITE_NAME}: {_(subject)}"
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()


def invitation_send(*, entry_id: int, vacancy_id: int) -> bool:
    """Email the invitation; False when the member left the pool or the vacancy closed
    before it went out."""
    entry = (
        TalentPoolEntry.objects.filter(
            pk=entry_id, ended_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("candidate")
        .first()
    )
    vacancy = Vacancy.objects.filter(pk=vacancy_id, status=Vacancy.Status.OPEN).first()
    if entry is None or vacancy is None:
        return False
    candidate = entry.candidate
    _send(
        to=candidate.email,
        language=candidate.language,
        template="emails/talentpool_invite_to_apply.txt",
        subject=INVITATION_SUBJECT,
        context={
            "candidate": candidate,
            "vacancy": vacancy,
            "apply_url": invitation_url(entry, vacancy),
            "expires_at": entry.expires_at,
            "link_days": INVITATION_MAX_AGE.days,
            "withdraw_url": withdraw_url(entry),
        },
    )
    logger.info("talentpool: invitation sent for entry %s, vacancy %s", entry.pk, vacancy.pk)
    return True


def membership_offer_send(*, application_id: int) -> bool:
    """Email a past applicant HR's offer to join the pool (talentpool.links
    join_offer_url, source hr_invitation); False when the application is gone."""
    application = (
        Application.objects.select_related("candidate", "vacancy").filter(pk=application_id).first()
    )
    if application is None:
        return False
    candidate = application.candidate
    _send(
        to=candidate.email,
        language=candidate.language,
        template="emails/talentpool_hr_offer.txt",
        subject=OFFER_SUBJECT,
        context={
            "candidate": candidate,
            "application": application,
            "join_url": join_offer_url(
                candidate, source=Source.HR_INVITATION, application_id=application.pk
            ),
            "months": pool_months(),
        },
    )
    logger.info("talentpool: membership offer sent for application %s", application.pk)
    return True

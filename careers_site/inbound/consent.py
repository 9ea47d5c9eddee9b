"""Special-category consent for an emailed application, given later through a signed
link (an email can carry no consent: Art. 9 (2) lit. a GDPR needs an explicit act).

The token names the application and its candidate, nothing about the person; it works
while the application is undecided (a consent may be given at any time until then)."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ats.models import Application, AuditEvent, Consent, ConsentText, Purpose
from ats.services.applications import special_category_seal
from careers_site.links import absolute

SALT = "hirewell.inbound.special_category"


def special_category_token(application: Application) -> str:
    return signing.dumps({"a": application.pk, "c": application.candidate_id}, salt=SALT)


def special_category_url(application: Application) -> str:
    return absolute(
        reverse(
            "careers_site:special_category",
            kwargs={"token": special_category_token(application)},
        )
    )


def application_from_token(token: str) -> Application | None:
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    return (
        Application.objects.select_related("candidate", "vacancy")
        # Once decided, the process is over: nothing more is collected for it.
        .filter(pk=payload.get("a"), candidate_id=payload.get("c"), decision="")
        .first()
    )


def active_special_category_consent(application: Application) -> Consent | None:
    return application.consents.filter(purpose=Purpose.SPECIAL_CATEGORY, withdrawn_at=None).first()


@transaction.atomic
def special_category_give(
    *, application: Application, answers: dict[str, str], text: ConsentText
) -> Consent:
    """Seal the answers into the application and record the consent, given through the
    email link, with the exact text shown. A consent already active is kept as it is."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    existing = active_special_category_consent(application)
    if existing is not None:
        return existing
    special_category_seal(application=application, answers=answers)
    application.save(update_fields=["special_category_sealed", "special_category_key_id"])
    consent = Consent.objects.create(
        candidate=application.candidate,
        application=application,
        purpose=Purpose.SPECIAL_CATEGORY,
        text=text,
        given_at=timezone.now(),
        given_via=Consent.Via.EMAIL_LINK,
    )
    AuditEvent.record(
        actor=None,
        actor_kind="applicant",
        action="consent_given",
        target=consent,
        purpose=consent.purpose,
    )
    return consent

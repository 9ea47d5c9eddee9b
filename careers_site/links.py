"""Signed links in emails to applicants: no account, no personal data in the URL."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from ats.models import Consent

WITHDRAW_SALT = "hirewell.consent.withdraw"


def absolute(path: str) -> str:
    return f"{settings.ATS_BASE_URL}{path}"


def consent_withdraw_token(consent: Consent) -> str:
    # No expiry: a consent can be withdrawn at any time. The token names the consent
    # and its purpose; it says nothing about the person.
    return signing.dumps({"c": consent.pk, "p": consent.purpose}, salt=WITHDRAW_SALT)


def consent_withdraw_url(consent: Consent) -> str:
    return absolute(
        reverse("careers_site:consent_withdraw", kwargs={"token": consent_withdraw_token(consent)})
    )


def consent_from_token(token: str) -> Consent | None:
    try:
        payload = signing.loads(token, salt=WITHDRAW_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    return Consent.objects.filter(pk=payload.get("c"), purpose=payload.get("p")).first()

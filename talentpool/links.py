"""Signed links in talent-pool emails: no account, no personal data in the URL.

Each link is single-purpose (its own salt), names the person only by an id inside the
signature, and expires; what a used or stale link shows is the views' business."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from ats.models import Candidate

JOIN_OFFER_SALT = "hirewell.talentpool.join-offer"
# How long an offer to join stays open (the rejection email, HR's invitation, the
# acknowledgement of an emailed application).
JOIN_OFFER_MAX_AGE = timedelta(days=30)


def absolute(path: str) -> str:
    return f"{settings.ATS_BASE_URL}{path}"


def join_offer_token(
    candidate: Candidate, *, source: str, application_id: int | None = None
) -> str:
    return signing.dumps(
        {"c": candidate.pk, "s": source, "a": application_id}, salt=JOIN_OFFER_SALT, compress=True
    )


def join_offer_url(candidate: Candidate, *, source: str, application_id: int | None = None) -> str:
    """The link by which the person joins the pool after confirming on a page; `source`
    is a talentpool.models.Source value."""
    token = join_offer_token(candidate, source=source, application_id=application_id)
    return absolute(reverse("talentpool:join_offer", kwargs={"token": token}))


def join_offer_from_token(token: str) -> dict | None:
    """The offer's payload ({"c": candidate id, "s": source, "a": application id or
    None}), or None when the token is tampered with or older than JOIN_OFFER_MAX_AGE."""
    try:
        payload = signing.loads(token, salt=JOIN_OFFER_SALT, max_age=JOIN_OFFER_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int):
        return None
    return payload

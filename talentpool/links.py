"""Signed links in talent-pool emails: no account, no personal data in the URL.

Each link is single-purpose (its own salt), names the person only by an id inside the
signature, and expires; what a used or stale link shows is the views' business."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from ats.models import Candidate
from careers_site.links import absolute

JOIN_OFFER_SALT = "hirewell.talentpool.join-offer"
# How long an offer to join stays open (the rejection email, HR's invitation, the
# acknowledgement of an emailed application).
JOIN_OFFER_MAX_AGE = timedelta(days=30)


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


# --- Renewal and withdrawal links ---------------------------------------------------------
#
# One salt per purpose: a renewal token opens no other page. The renewal token also binds
# the entry's renewal count, so once the entry is renewed (by that link or any other way)
# every earlier renewal link finds the state changed and does nothing (single use).

RENEW_SALT = "hirewell.talentpool.renew"
WITHDRAW_SALT = "hirewell.talentpool.withdraw"

VALID, EXPIRED, INVALID = "valid", "expired", "invalid"


def renewal_max_age() -> timedelta:
    """A renewal link is sent ATS_TALENT_POOL_RENEWAL_DAYS before the expiry (a reminder
    later, with a fresh link): it need not outlive the entry it renews."""
    return timedelta(days=settings.ATS_TALENT_POOL_RENEWAL_DAYS + 1)


def renewal_token(entry) -> str:
    return signing.dumps(
        {"e": entry.pk, "c": entry.candidate_id, "n": entry.renewal_count}, salt=RENEW_SALT
    )


def renewal_url(entry) -> str:
    return absolute(reverse("talentpool:renew", kwargs={"token": renewal_token(entry)}))


def withdraw_token(entry) -> str:
    # No expiry: consent may be withdrawn at any time (privacy policy 4.2.4).
    return signing.dumps({"e": entry.pk, "c": entry.candidate_id}, salt=WITHDRAW_SALT)


def withdraw_url(entry) -> str:
    return absolute(reverse("talentpool:withdraw", kwargs={"token": withdraw_token(entry)}))


def read_token(token: str, *, salt: str, max_age: timedelta | None = None) -> tuple[str, dict]:
    """(VALID, payload), (EXPIRED, {}) or (INVALID, {}): a tampered token, one made for
    another purpose (another salt), or one whose payload is not ours is INVALID."""
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        return EXPIRED, {}
    except signing.BadSignature:
        return INVALID, {}
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(key), int) for key in ("e", "c") if key in payload
    ):
        return INVALID, {}
    return VALID, payload


def join_offer_read(token: str) -> tuple[str, dict]:
    """Like join_offer_from_token, telling an expired offer from an invalid one."""
    status, payload = read_token(token, salt=JOIN_OFFER_SALT, max_age=JOIN_OFFER_MAX_AGE)
    if status == VALID and not isinstance(payload.get("c"), int):
        return INVALID, {}
    return status, payload

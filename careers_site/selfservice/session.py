"""Identity by email: a single-use, expiring link, and the short session it opens.

Asking for a link answers the same, and does the same work in the request, whether or
not the address is known: one row and one queued task either way (the task sends the
mail, or deletes the row of an unknown address), so neither the page nor its timing
tells who applied. Only the SHA-256 of the emailed token is stored.

The session holds the person's candidate id and an end time under its own key; it is
not a Django login (a staff user signed in in the same browser stays signed in)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from ats.models import AuditEvent, Candidate, SelfServiceSignIn

SESSION_KEY = "self_service"
MAX_TOKEN_LENGTH = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalised(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def sign_in_link_request(*, email: str) -> SelfServiceSignIn:
    """Record the request and queue the task that sends the link (or, for an address
    nobody applied with, deletes the record): the same work for both."""
    from careers_site.selfservice.tasks import send_sign_in_link

    now = timezone.now()
    candidate = Candidate.objects.filter(email__iexact=normalised(email)).first()
    sign_in = SelfServiceSignIn.objects.create(
        candidate=candidate,
        requested_at=now,
        expires_at=now + timedelta(minutes=settings.ATS_SELF_SERVICE_LINK_MINUTES),
    )
    transaction.on_commit(lambda: send_sign_in_link.delay(str(sign_in.pk)))
    return sign_in


def sign_in_link_issue(*, sign_in_id: str) -> tuple[SelfServiceSignIn, str] | None:
    """A fresh token for a pending request of a known person (its hash stored), or None
    (an unknown address, whose record is deleted; or sent already)."""
    sign_in = SelfServiceSignIn.objects.filter(pk=sign_in_id, used_at=None).first()
    if sign_in is None:
        return None
    if sign_in.candidate_id is None:
        sign_in.delete()
        return None
    if sign_in.token_hash:
        return None  # a redelivered task sends nothing twice
    token = secrets.token_urlsafe(32)
    claimed = SelfServiceSignIn.objects.filter(pk=sign_in.pk, token_hash=None).update(
        token_hash=token_hash(token)
    )
    if claimed != 1:
        return None
    return sign_in, token


def _valid(token: str):
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return SelfServiceSignIn.objects.none()
    return SelfServiceSignIn.objects.filter(
        token_hash=token_hash(token),
        used_at=None,
        expires_at__gt=timezone.now(),
        candidate__isnull=False,
    )


def sign_in_link_valid(token: str) -> bool:
    """Whether the link can still be used (the page before the button; changes nothing)."""
    return _valid(token).exists()


@transaction.atomic
def sign_in_link_use(request: HttpRequest, *, token: str) -> Candidate | None:
    """Use the link once: the session is renewed (a new key) and scoped to its person.
    None for a link unknown, used, expired or tampered with: nothing changes then."""
    sign_in = _valid(token).select_for_update().first()
    if sign_in is None:
        return None
    claimed = SelfServiceSignIn.objects.filter(pk=sign_in.pk, used_at=None).update(
        used_at=timezone.now()
    )
    if claimed != 1:
        return None
    candidate = Candidate.objects.get(pk=sign_in.candidate_id)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "c": candidate.pk,
        "until": time.time() + settings.ATS_SELF_SERVICE_SESSION_MINUTES * 60,
    }
    if candidate.email_verified_at is None:
        Candidate.objects.filter(pk=candidate.pk).update(email_verified_at=timezone.now())
    AuditEvent.record(
        actor=None, actor_kind="applicant", action="self_service_signed_in", target=candidate
    )
    return candidate


def signed_in_candidate(request: HttpRequest) -> Candidate | None:
    """The person this session is scoped to, while the session lasts and they exist."""
    scope = request.session.get(SESSION_KEY)
    if not isinstance(scope, dict) or scope.get("until", 0) <= time.time():
        return None
    candidate = Candidate.objects.filter(pk=scope.get("c")).first()
    if candidate is None:
        request.session.pop(SESSION_KEY, None)
    return candidate


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def person_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Views for a signed-in person get them as `candidate`; others go to the sign-in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        candidate = signed_in_candidate(request)
        if candidate is None:
            return redirect("careers_site:my_data")
        return view(request, candidate, *args, **kwargs)

    return wrapper

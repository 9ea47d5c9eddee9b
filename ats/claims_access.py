"""Access to applications kept only for legal claims (a communicated rejection): HR
states a reason, which is audited, and may then read the file for a short while in
this session. Nothing about such an application can be changed."""

from __future__ import annotations

import time

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ats.models import Application, AuditEvent

GRANT_SECONDS = 30 * 60
SESSION_KEY = "claims_access"


class Reason(forms.Form):
    REASONS = [
        ("legal_claim", _("A legal claim or a complaint about the decision")),
        ("data_subject_request", _("A request of the applicant about their data")),
        ("authority", _("A request of an authority")),
        ("audit", _("An internal data-protection audit")),
    ]
    reason = forms.ChoiceField(
        label=_("Why do you need to open this application?"), choices=REASONS
    )


def refuse_changes(application: Application) -> None:
    if application.is_kept_for_claims:
        raise ValidationError(
            _("This application is kept only to answer legal claims: it cannot be changed.")
        )


def has_access(request: HttpRequest, application: Application) -> bool:
    if not application.is_kept_for_claims:
        return True
    grants = request.session.get(SESSION_KEY, {})
    return grants.get(str(application.pk), 0) > time.time()


def grant_access(
    request: HttpRequest, application: Application, *, reason: str, by: AbstractBaseUser
) -> None:
    AuditEvent.record(actor=by, action="claims_file_opened", target=application, reason=reason)
    grants = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > time.time()}
    grants[str(application.pk)] = time.time() + GRANT_SECONDS
    request.session[SESSION_KEY] = grants

"""Emails to staff. They carry a reason and a link, never a candidate's name or any
other personal data: mailboxes are forwarded, searched and kept for years."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

SUBJECTS = {
    "new_application": lambda: _("New application"),
    "mention": lambda: _("You were mentioned in a note"),
}


def staff_notify(*, reason: str, application_id: int, user_ids: list[int]) -> int:
    link = settings.ATS_BASE_URL + reverse("application_file", args=[application_id])
    recipients = list(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    subject = f"{settings.ATS_SITE_NAME}: {SUBJECTS[reason]()}"
    body = _("Open the application in the recruiter workspace:") + f"\n{link}\n"
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)

"""The daily digest to HR of applications waiting for a decision.

Like every staff email (ats.notifications) it carries a count and a link, never a
candidate's name, a vacancy's title or any other personal data: mailboxes are forwarded,
searched and kept for years.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anonymizer import rules
from anonymizer.selectors import idle_undecided_applications
from ats.selectors import HR

# Set once a day's digest is sent: a redelivered task (late acknowledgement) or a second
# beat sends nothing the same day.
SENT_CACHE_KEY = "anonymizer:idle-digest:{day}"


def hr_recipients() -> list[str]:
    """The addresses of active HR users that have one."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=HR)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def idle_digest_send(*, now: datetime | None = None) -> int:
    """Email each HR user the number of applications without a decision that nothing
    has changed for ATS_RETENTION_IDLE_DAYS, and the link to the retention page. Sends
    nothing when none is idle, or when today's digest went out already; returns the
    number of emails sent."""
    now = now or timezone.now()
    count = idle_undecided_applications(now).count()
    recipients = hr_recipients()
    if not count or not recipients:
        return 0
    day = now.astimezone(rules.site_zone()).date()
    sent_key = SENT_CACHE_KEY.format(day=day.isoformat())
    if not cache.add(sent_key, True, timeout=int(timedelta(days=2).total_seconds())):
        return 0
    days = rules.idle_days()
    subject = f"{settings.ATS_SITE_NAME}: " + ngettext(
        "%(count)d application is waiting for a decision",
        "%(count)d applications are waiting for a decision",
        count,
    ) % {"count": count}
    body = (
        ngettext(
            "%(count)d application has had no decision and no change for more than %(days)d days.",
            "%(count)d applications have had no decision and no change for more than "
            "%(days)d days.",
            count,
        )
        % {"count": count, "days": days}
        + "\n"
        + _("Decide them, or record why they are kept, on the retention page:")
        + f"\n{settings.ATS_BASE_URL}{reverse('retention')}\n"
    )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in recipients]
    try:
        return send_mass_mail(messages)
    except Exception:
        cache.delete(sent_key)  # not sent: a retry may send it
        raise

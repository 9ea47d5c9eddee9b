"""Thin Celery adapters for emails to candidates. Tasks take ids, never personal data.

Registered by name ("ats.send_candidate_email"); ats/tasks.py imports this module so
that the worker's autodiscovery finds it.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

MAX_RETRIES = 8


class CandidateEmailNotSent(Exception):
    """Stands in for the transport's error in retries and logs: an SMTP or ESP error
    may quote the recipient's address."""


@shared_task(bind=True, name="ats.send_candidate_email", max_retries=MAX_RETRIES)
def send_candidate_email(self, email_id: int) -> bool:
    from anymail.exceptions import AnymailError, AnymailRecipientsRefused

    from ats.services.decisions import candidate_email_fail, candidate_email_send

    try:
        return candidate_email_send(email_id=email_id)
    except AnymailRecipientsRefused:
        # The ESP refuses this address (invalid, suppressed): retrying will not help.
        candidate_email_fail(email_id=email_id, reason="recipient_refused")
        logger.warning("mail: candidate email %s refused by the ESP", email_id)
        return False
    except (OSError, AnymailError) as exc:  # smtplib's errors are OSErrors
        reason = type(exc).__name__
        # In-process (no broker) there is no worker to retry later: HR sees "failed".
        if self.request.is_eager or self.request.retries >= self.max_retries:
            candidate_email_fail(email_id=email_id, reason=reason)
            logger.warning("mail: candidate email %s not sent: %s", email_id, reason)
            return False
        raise self.retry(
            exc=CandidateEmailNotSent(reason), countdown=30 * 2**self.request.retries
        ) from None

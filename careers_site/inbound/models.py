"""What the inbound channel remembers about a message: a keyed hash of its Message-ID
(never the id itself), so that a message delivered twice is ingested once, and the reply
it is owed until that reply is sent. Rows are purged after ATS_INBOUND_DEDUP_DAYS."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundMessage(models.Model):
    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted as an application")
        REFUSED = "refused", _("Refused with a reply")
        SILENCED = "silenced", _("Refused without a reply")

    # HMAC-SHA256 of the Message-ID under the secret key (of the whole message if it has
    # no Message-ID): equal ids give equal digests, and the digest names nobody.
    digest = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=16)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=32, blank=True)
    # No foreign key: the retention jobs erase applications without knowing this table;
    # a reply whose application is gone is not sent.
    application_id = models.BigIntegerField(null=True, blank=True)
    # The reply owed, held only until it is sent (then cleared).
    reply_to = models.EmailField(max_length=254, blank=True)
    reply_language = models.CharField(max_length=8, blank=True)
    reply_details = models.JSONField(default=dict, blank=True)
    reply_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "careers_site"
        verbose_name = _("inbound email")

    def __str__(self) -> str:
        return f"Inbound message #{self.pk}"

"""anymail's inbound signal -> the ingest service. Connected in careers_site.apps.

The ESP's webhook view has already checked the request (Mailgun: the HMAC signature
with ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]; Amazon SES: basic auth with
ANYMAIL["WEBHOOK_SECRET"] on the SNS subscription URL). An exception here answers
the ESP with an error, so that it delivers the message again: used only when nothing
was kept (InboundDeferred)."""

from __future__ import annotations

from anymail.signals import AnymailInboundEvent

from careers_site.inbound import tasks  # noqa: F401  (registers the reply task)
from careers_site.inbound.ingest import inbound_message_ingest

SOURCES = {"Mailgun": "mailgun", "Amazon SES": "amazon_ses"}


def on_inbound(sender, event: AnymailInboundEvent, esp_name: str, **kwargs) -> None:
    message = event.message
    size = None
    request = event.esp_event
    if hasattr(request, "META"):
        # Mailgun posts the message as a form: the request's length is the message's
        # size, even when an oversized file was not kept by the upload handler.
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    inbound_message_ingest(
        message=message,
        source=SOURCES.get(esp_name, esp_name.lower().replace(" ", "_"))[:16],
        envelope_sender=message.envelope_sender,
        envelope_recipient=message.envelope_recipient,
        size=size,
    )

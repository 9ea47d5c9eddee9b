"""One service for every emailed application, whichever way it arrived (an ESP's
webhook through anymail, or an operator's .eml/mbox files through the command).

In order: automatic mail (auto-replies, bounces, reports, list mail) is dropped
silently; a Message-ID seen before is ingested once; a sender over the rate limit is
refused (answered once per window, then silently); an oversized message or one with too
many files is refused with a reply; then the vacancy is found from the recipient's plus
address or the subject (else the application is unsolicited), every file goes through
the vault exactly as an upload does (a refused file is dropped and the applicant told
which and why; the rest is kept), the text becomes the cover letter, and the application
is made by the careers site's own service (same candidate rule, same merge rule). An
emailed application carries no consent: the acknowledgement offers signed links to give
them.

A fault on our side (storage down) raises InboundDeferred and keeps nothing, so that
the ESP redelivers the message (or the operator reruns the command): nothing valid is
lost. A scanner that is down only leaves the documents pending, as on the careers site.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage, Message

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ats.models import Channel, Document, Vacancy
from ats.vault.intake import CheckedUpload, document_check
from ats.vault.validate import UploadRejected
from careers_site.inbound import parse
from careers_site.inbound.models import InboundMessage
from careers_site.services import Submission, SubmissionRefused, application_submit

logger = logging.getLogger(__name__)

COVER_LETTER_NAME = "email-message.txt"
_MAX_BODY_CHARS = 100_000


class InboundDeferred(Exception):
    """Nothing was kept because of a fault on our side; deliver the message again later."""


@dataclass
class InboundResult:
    outcome: str  # accepted | refused | silenced | ignored | duplicate
    reason: str = ""
    application_id: int | None = None
    kept: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (file name, why)


def inbound_message_ingest(
    *,
    message: bytes | Message,
    source: str,
    envelope_sender: str | None = None,
    envelope_recipient: str | None = None,
    size: int | None = None,
) -> InboundResult:
    """Turn one inbound message into an application, a refusal with a reply, or nothing.

    `size` is what the transport saw, when it is larger than the bytes we were handed
    (a webhook that could not hold an oversized file still tells us how big it was)."""
    raw = message if isinstance(message, bytes) else _as_bytes(message)
    size = max(len(raw), size or 0)
    # A message object (anymail's) is read as it is: serialising and re-parsing it can
    # change an 8-bit attachment's bytes.
    headers = message if isinstance(message, EmailMessage) else parse.parse_headers(raw)
    envelope = parse.read_envelope(
        headers, envelope_sender=envelope_sender, envelope_recipient=envelope_recipient
    )
    if envelope.automatic:
        logger.info("inbound: message from %s ignored (%s)", source, envelope.automatic)
        return InboundResult("ignored", envelope.automatic)

    digest = message_digest(envelope.message_id, raw)
    if InboundMessage.objects.filter(digest=digest).exists():
        return InboundResult("duplicate")
    inbound_messages_purge()

    count = _sender_count(envelope.sender_address)
    if count > settings.ATS_INBOUND_RATE_LIMIT:
        # Answered once per window, so that a flood cannot turn us into a mail cannon.
        first = count == settings.ATS_INBOUND_RATE_LIMIT + 1
        return _refuse(digest, source, envelope, "rate_limited", {}, reply=first)

    if size > settings.ATS_INBOUND_MAX_MESSAGE_BYTES:
        return _refuse(digest, source, envelope, "too_large", {"size": size})

    parsed = message if isinstance(message, EmailMessage) else parse.parse_message(raw)
    content = parse.read_content(parsed)
    language = parse.guess_language(
        declared=envelope.content_language, text=f"{envelope.subject}\n{content.body}"
    )
    files = len(content.attachments) + len(content.unreadable)
    if files > settings.ATS_INBOUND_MAX_ATTACHMENTS:
        return _refuse(digest, source, envelope, "too_many_files", {"count": files}, language)

    vacancy, closed = _route(envelope)
    if closed is not None:
        return _refuse(
            digest, source, envelope, "vacancy_closed", {"title": closed.title}, language
        )

    with translation.override(language):
        checked, kept, dropped = _check_files(content)
    try:
        with transaction.atomic():
            record = InboundMessage.objects.create(
                digest=digest,
                received_at=timezone.now(),
                source=source,
                outcome=InboundMessage.Outcome.ACCEPTED,
                reply_to=envelope.sender_address,
                reply_language=language,
            )
            first_name, last_name = _split_name(envelope.sender_name)
            application, _created = application_submit(
                Submission(
                    vacancy=vacancy,
                    first_name=first_name,
                    last_name=last_name,
                    email=envelope.sender_address,
                    phone="",
                    channel=Channel.EMAIL,
                    submission_key=uuid.UUID(bytes=bytes.fromhex(digest)[:16], version=4),
                    language=language,
                    checked=checked,
                    send_confirmation=False,
                )
            )
            record.application_id = application.pk
            record.reply_details = {"kept": kept, "dropped": dropped}
            record.save(update_fields=["application_id", "reply_details"])
            _reply_after_commit(record)
    except IntegrityError:
        if InboundMessage.objects.filter(digest=digest).exists():
            return InboundResult("duplicate")  # the same message, delivered twice at once
        # Another race (two first messages from one new sender at once): nothing was
        # kept, and the next delivery will find the candidate.
        raise InboundDeferred("concurrent write") from None
    except SubmissionRefused as refused:
        if refused.transient:
            raise InboundDeferred("storage unavailable") from None
        # Our own limits on a whole application (the total size): told as they are.
        messages = [m for ms in refused.errors.values() for m in ms]
        return _refuse(digest, source, envelope, "refused", {"messages": messages}, language)
    logger.info(
        "inbound: application %s from %s (%d kept, %d dropped)",
        application.pk,
        source,
        len(kept),
        len(dropped),
    )
    return InboundResult(
        "accepted",
        application_id=application.pk,
        kept=[name for name, _ in kept],
        dropped=[(name, why) for name, why in dropped],
    )


def message_digest(message_id: str, raw: bytes) -> str:
    """A keyed hash of the Message-ID (of the whole message if it has none)."""
    material = f"id:{message_id}" if message_id else f"raw:{hashlib.sha256(raw).hexdigest()}"
    return hmac.new(
        settings.SECRET_KEY.encode(), f"inbound:{material}".encode(), hashlib.sha256
    ).hexdigest()


def inbound_messages_purge(*, now=None) -> int:
    """Forget messages older than ATS_INBOUND_DEDUP_DAYS (with any reply still owed)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ATS_INBOUND_DEDUP_DAYS)
    deleted, _ = InboundMessage.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def _as_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes()
    except (UnicodeError, LookupError, ValueError):
        return message.as_string().encode("utf-8", errors="replace")


def _sender_count(address: str) -> int:
    """Count one message from this sender in the window; the cache key is a keyed hash
    of the address, never the address (careers_site.ratelimit keys clients the same way)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), address.lower().encode(), hashlib.sha256
    ).hexdigest()[:32]
    key = f"ratelimit:inbound:{digest}"
    window = settings.ATS_INBOUND_RATE_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def _route(envelope: parse.Envelope) -> tuple[Vacancy | None, Vacancy | None]:
    """(the open vacancy named, the closed vacancy named): a draft is never found, and a
    message naming no vacancy we know is an unsolicited application."""
    candidates = parse.reference_candidates(
        recipients=envelope.recipients, subject=envelope.subject
    )
    if not candidates:
        return None, None
    found = {
        v.reference: v
        for v in Vacancy.objects.filter(reference__in=candidates).exclude(
            status=Vacancy.Status.DRAFT
        )
    }
    for reference in candidates:
        vacancy = found.get(reference)
        if vacancy is not None:
            return (vacancy, None) if vacancy.is_open else (None, vacancy)
    return None, None


def _kind(name: str) -> str:
    lowered = name.lower()
    if any(w in lowered for w in ("cv", "lebenslauf", "resume", "résumé", "curriculum")):
        return Document.Kind.CV
    if any(w in lowered for w in ("cover", "anschreiben", "motivation", "letter")):
        return Document.Kind.COVER_LETTER
    if any(w in lowered for w in ("zeugnis", "reference", "certificate", "referenz")):
        return Document.Kind.REFERENCE
    return Document.Kind.OTHER


def _check_files(
    content: parse.Content,
) -> tuple[list[tuple[str, CheckedUpload]], list[tuple[str, str]], list[tuple[str, str]]]:
    """Every file through the vault's checks (validation, then the scanner): the
    checked uploads, what was kept as (name, kind) and what was dropped as (name, why)."""
    checked: list[tuple[str, CheckedUpload]] = []
    kept: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    for name in content.unreadable:
        dropped.append((name, _("The attachment could not be read.")))
    for attachment in content.attachments:
        try:
            upload = document_check(name=attachment.name, data=attachment.data)
        except UploadRejected as refusal:
            dropped.append((attachment.name, refusal.message))
            continue
        checked.append((_kind(attachment.name), upload))
    # A file not named like a CV is still most likely the CV when nothing else is.
    if checked and not any(kind == Document.Kind.CV for kind, _ in checked):
        for index, (kind, upload) in enumerate(checked):
            if kind == Document.Kind.OTHER:
                checked[index] = (Document.Kind.CV, upload)
                break
    body = content.body[:_MAX_BODY_CHARS].strip()
    if body:
        try:
            letter = document_check(name=COVER_LETTER_NAME, data=(body + "\n").encode("utf-8"))
        except UploadRejected as refusal:
            dropped.append((COVER_LETTER_NAME, refusal.message))
        else:
            checked.append((Document.Kind.COVER_LETTER, letter))
    kept = [(upload.validated.display_name, kind) for kind, upload in checked]
    return checked, kept, dropped


def _split_name(display_name: str) -> tuple[str, str]:
    """ "Zoë Ñúñez-O'Brien" -> ("Zoë", "Ñúñez-O'Brien"); "Núñez, Zoë" -> ("Zoë", "Núñez")."""
    name = display_name.strip().strip('"')
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip()[:100], last.strip()[:100]
    first, _, last = name.rpartition(" ")
    if not first:
        return last[:100], ""
    return first.strip()[:100], last.strip()[:100]


def _refuse(
    digest: str,
    source: str,
    envelope: parse.Envelope,
    reason: str,
    details: dict,
    language: str | None = None,
    *,
    reply: bool = True,
) -> InboundResult:
    """Record the refusal (so that a redelivery is not refused twice) and owe a reply."""
    language = language or parse.guess_language(
        declared=envelope.content_language, text=envelope.subject
    )
    try:
        with transaction.atomic():
            record = InboundMessage.objects.create(
                digest=digest,
                received_at=timezone.now(),
                source=source,
                outcome=InboundMessage.Outcome.REFUSED
                if reply
                else InboundMessage.Outcome.SILENCED,
                reason=reason,
                reply_to=envelope.sender_address if reply else "",
                reply_language=language,
                reply_details={"reason": reason, **details} if reply else {},
            )
            if reply:
                _reply_after_commit(record)
    except IntegrityError:
        return InboundResult("duplicate")
    logger.info("inbound: message from %s refused (%s)", source, reason)
    return InboundResult("refused" if reply else "silenced", reason)


def _reply_after_commit(record: InboundMessage) -> None:
    from careers_site.inbound.tasks import send_inbound_reply

    # robust: a mail server that is down must not turn a stored application into an
    # error for the ESP (which would deliver it again); the task retries on its own.
    transaction.on_commit(lambda: send_inbound_reply.delay(record.pk), robust=True)

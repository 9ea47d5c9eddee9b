"""Reading an inbound message: what kind of mail it is, who sent it, where it goes, its
text and its files.

Headers are hints, never trusted for anything but routing: the sender's address and name
(who the application is from, where the reply goes), the recipient and subject (which
vacancy), the automatic-mail markers (whether to answer at all) and Content-Language
(the reply's language). A part's declared type and file name only name the file; the
vault sniffs the content and decides what it is.
"""

from __future__ import annotations

import email
import email.policy
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post", "List-Help", "Mailing-List")
_AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Failed-Recipients")
_ROBOT_LOCAL_PARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply"}


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass
class Envelope:
    """The headers read before anything else (cheap even for a huge message)."""

    message_id: str
    sender_address: str
    sender_name: str
    recipients: list[str]
    subject: str
    content_language: str
    automatic: str  # why this is not a person's application ("" if it may be one)


@dataclass
class Content:
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # names of parts we could not read


def parse_message(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def parse_headers(raw: bytes) -> EmailMessage:
    return email.parser.BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a malformed header the policy cannot parse
        return ""
    return str(value).strip() if value is not None else ""


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs, RFC 2047 decoded, tolerant of malformed headers."""
    try:
        header = message.get(name)
        if header is not None and getattr(header, "addresses", None):
            return [(a.display_name or "", a.addr_spec or "") for a in header.addresses]
    except Exception:  # noqa: S110  (fall back to the lenient parser below)
        pass
    values = [str(v) for v in message.get_all(name, [])]
    return [(n, a) for n, a in getaddresses(values) if a]


def read_envelope(
    message: Message, *, envelope_sender: str | None = None, envelope_recipient: str | None = None
) -> Envelope:
    senders = _addresses(message, "From")
    name, address = senders[0] if senders else ("", "")
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        address = ""
    recipients = [a for _, a in _addresses(message, "To") + _addresses(message, "Cc")]
    for extra in ("Delivered-To", "X-Original-To"):
        recipients += [a for _, a in _addresses(message, extra)]
    if envelope_recipient:
        recipients.insert(0, envelope_recipient)
    language = _header(message, "Content-Language").split(",")[0].strip().lower()[:2]
    return Envelope(
        message_id=_header(message, "Message-ID").strip("<> \t"),
        sender_address=address,
        sender_name=" ".join(name.split()),
        recipients=recipients,
        subject=" ".join(_header(message, "Subject").split()),
        content_language=language,
        automatic=automatic_reason(message, address, envelope_sender),
    )


def automatic_reason(message: Message, sender: str, envelope_sender: str | None) -> str:
    """Why a message is not a person writing to us: an auto-reply, a bounce, a delivery
    report, list mail or our own mail come back ("" when it may be an application).
    Such messages are never answered (RFC 3834), so two robots cannot talk forever."""
    auto_submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_submitted"
    if _header(message, "Precedence").lower() in {"bulk", "list", "junk", "auto_reply"}:
        return "precedence"
    return_path = _header(message, "Return-Path")
    if (return_path and parseaddr(return_path)[1] == "") or envelope_sender == "":
        return "null_sender"
    if any(message.get(h) is not None for h in _AUTOREPLY_HEADERS):
        return "autoreply"
    if any(message.get(h) is not None for h in _LIST_HEADERS):
        return "mailing_list"
    content_type = message.get_content_type()
    if content_type == "multipart/report" or content_type.startswith("message/delivery-status"):
        return "report"
    if not sender:
        return "no_sender"
    if sender.split("@")[0].lower() in _ROBOT_LOCAL_PARTS:
        return "robot_sender"
    ours = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    if sender.lower() == ours:
        return "own_mail"
    return ""


# --- Body and attachments ---------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """HTML to plain text with the standard library: text and line breaks, nothing
    else. The HTML is never rendered, its links never followed, its scripts never run."""

    _SKIP = {"script", "style", "head", "title", "template", "noscript"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return tidy_text("".join(extractor.parts))


def tidy_text(text: str) -> str:
    """Lines stripped of trailing blanks, at most one empty line in a row."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return tidy_text(content)


def _body_of(message: Message) -> tuple[str, Message | None]:
    if not isinstance(message, EmailMessage):
        return "", None
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", None
    return _text_of(part), part


def read_content(message: EmailMessage) -> Content:
    """The body (HTML converted to text) and every file in the message.

    A forwarded message (message/rfc822) is opened: its files are the applicant's files,
    and its text is the body when the outer message has none ("see my application
    below"). Its headers are ignored. winmail.dat (TNEF) is unpacked into its files.
    Inline images of an HTML body (a signature's logo) are not files of the application.
    """
    body, body_part = _body_of(message)
    content = Content(body=body)
    forwarded_bodies: list[str] = []
    for part in message.walk():
        if part is body_part or part.is_multipart():
            if part.get_content_type() == "message/rfc822" and part is not message:
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(inner, Message):
                    forwarded_bodies.append(_body_of(inner)[0])
            continue
        content_type = part.get_content_type()
        name = _filename(part)
        disposition = part.get_content_disposition()
        if name is None:
            if content_type.startswith("text/") or content_type.startswith("multipart/"):
                continue  # another rendering of the body, or a forwarded message's text
            if disposition == "inline" and part.get("Content-ID"):
                continue  # an image the HTML shows inline
            name = "attachment" + (mimetypes.guess_extension(content_type) or "")
        elif (
            disposition == "inline" and part.get("Content-ID") and content_type.startswith("image/")
        ):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            content.unreadable.append(name)
            continue
        if content_type in TNEF_TYPES or name.lower() == "winmail.dat":
            _unpack_tnef(name, data, content)
        else:
            content.attachments.append(Attachment(name=name, data=data))
    if not content.body:
        content.body = next((text for text in forwarded_bodies if text), "")
    return content


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return str(name).strip() or None if name else None


def _unpack_tnef(name: str, data: bytes, content: Content) -> None:
    """Outlook's winmail.dat: its files become the message's files; its text becomes the
    body if the message has none. An unreadable one is reported, never silently lost."""
    from tnefparse import TNEF

    try:
        tnef = TNEF(data)
    except Exception:
        content.unreadable.append(name)
        return
    for attachment in tnef.attachments:
        try:
            inner_name = attachment.long_filename() or attachment.name
        except Exception:
            inner_name = ""
        if isinstance(inner_name, bytes):
            inner_name = inner_name.decode("utf-8", errors="replace")
        inner_name = str(inner_name).strip("\x00 ") or "attachment"
        if attachment.data:
            content.attachments.append(Attachment(name=inner_name, data=bytes(attachment.data)))
    if not content.body and tnef.body:
        body = tnef.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        content.body = tidy_text(body.strip("\x00"))


# --- Language -----------------------------------------------------------------------------

_WORDS = {
    "de": {
        "und", "ich", "sehr", "geehrte", "geehrter", "bewerbung", "bewerbe", "mit", "freundlichen",
        "grüßen", "grüße", "die", "der", "das", "nicht", "für", "mich", "ihre", "stelle", "anbei",
        "lebenslauf", "anschreiben", "hallo",
    },
    "en": {
        "the", "and", "dear", "application", "apply", "regards", "sincerely", "am", "for", "with",
        "my", "position", "attached", "resume", "hello", "kind", "best",
    },
}  # fmt: skip


def guess_language(*, declared: str, text: str) -> str:
    """The reply's language: Content-Language if we speak it, else the language whose
    common words the text uses most, else the site's default."""
    offered = {code for code, _ in settings.LANGUAGES}
    if declared in offered:
        return declared
    words = re.findall(r"[^\W\d_]+", text.lower())[:2000]
    scores = {code: sum(w in vocabulary for w in words) for code, vocabulary in _WORDS.items()}
    best = max(scores, key=scores.get)
    if scores[best] >= 2 and best in offered and list(scores.values()).count(scores[best]) == 1:
        return best
    return settings.LANGUAGE_CODE


# --- Routing ------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9]{4,16}")


def reference_candidates(*, recipients: list[str], subject: str) -> list[str]:
    """Vacancy references this message may name, most specific first: the tag of a plus
    address (jobs+<reference>@...), then any word of the subject."""
    found: list[str] = []
    for address in recipients:
        local = address.rsplit("@", 1)[0]
        if "+" in local:
            found.append(local.split("+", 1)[1].strip().upper())
    found += [token.upper() for token in _TOKEN.findall(subject)]
    return list(dict.fromkeys(f for f in found if f))

"""Real emails for the inbound tests, built with the standard library and written as
.eml (and mbox) files, the way a mail client or an MTA would hand them over.

winmail.dat: tnefparse reads TNEF but has no writer, so `tnef()` writes the format
byte by byte after [MS-OXTNEF] 2.1: the signature 0x223E9F78, a legacy key, then
attributes, each a level byte (1 message, 2 attachment), the attribute id as a
little-endian 32-bit number (type in the high word), the data length, the data and a
16-bit checksum (the sum of the data bytes modulo 65536). An attachment starts with
attAttachRendData and carries attAttachTitle (its name) and attAttachData (its bytes).
"""

from __future__ import annotations

import struct
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from tests import vault_files

JOBS = "jobs@hirewell.example"
ZOE = Address("Zoë Ñúñez-O'Brien", "zoe", "example.org")


def message(
    *,
    sender: Address | str = ZOE,
    to: str = JOBS,
    subject: str = "Application",
    body: str | None = "Dear team,\n\nplease find my CV attached.\n\nKind regards\nZoë\n",
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    if body is not None:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    for name, data, content_type in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    # After the content: setting the content clears Content-* headers (Content-Language).
    for name, value in (headers or {}).items():
        msg[name] = value
    return msg


PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def with_cv_and_letter(**kwargs) -> EmailMessage:
    """Multipart with a PDF CV and a DOCX reference, non-ASCII names in encoded headers
    (the standard library writes them RFC 2047 encoded) and a non-ASCII file name
    (RFC 2231 encoded)."""
    return message(
        attachments=[
            ("Lebenslauf Zoë.pdf", vault_files.pdf("Zoë's CV"), PDF_TYPE),
            ("Arbeitszeugnis.docx", vault_files.docx("A reference"), DOCX_TYPE),
        ],
        **kwargs,
    )


def _tnef_attribute(level: int, attribute_id: int, data: bytes) -> bytes:
    checksum = sum(data) % 65536
    return struct.pack("<BII", level, attribute_id, len(data)) + data + struct.pack("<H", checksum)


ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F


def tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A winmail.dat carrying these files."""
    blob = struct.pack("<IH", 0x223E9F78, 0x0001)
    blob += _tnef_attribute(1, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    blob += _tnef_attribute(1, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    for name, data in files:
        blob += _tnef_attribute(2, ATT_ATTACH_REND_DATA, struct.pack("<HiiiI", 1, -1, -1, 0, 0))
        blob += _tnef_attribute(2, ATT_ATTACH_TITLE, name.encode("ascii") + b"\x00")
        blob += _tnef_attribute(2, ATT_ATTACH_DATA, data)
    return blob


def with_winmail_dat() -> EmailMessage:
    return message(
        attachments=[
            (
                "winmail.dat",
                tnef([("cv.pdf", vault_files.pdf("CV in TNEF")), ("notes.txt", b"Notes\n")]),
                "application/ms-tnef",
            )
        ]
    )


def forwarding(inner: EmailMessage, *, body: str | None = None) -> EmailMessage:
    """A message forwarding `inner` as an attachment (message/rfc822)."""
    outer = message(body=body if body is not None else "", attachments=[])
    if body is None:
        outer.set_content("")
    outer.add_attachment(inner)
    return outer


def html_only() -> EmailMessage:
    return message(
        body=None,
        html=(
            "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
            "<body><p>Sehr geehrte Damen und Herren,</p><p>anbei meine Bewerbung &amp; "
            "mein Lebenslauf.</p><img src='https://tracker.example/p.gif'>"
            "<p>Mit freundlichen Grüßen<br>Zoë</p></body></html>"
        ),
        attachments=[("cv.pdf", vault_files.pdf("CV"), PDF_TYPE)],
    )


def auto_reply() -> EmailMessage:
    return message(
        subject="Automatic reply: Out of office",
        body="I am out of the office until Monday.",
        headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
    )


def bounce() -> bytes:
    """A delivery status notification (RFC 3464) from the mailer daemon, null sender."""
    return (
        "Return-Path: <>\r\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        f"To: {JOBS}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.org')}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/plain\r\n\r\n"
        "This is the mail system. Your message could not be delivered.\r\n"
        "--r\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--r--\r\n"
    ).encode()


def large(total_bytes: int = 30 * 1024 * 1024) -> bytes:
    """A message of about `total_bytes`, built as bytes (a base64 body of one repeated
    line), fast to build and to refuse."""
    head = (
        f"From: {ZOE}\r\nTo: {JOBS}\r\nSubject: Application\r\n"
        f"Message-ID: {make_msgid(domain='example.org')}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain\r\n\r\nMy CV.\r\n--b\r\n"
        'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="cv.pdf"'
        "\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    line = b"QUFB" * 19 + b"\r\n"
    body = line * (total_bytes // len(line) + 1)
    return head + body + b"--b--\r\n"


def with_eicar() -> EmailMessage:
    return message(
        attachments=[
            ("cv.pdf", vault_files.pdf("Clean CV"), PDF_TYPE),
            ("virus.txt", vault_files.EICAR, "text/plain"),
        ]
    )


def write_eml(directory: Path, name: str, msg: EmailMessage | bytes) -> Path:
    path = directory / name
    path.write_bytes(msg if isinstance(msg, bytes) else msg.as_bytes())
    return path


def write_mbox(directory: Path, name: str, messages: list[EmailMessage]) -> Path:
    import mailbox

    path = directory / name
    box = mailbox.mbox(path)
    for msg in messages:
        box.add(msg)
    box.flush()
    box.close()
    return path

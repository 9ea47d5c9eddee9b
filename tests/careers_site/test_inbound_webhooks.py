"""Applications by email through anymail's inbound webhooks, for two ESPs: Mailgun
(HMAC signature with the webhook signing key) and Amazon SES (SNS notification, basic
auth with ANYMAIL["WEBHOOK_SECRET"]). A correctly and an incorrectly signed request
for each; the signal reaches the same service as the command."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from base64 import b64encode

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from ats.models import Application, Document
from careers_site.inbound.models import InboundMessage
from tests import vault_files
from tests.careers_site import eml

pytestmark = pytest.mark.django_db

SIGNING_KEY = "mailgun-signing-key-for-tests"
BASIC_AUTH = "anymail:webhook-secret-for-tests"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, client, django_capture_on_commit_callbacks, monkeypatch):
    from tests.ats.vault.conftest import use_local_storage

    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": BASIC_AUTH}
    real_post = client.post

    def post(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return real_post(*args, **kwargs)

    monkeypatch.setattr(client, "post", post)


def basic_auth(credentials: str = BASIC_AUTH) -> str:
    return "Basic " + b64encode(credentials.encode()).decode()


def mailgun_signature(key: str = SIGNING_KEY) -> dict[str, str]:
    timestamp, token = str(int(time.time())), uuid.uuid4().hex
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {"timestamp": timestamp, "token": token, "signature": signature.hexdigest()}


def mailgun_mime(client, message, *, key: str = SIGNING_KEY, recipient: str = eml.JOBS):
    """Mailgun's forward() to a URL containing "mime": the raw message as body-mime."""
    return client.post(
        "/anymail/mailgun/inbound_mime/",
        {
            "body-mime": message.as_string(),
            "recipient": recipient,
            "sender": "zoe@example.org",
            **mailgun_signature(key),
        },
        HTTP_AUTHORIZATION=basic_auth(),
    )


def mailgun_parsed(client, *, headers, body, files, key: str = SIGNING_KEY, recipient=eml.JOBS):
    """Mailgun's forward() in its "fully parsed" form: fields, and the files as uploads."""
    data = {
        "message-headers": json.dumps(headers),
        "body-plain": body,
        "recipient": recipient,
        "sender": "zoe@example.org",
        "attachment-count": str(len(files)),
        **mailgun_signature(key),
    }
    for index, (name, content, content_type) in enumerate(files, start=1):
        data[f"attachment-{index}"] = SimpleUploadedFile(name, content, content_type)
    return client.post("/anymail/mailgun/inbound/", data, HTTP_AUTHORIZATION=basic_auth())


def test_mailgun_raw_mime_with_a_good_signature_makes_an_application(client, vacancy_a):
    message = eml.message(
        to=f"jobs+{vacancy_a.reference}@hirewell.example",
        attachments=[("cv.pdf", vault_files.pdf("CV"), eml.PDF_TYPE)],
    )
    response = mailgun_mime(client, message)
    assert response.status_code == 200
    application = Application.objects.get()
    assert application.vacancy == vacancy_a and application.channel == "email"
    assert application.candidate.first_name == "Zoë"
    assert {d.display_name for d in application.documents.all()} == {
        "cv.pdf",
        "email-message.txt",
    }
    assert InboundMessage.objects.get().source == "mailgun"
    assert mail.outbox[0].to == ["zoe@example.org"]


def test_mailgun_with_a_wrong_signature_is_refused_and_nothing_kept(client):
    response = mailgun_mime(client, eml.with_cv_and_letter(), key="not-the-key")
    assert response.status_code == 400
    assert not Application.objects.exists() and not InboundMessage.objects.exists()
    assert mail.outbox == []


def test_mailgun_without_the_basic_auth_is_refused(client):
    data = {"body-mime": eml.message().as_string(), **mailgun_signature()}
    response = client.post("/anymail/mailgun/inbound_mime/", data)
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_mailgun_parsed_form_with_a_good_signature_keeps_the_uploaded_files(client):
    response = mailgun_parsed(
        client,
        headers=[
            ["From", "=?utf-8?q?Zo=C3=AB_=C3=91=C3=BA=C3=B1ez?= <zoe@example.org>"],
            ["To", eml.JOBS],
            ["Subject", "Bewerbung"],
            ["Message-Id", "<parsed-1@example.org>"],
        ],
        body="Sehr geehrte Damen und Herren,\nanbei mein Lebenslauf.\n",
        files=[
            ("Lebenslauf.pdf", vault_files.pdf("CV"), eml.PDF_TYPE),
            ("Zeugnis.docx", vault_files.docx("Ref"), eml.DOCX_TYPE),
        ],
    )
    assert response.status_code == 200
    application = Application.objects.get()
    assert (application.candidate.first_name, application.candidate.last_name) == ("Zoë", "Ñúñez")
    assert application.candidate.language == "de"
    assert {d.display_name for d in application.documents.all()} == {
        "Lebenslauf.pdf",
        "Zeugnis.docx",
        "email-message.txt",
    }


def test_a_mailgun_redelivery_of_the_same_message_is_ingested_once(client):
    message = eml.message(message_id="<once@example.org>")
    assert mailgun_mime(client, message).status_code == 200
    assert mailgun_mime(client, message).status_code == 200
    assert Application.objects.count() == 1 and len(mail.outbox) == 1


def test_a_30_mb_mailgun_post_is_refused_with_a_reply_though_the_file_was_not_kept(client):
    """Django keeps no upload over FILE_UPLOAD_MAX_MEMORY_SIZE (nothing reaches a temp
    file); the request's length still tells the service how large the message was."""
    response = mailgun_parsed(
        client,
        headers=[["From", "zoe@example.org"], ["To", eml.JOBS], ["Subject", "CV"]],
        body="My CV.",
        files=[("cv.pdf", b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024), eml.PDF_TYPE)],
    )
    assert response.status_code == 200
    assert not Application.objects.exists() and not Document.objects.exists()
    (reply,) = mail.outbox
    assert "we accept emails of at most 25 MB" in reply.body


def test_a_mailgun_auto_reply_is_accepted_by_the_webhook_and_dropped(client):
    assert mailgun_mime(client, eml.auto_reply()).status_code == 200
    assert not Application.objects.exists() and mail.outbox == []


# --- Amazon SES (receipt rule action: SNS, Base64 content) ----------------------------------


def ses_notification(
    message, *, recipient: str = eml.JOBS, s3_object: tuple[str, str] | None = None
) -> tuple[str, str]:
    """The SNS notification of an SES receipt rule: the message inline (SNS action), or
    the bucket and key where the S3 action stored it."""
    raw = message if isinstance(message, bytes) else message.as_bytes()
    ses_event = {
        "notificationType": "Received",
        "mail": {
            "source": "zoe@example.org",
            "messageId": uuid.uuid4().hex,
            "timestamp": "2026-11-29T10:00:00.000Z",
        },
        "receipt": {
            "recipients": [recipient],
            "spamVerdict": {"status": "PASS"},
            "action": {"type": "SNS", "encoding": "BASE64", "topicArn": "arn:aws:sns:x"},
        },
        "content": b64encode(raw).decode(),
    }
    if s3_object is not None:
        bucket, key = s3_object
        ses_event["receipt"]["action"] = {"type": "S3", "bucketName": bucket, "objectKey": key}
        del ses_event["content"]
    sns_id = str(uuid.uuid4())
    body = {
        "Type": "Notification",
        "MessageId": sns_id,
        "TopicArn": "arn:aws:sns:eu-west-1:111122223333:hirewell-inbound",
        "Message": json.dumps(ses_event),
        "Timestamp": "2026-11-29T10:00:00.000Z",
        "SignatureVersion": "1",
    }
    return json.dumps(body), sns_id


def ses_post(
    client,
    message,
    *,
    auth: str | None = BASIC_AUTH,
    recipient: str = eml.JOBS,
    s3_object: tuple[str, str] | None = None,
):
    body, sns_id = ses_notification(message, recipient=recipient, s3_object=s3_object)
    headers = {"HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification", "HTTP_X_AMZ_SNS_MESSAGE_ID": sns_id}
    if auth is not None:
        headers["HTTP_AUTHORIZATION"] = basic_auth(auth)
    return client.post(
        "/anymail/amazon_ses/inbound/", body, content_type="text/plain; charset=UTF-8", **headers
    )


def test_amazon_ses_with_the_right_basic_auth_makes_an_application(client, vacancy_b):
    response = ses_post(
        client,
        eml.with_cv_and_letter(),
        recipient=f"jobs+{vacancy_b.reference}@hirewell.example",
    )
    assert response.status_code == 200
    application = Application.objects.get()
    assert application.vacancy == vacancy_b and application.channel == "email"
    assert application.documents.count() == 3
    assert InboundMessage.objects.get().source == "amazon_ses"
    assert mail.outbox[0].subject == "Hirewell: We received your application"


def test_amazon_ses_with_a_wrong_basic_auth_is_refused_and_nothing_kept(client):
    response = ses_post(client, eml.with_cv_and_letter(), auth="anymail:wrong")
    assert response.status_code == 400
    assert not Application.objects.exists() and mail.outbox == []


def test_amazon_ses_without_credentials_is_challenged_first(client):
    response = ses_post(client, eml.with_cv_and_letter(), auth=None)
    assert response.status_code == 401 and "Basic" in response["WWW-Authenticate"]
    assert not Application.objects.exists()


def test_an_amazon_ses_bounce_is_dropped_silently(client):
    assert ses_post(client, eml.bounce()).status_code == 200
    assert not Application.objects.exists() and mail.outbox == []


def test_a_storage_fault_answers_the_esp_with_an_error_so_it_delivers_again(
    client, settings, tmp_path
):
    working = settings.STORAGES["documents"]
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {**working, "OPTIONS": {**working["OPTIONS"], "location": str(blocker)}},
    }
    client.raise_request_exception = False
    message = eml.with_cv_and_letter()
    assert ses_post(client, message).status_code == 500
    assert not Application.objects.exists() and not InboundMessage.objects.exists()
    settings.STORAGES = {**settings.STORAGES, "documents": working}
    assert ses_post(client, message).status_code == 200
    assert Application.objects.get().documents.count() == 3


def test_amazon_ses_s3_action_takes_a_message_too_large_for_sns(client, settings):
    """SNS carries at most 150 KB: larger messages reach us through the S3 action, which
    anymail downloads with boto3 (here from the real S3 server of CI)."""
    import boto3

    from tests import services

    options = services.s3_options()
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "AMAZON_SES_CLIENT_PARAMS": {
            "endpoint_url": options["endpoint_url"],
            "aws_access_key_id": options["access_key"],
            "aws_secret_access_key": options["secret_key"],
            "region_name": options["region_name"] or "us-east-1",
            "config": {"s3": {"addressing_style": "path"}},
        },
    }
    cv = vault_files.pdf("x" * 3_000_000)
    message = eml.message(attachments=[("cv.pdf", cv, eml.PDF_TYPE)])
    key = f"inbound-tests/{uuid.uuid4().hex}"
    s3 = boto3.client("s3", **settings.ANYMAIL["AMAZON_SES_CLIENT_PARAMS"] | {"config": None})
    s3.put_object(Bucket=options["bucket_name"], Key=key, Body=message.as_bytes())
    try:
        response = ses_post(client, message, s3_object=(options["bucket_name"], key))
    finally:
        s3.delete_object(Bucket=options["bucket_name"], Key=key)
    assert response.status_code == 200
    document = Document.objects.get(display_name="cv.pdf")
    assert document.size == len(cv) and document.application.channel == "email"

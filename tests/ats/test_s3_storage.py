from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from tests import services


def test_django_storages_puts_reads_and_deletes_an_object_on_the_s3_server():
    storage = S3Storage(**services.s3_options())
    key = f"tests/{secrets.token_hex(16)}"
    payload = secrets.token_bytes(64 * 1024)
    saved = storage.save(key, ContentFile(payload))
    try:
        assert saved == key
        with storage.open(key, "rb") as f:
            assert f.read() == payload
        assert storage.size(key) == len(payload)
    finally:
        storage.delete(key)
    assert not storage.exists(key)


def test_the_s3_server_checks_credentials():
    options = {**services.s3_options(), "secret_key": "not-the-secret"}
    storage = S3Storage(**options)
    try:
        storage.save(f"tests/{secrets.token_hex(8)}", ContentFile(b"x"))
    except Exception as exc:
        # A HEAD response has no body, so boto3 reports only the status for it.
        assert any(code in str(exc) for code in ("SignatureDoesNotMatch", "AccessDenied", "403"))
    else:
        raise AssertionError("a wrong secret key was accepted")

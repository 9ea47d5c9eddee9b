from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests import services


def test_it_reports_every_service(client, db):
    response = client.get("/healthz")
    body = response.json()
    assert set(body["services"]) == {"database", "storage", "scanner", "broker", "retention"}
    assert body["services"]["database"] == {"status": "ok"}
    assert body["services"]["storage"] == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_is_healthy_when_every_configured_service_answers(client, db):
    if services.REQUIRED:
        # In CI every service is configured, so none may be merely "not configured".
        services.clamd_address()
        services.redis_url()
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    if services.REQUIRED:
        assert {s["status"] for s in body["services"].values()} == {"ok"}


def test_a_stopped_scanner_and_broker_are_reported_down(client, db, settings):
    port = services.free_port()
    settings.CLAMD_HOST = "127.0.0.1"
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_PORT = port
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{services.free_port()}/0"
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["services"]["scanner"]["status"] == "down"
    assert body["services"]["broker"]["status"] == "down"
    assert body["services"]["database"]["status"] == "ok"


def test_a_stopped_object_store_is_reported_down(client, db, settings):
    port = services.free_port()
    settings.ATS_STORAGE = "s3"
    s3 = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "hirewell-down",
            "endpoint_url": f"http://127.0.0.1:{port}",
            "access_key": "unused",
            "secret_key": "unused-secret",
            "addressing_style": "path",
        },
    }
    settings.STORAGES = {**settings.STORAGES, "documents": s3}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["services"]["storage"]["status"] == "down"


def test_it_reveals_no_hosts_or_secrets(client, db, settings):
    settings.CLAMD_HOST = "127.0.0.1"
    settings.CLAMD_PORT = services.free_port()
    text = client.get("/healthz").content.decode()
    for secret in (settings.SECRET_KEY, "127.0.0.1", str(settings.CLAMD_PORT)):
        assert secret not in text
    for value in (os.environ.get("AWS_SECRET_ACCESS_KEY"), os.environ.get("DATABASE_URL")):
        if value:
            assert value not in text


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_only_answers_reads(client, db, method):
    assert getattr(client, method)("/healthz").status_code == 405


def test_the_database_probe_uses_the_configured_database(db):
    assert settings.DATABASES["default"]["ENGINE"] in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }

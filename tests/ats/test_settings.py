from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ats.config import database_from_url, email_from_url
from ats.env import env_bool, env_int, env_secret
from ats.varfiles import new_keyring, parse_keyring, read_or_create

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "ATS_DEBUG": "0",
    "ATS_SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-deploy-test-0123456789",
    "ATS_ALLOWED_HOSTS": "jobs.example.org",
    "ATS_KEYRING": new_keyring(),
    "CLAMD_HOST": "127.0.0.1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "ATS_EMAIL": "smtp://mail.example.org:587?starttls=1",
}
SERVICE_VARIABLES = (
    "ATS_DEBUG ATS_SECRET_KEY ATS_SECRET_KEY_FILE ATS_ALLOWED_HOSTS ATS_KEYRING ATS_KEYRING_FILE "
    "CLAMD_HOST CLAMD_PORT CLAMD_SOCKET CELERY_BROKER_URL ATS_EMAIL ATS_STORAGE DATABASE_URL "
    "AWS_S3_ENDPOINT_URL AWS_STORAGE_BUCKET_NAME AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY "
    "DJANGO_ALLOW_ASYNC_UNSAFE"
).split()


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with only the given Hirewell variables."""
    base = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    base.update({"ATS_VAR_DIR": str(tmp_path / "var")}, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ATS_SECRET_KEY"}
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "ATS_SECRET_KEY (or ATS_SECRET_KEY_FILE) is required in production" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_without_a_keyring_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ATS_KEYRING"}
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "ATS_KEYRING (or ATS_KEYRING_FILE) is required in production" in result.stderr


def test_debug_mode_on_a_public_host_refuses_to_start(tmp_path):
    result = manage(tmp_path, "check", **{**PRODUCTION_ENV, "ATS_DEBUG": "1"})
    assert result.returncode != 0
    assert "ATS_DEBUG=1 is refused for public host names" in result.stderr


def test_production_without_scanner_mail_or_broker_fails_its_checks(tmp_path):
    env = {
        k: v
        for k, v in PRODUCTION_ENV.items()
        if k not in {"CLAMD_HOST", "ATS_EMAIL", "CELERY_BROKER_URL"}
    }
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0
    for check_id in ("hirewell.E001", "hirewell.E002", "hirewell.E003"):
        assert check_id in result.stderr


def test_the_wsgi_application_refuses_to_start_without_a_scanner(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CLAMD_HOST"}
    base = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    base.update(env, ATS_VAR_DIR=str(tmp_path / "var"))
    result = subprocess.run(
        [sys.executable, "-c", "import ats.wsgi"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Hirewell cannot start: hirewell.E001: No virus scanner is configured." in result.stderr


def test_check_deploy_is_clean_in_a_production_configuration(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_development_mode_generates_private_secrets_in_the_var_dir(tmp_path):
    result = manage(tmp_path, "check", ATS_DEBUG="1")
    assert result.returncode == 0, result.stderr
    var = tmp_path / "var"
    for name in ("secret_key", "keyring.json", "hirewell.sqlite3"):
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600, name
    parse_keyring((var / "keyring.json").read_text(), source="test")
    assert len((var / "secret_key").read_text().strip()) >= 50


def test_a_generated_secret_is_kept_across_restarts(tmp_path):
    first = read_or_create(tmp_path / "s", lambda: "one")
    second = read_or_create(tmp_path / "s", lambda: "two")
    assert first == second == "one"


def test_env_readers_reject_bad_values_clearly(monkeypatch):
    monkeypatch.setenv("ATS_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="ATS_FLAG must be one of"):
        env_bool("ATS_FLAG")
    monkeypatch.setenv("ATS_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="ATS_NUMBER must be a whole number"):
        env_int("ATS_NUMBER", 1)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    (tmp_path / "secret").write_text("from-a-file\n")
    monkeypatch.delenv("ATS_THING", raising=False)
    monkeypatch.setenv("ATS_THING_FILE", str(tmp_path / "secret"))
    assert env_secret("ATS_THING") == "from-a-file"
    monkeypatch.setenv("ATS_THING", "direct")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("ATS_THING")


def test_a_keyring_with_a_short_key_is_refused():
    with pytest.raises(ImproperlyConfigured, match="is not 32 bytes"):
        parse_keyring(json.dumps({"active": "k1", "keys": {"k1": "c2hvcnQ="}}), source="X")
    with pytest.raises(ImproperlyConfigured, match="active key 'k2' is not in its keys"):
        parse_keyring(json.dumps({"active": "k2", "keys": {}}), source="X")
    with pytest.raises(ImproperlyConfigured, match="is not a keyring"):
        parse_keyring("k1=abc", source="X")


def test_database_urls_are_parsed():
    config = database_from_url("postgres://app:p%40ss@db.internal:6543/hirewell?sslmode=require")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("hirewell", "app", "p@ss")
    assert (config["HOST"], config["PORT"]) == ("db.internal", "6543")
    assert config["OPTIONS"]["sslmode"] == "require"
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"
    with pytest.raises(ImproperlyConfigured, match="only postgres:// and sqlite:///"):
        database_from_url("mysql://localhost/db")


def test_email_urls_are_parsed():
    smtp = email_from_url("smtp://user:secret@mail.example.org:587?starttls=1")
    assert smtp["EMAIL_HOST"] == "mail.example.org"
    assert (smtp["EMAIL_PORT"], smtp["EMAIL_USE_TLS"], smtp["EMAIL_USE_SSL"]) == (587, True, False)
    ses = email_from_url("anymail://amazon_ses")
    assert ses["EMAIL_BACKEND"] == "anymail.backends.amazon_ses.EmailBackend"
    assert email_from_url("console")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ImproperlyConfigured, match="ATS_EMAIL must be"):
        email_from_url("carrier-pigeon://loft")


def test_uploads_stay_in_memory_and_requests_are_capped(settings):
    assert settings.FILE_UPLOAD_HANDLERS == [
        "django.core.files.uploadhandler.MemoryFileUploadHandler"
    ]
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE > settings.ATS_MAX_APPLICATION_BYTES
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 10
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 200


def test_a_large_multipart_upload_creates_no_temporary_file(client, db, tmp_path, monkeypatch):
    import tempfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen: list[str] = []
    real = MemoryFileUploadHandler.file_complete

    def spy(self, file_size):
        uploaded = real(self, file_size)
        seen.append(type(uploaded).__name__)
        return uploaded

    monkeypatch.setattr(MemoryFileUploadHandler, "file_complete", spy)
    upload = SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024))
    # The login view reads request.POST, which parses the whole multipart body.
    client.post("/accounts/login/", {"username": "x", "password": "y", "cv": upload})
    assert seen == ["InMemoryUploadedFile"]
    assert list(tmp_path.iterdir()) == []


def test_beat_runs_the_retention_job_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["enforce-retention"]
    assert entry["task"] == "anonymizer.enforce_retention"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})

"""Real external services for tests: skipped on a bare machine, required in CI.

With ATS_REQUIRE_SERVICES=1 (as .ci/run sets it) a missing service fails the test
instead of skipping it, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REQUIRED = os.environ.get("ATS_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def missing(service: str, reason: str) -> None:
    message = f"{service} is not available: {reason}"
    if REQUIRED:
        pytest.fail(f"{message} (ATS_REQUIRE_SERVICES=1 requires it)", pytrace=False)
    pytest.skip(message)


def reachable(host: str, port: int, timeout: float = 2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        missing("Redis", "CELERY_BROKER_URL is not a redis:// URL")
    parts = urlsplit(url)
    if not reachable(parts.hostname or "127.0.0.1", parts.port or 6379):
        missing("Redis", "nothing answers at CELERY_BROKER_URL")
    return url


def s3_options() -> dict:
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not endpoint or not bucket:
        missing("S3", "AWS_S3_ENDPOINT_URL and AWS_STORAGE_BUCKET_NAME are not set")
    parts = urlsplit(endpoint)
    if not reachable(parts.hostname or "127.0.0.1", parts.port or 443):
        missing("S3", "nothing answers at AWS_S3_ENDPOINT_URL")
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "addressing_style": "path",
        "signature_version": "s3v4",
        "file_overwrite": False,
        "default_acl": None,
    }


def clamd_address() -> tuple[str, int]:
    host = os.environ.get("CLAMD_HOST", "")
    port = int(os.environ.get("CLAMD_PORT", "3310"))
    if not host:
        missing("clamd", "CLAMD_HOST is not set")
    if not reachable(host, port):
        missing("clamd", "nothing answers at CLAMD_HOST:CLAMD_PORT")
    return host, port


def smtp_maildir() -> Path:
    email = os.environ.get("ATS_EMAIL", "")
    maildir = os.environ.get("ATS_TEST_MAILDIR", "")
    if not email.startswith("smtp://") or not maildir:
        missing("SMTP sink", "ATS_EMAIL=smtp://... and ATS_TEST_MAILDIR are not set")
    parts = urlsplit(email)
    if not reachable(parts.hostname or "127.0.0.1", parts.port or 25):
        missing("SMTP sink", "nothing answers at ATS_EMAIL")
    return Path(maildir)


def chromium_path() -> str:
    path = os.environ.get("ATS_CHROMIUM", "/usr/bin/chromium")
    if not (Path(path).is_file() or shutil.which(path)):
        missing("Chromium", f"{path} is not installed")
    return path


def compose_binary() -> str:
    path = os.environ.get("ATS_COMPOSE_BIN", "")
    if not path or not Path(path).is_file():
        missing("docker compose", "ATS_COMPOSE_BIN does not name the compose v2 binary")
    return path

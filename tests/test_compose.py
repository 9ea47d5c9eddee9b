"""compose.yaml runs the production stack: every service the settings need is defined,
healthy-checked and wired to the application containers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ats.varfiles import new_keyring, new_secret_key
from tests import services

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    binary = services.compose_binary()
    # Only .env.example may supply values: the test's own ATS_* and AWS_* variables
    # (CI's services) would otherwise override the file's defaults.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "DOCKER_CONFIG") if k in os.environ}
    result = subprocess.run(
        [binary, "-f", "compose.yaml", "--env-file", ".env.example", "config", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def test_every_service_of_the_stack_is_defined(compose):
    defined = set(compose["services"])
    assert {"web", "worker", "beat", "postgres", "redis", "s3", "clamav", "mailpit"} <= defined


def test_long_running_services_have_health_checks(compose):
    for name, service in compose["services"].items():
        if name in {"migrate", "s3-init"}:
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_application_containers_are_wired_to_the_services(compose, name):
    service = compose["services"][name]
    env = service["environment"]
    defined = set(compose["services"])
    assert env["ATS_DEBUG"] in {"0", "false", "off", ""}
    assert env["ATS_STORAGE"] == "s3"
    assert host_of(env["DATABASE_URL"]) == "postgres"
    assert host_of(env["CELERY_BROKER_URL"]) == "redis"
    assert host_of(env["AWS_S3_ENDPOINT_URL"]) == "s3"
    assert env["CLAMD_HOST"] == "clamav"
    assert host_of(env["ATS_EMAIL"]) in defined
    for needed in ("ATS_SECRET_KEY", "ATS_KEYRING", "ATS_ALLOWED_HOSTS", "AWS_SECRET_ACCESS_KEY"):
        assert env.get(needed), f"{name} lacks {needed}"
    waits_for = set(service.get("depends_on", {}))
    assert {"postgres", "redis", "s3", "clamav"} <= waits_for


def test_exactly_one_beat_runs(compose):
    beats = [s for s in compose["services"].values() if "beat" in " ".join(s.get("command") or [])]
    assert len(beats) == 1
    assert beats[0].get("deploy", {}).get("replicas", 1) == 1


def test_the_web_environment_passes_the_production_checks(compose):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ATS_", "AWS_", "CLAMD_", "CELERY_", "DATABASE_", "DJANGO_ALLOW"))
    }
    env.update(compose["services"]["web"]["environment"])
    # .env.example holds placeholders where an operator puts generated secrets.
    env["ATS_SECRET_KEY"] = new_secret_key()
    env["ATS_KEYRING"] = new_keyring()
    env["ATS_VAR_DIR"] = "/tmp/hirewell-compose-check"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.contrib.auth.models import User
from django.utils import timezone


def login(client, password: str, username: str = "hanna", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_repeated_failures_lock_the_login_with_a_clear_message(client, hanna):
    for _ in range(5):
        assert b"Please enter a correct username" in login(client, "wrong").content
    locked = login(client, "correct horse battery")
    assert b"Too many failed attempts" in locked.content
    assert "_auth_user_id" not in client.session


def test_a_forged_forwarded_for_does_not_reset_the_count(client, hanna):
    for i in range(5):
        login(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert b"Too many failed attempts" in login(client, "correct horse battery").content


def test_other_accounts_from_elsewhere_are_not_locked_out(client, hanna, max_manager):
    for _ in range(5):
        login(client, "wrong")
    other = login(client, "correct horse battery", username="max", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_a_success_clears_the_failures(client, hanna):
    for _ in range(4):
        login(client, "wrong")
    assert login(client, "correct horse battery").status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "wrong")
    assert login(client, "correct horse battery").status_code == 302


def test_the_admin_login_is_throttled_too(client, db):
    User.objects.create_superuser("root", "root@example.org", "correct horse battery")
    for _ in range(5):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    response = client.post(
        "/admin/login/", {"username": "root", "password": "correct horse battery"}
    )
    assert b"Too many failed attempts" in response.content


def test_a_password_change_ends_the_other_sessions(client, hanna):
    other = type(client)()
    other.force_login(hanna)
    assert other.get("/recruit/").status_code == 200
    hanna.set_password("another long passphrase")
    hanna.save()
    assert other.get("/recruit/").status_code == 302


def test_a_deactivated_account_is_logged_out_on_its_next_request(client, hanna):
    client.force_login(hanna)
    hanna.is_active = False
    hanna.save()
    assert client.get("/recruit/").status_code == 302


def test_a_session_expires_after_the_idle_time(client, hanna, settings):
    client.force_login(hanna)
    assert client.get("/recruit/").status_code == 200
    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 5)
    with time_machine.travel(later, tick=False):
        assert client.get("/recruit/").status_code == 302


def test_logout_ends_the_session(client, hanna):
    client.force_login(hanna)
    client.post("/accounts/logout/")
    assert client.get("/recruit/").status_code == 302


def test_the_lockout_holds_across_processes(client, db, settings, tmp_path):
    """Failures counted by another process (another gunicorn worker) lock this one out:
    the counters live in the shared cache (Redis), not in a process."""
    import os
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    from tests import services

    redis = services.redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis,
            "KEY_PREFIX": "hirewell",
        }
    }
    username = f"locked-{secrets.token_hex(4)}"
    User.objects.create_user(username, password="correct horse battery")
    script = (
        "from ats.login_throttle import record_failure\n"
        f"for _ in range(5): record_failure({username!r}, '127.0.0.1')\n"
    )
    env = {
        **os.environ,
        "ATS_DEBUG": "1",
        "ATS_VAR_DIR": str(tmp_path / "var"),
        "ATS_SECRET_KEY": settings.SECRET_KEY,
        "ATS_CACHE_URL": redis,
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    response = login(client, "correct horse battery", username=username)
    assert b"Too many failed attempts" in response.content

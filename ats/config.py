"""Turn the URL-shaped environment variables into Django settings dictionaries."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def database_from_url(url: str, *, name: str = "DATABASE_URL") -> dict:
    """postgres://user:password@host:port/dbname?sslmode=require, or sqlite:////absolute/path
    (sqlite:///relative/path is relative to the working directory)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)[1:]
        if not path:
            raise ImproperlyConfigured(f"{name}: a sqlite URL needs a file path: sqlite:////path.")
        return _sqlite(Path(path))
    if parts.scheme not in _POSTGRES_SCHEMES:
        raise ImproperlyConfigured(f"{name}: only postgres:// and sqlite:/// URLs are supported.")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ImproperlyConfigured(f"{name}: the URL names no database.")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5, **options},
    }


def sqlite_database(path: Path) -> dict:
    """The embedded default database. The file is created private (0600) before SQLite
    creates it with the umask's mode, since it will hold personal data."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return _sqlite(path)


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Reuse a connection across requests: opening one runs the PRAGMAs below and
        # registers Django's SQL functions, about 1 ms a request.
        "CONN_MAX_AGE": 60,
        # WAL and a busy timeout let the web process and a worker share the file.
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def email_from_url(url: str, *, name: str = "ATS_EMAIL") -> dict:
    """console | smtp://user:pass@host:port[?starttls=1|ssl=1] | anymail://<esp>.

    Returns the Django email settings for it; an anymail ESP reads its credentials
    from ANYMAIL_* variables (see the README).
    """
    if url in ("", "console"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme == "smtp":
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or 25,
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": query.get("starttls") == "1",
            "EMAIL_USE_SSL": query.get("ssl") == "1",
            "EMAIL_TIMEOUT": 10,
        }
    if parts.scheme == "anymail" and parts.netloc:
        esp = parts.netloc.lower()
        module = {"amazon_ses": "amazon_ses", "ses": "amazon_ses"}.get(esp, esp)
        return {"EMAIL_BACKEND": f"anymail.backends.{module}.EmailBackend"}
    raise ImproperlyConfigured(
        f"{name} must be 'console', smtp://user:pass@host:port or anymail://<esp>."
    )

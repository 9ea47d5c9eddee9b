"""The one settings module. Production differs from development only by environment.

Every variable is listed in the README. Development mode (ATS_DEBUG=1) runs on a bare
machine with embedded defaults: SQLite, local storage and a generated secret key and
keyring in the var dir, tasks run in-process, mail printed to the console.
"""

from __future__ import annotations

import os
from pathlib import Path

from botocore.config import Config as BotoConfig
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_noop

from ats.config import database_from_url, email_from_url, sqlite_database
from ats.env import env_bool, env_int, env_list, env_secret, env_str
from ats.varfiles import new_keyring, new_secret_key, parse_keyring, read_or_create

BASE_DIR = Path(__file__).resolve().parent.parent

DEVELOPMENT = env_bool("ATS_DEBUG", False)
DEBUG = DEVELOPMENT

VAR_DIR = Path(env_str("ATS_VAR_DIR", "var"))
if not VAR_DIR.is_absolute():
    VAR_DIR = BASE_DIR / VAR_DIR

# --- Secrets ---------------------------------------------------------------------------

SECRET_KEY = env_secret("ATS_SECRET_KEY")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "ATS_SECRET_KEY (or ATS_SECRET_KEY_FILE) is required in production. "
            "Set ATS_DEBUG=1 for a development instance with a generated key."
        )
    SECRET_KEY = read_or_create(VAR_DIR / "secret_key", new_secret_key)

# The keyring's file, when it has one, is re-read when it changes, so that every
# process sees a key added by rotate_keys (ats/vault/keys.py).
ATS_KEYRING_PATH = env_str("ATS_KEYRING_FILE") or None
_keyring_raw = env_secret("ATS_KEYRING")
if _keyring_raw:
    ATS_KEYRING = parse_keyring(_keyring_raw, source="ATS_KEYRING")
elif DEVELOPMENT:
    ATS_KEYRING_PATH = str(VAR_DIR / "keyring.json")
    ATS_KEYRING = parse_keyring(
        read_or_create(VAR_DIR / "keyring.json", new_keyring), source=ATS_KEYRING_PATH
    )
else:
    raise ImproperlyConfigured(
        "ATS_KEYRING (or ATS_KEYRING_FILE) is required in production: JSON "
        '{"active": "k1", "keys": {"k1": "<base64 of 32 random bytes>"}}.'
    )

# --- Hosts and HTTPS -------------------------------------------------------------------

LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = env_list("ATS_ALLOWED_HOSTS", LOCAL_HOSTS if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ATS_ALLOWED_HOSTS is required in production (comma-separated).")
if DEBUG and set(ALLOWED_HOSTS) - set(LOCAL_HOSTS):
    # Debug pages show settings, SQL and request data: personal data for anyone
    # who can make a page fail. They are for a developer's own machine only.
    raise ImproperlyConfigured(
        "ATS_DEBUG=1 is refused for public host names in ATS_ALLOWED_HOSTS: debug mode "
        "is for a developer's machine (localhost) only. Unset ATS_DEBUG in production."
    )
CSRF_TRUSTED_ORIGINS = env_list("ATS_CSRF_TRUSTED_ORIGINS")
if env_bool("ATS_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_SSL_REDIRECT = env_bool("ATS_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("ATS_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("ATS_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

# --- Applications ----------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "anymail",
    "csp",
    "ats",
    "careers_site",
    "talentpool",
    "anonymizer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files: runserver serves them in development, WhiteNoise in production.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "ats.urls"
WSGI_APPLICATION = "ats.wsgi.application"
ASGI_APPLICATION = "ats.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ats.context_processors.site",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": database_from_url(_database_url)
    if _database_url
    else sqlite_database(VAR_DIR / "hirewell.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication --------------------------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
# Management lands on /stats/, recruiters on /recruit/ (ats.views.workspace.start).
LOGIN_REDIRECT_URL = "/accounts/start/"
LOGOUT_REDIRECT_URL = "/"

# --- Languages, time -------------------------------------------------------------------

LANGUAGE_CODE = "en"
# The language links name each language in itself. {% get_available_languages %} passes
# the names through gettext, and Django's German catalogue would say "Englisch": the
# project's catalogue keeps "English" (and "Deutsch" is in no catalogue at all).
LANGUAGES = [
    # Translators: the name of English in English, for the language links; keep it.
    ("en", gettext_noop("English")),
    ("de", "Deutsch"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("ATS_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static files and storage ----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

ATS_STORAGE = env_str("ATS_STORAGE", "local")
if ATS_STORAGE == "local":
    _documents_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(VAR_DIR / "documents"),
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
            "allow_overwrite": False,
        },
    }
elif ATS_STORAGE == "s3":
    _bucket = env_str("AWS_STORAGE_BUCKET_NAME")
    if not _bucket:
        raise ImproperlyConfigured("ATS_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _documents_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_secret("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_secret("AWS_SECRET_ACCESS_KEY") or None,
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "object_parameters": {"CacheControl": "no-store"},
            "client_config": BotoConfig(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }
else:
    raise ImproperlyConfigured("ATS_STORAGE must be 'local' or 's3'.")

STORAGES = {
    "default": _documents_storage,
    "documents": _documents_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads stay in memory: a CV's plaintext must never reach a temporary file.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
ATS_MAX_UPLOAD_BYTES = env_int("ATS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
ATS_MAX_APPLICATION_BYTES = env_int("ATS_MAX_APPLICATION_BYTES", 25 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = ATS_MAX_APPLICATION_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # the non-file part of a request
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
DATA_UPLOAD_MAX_NUMBER_FILES = 10
ATS_UPLOAD_EXTENSIONS = env_list(
    "ATS_UPLOAD_EXTENSIONS", ["pdf", "docx", "doc", "odt", "rtf", "txt", "png", "jpg"]
)
# Structural limits against zip bombs (DOCX and ODT are zip containers) and huge images.
ATS_ZIP_MAX_ENTRIES = env_int("ATS_ZIP_MAX_ENTRIES", 1000, minimum=10)
ATS_ZIP_MAX_UNCOMPRESSED_BYTES = env_int("ATS_ZIP_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)
ATS_ZIP_MAX_RATIO = env_int("ATS_ZIP_MAX_RATIO", 100, minimum=2)
ATS_IMAGE_MAX_PIXELS = env_int("ATS_IMAGE_MAX_PIXELS", 40_000_000, minimum=1)
# Objects with no document row (a crash between upload and commit) older than this
# are removed by the reconciler.
ATS_ORPHAN_GRACE_SECONDS = env_int("ATS_ORPHAN_GRACE_SECONDS", 3600, minimum=60)

# --- Virus scanner ---------------------------------------------------------------------

CLAMD_HOST = env_str("CLAMD_HOST")
CLAMD_PORT = env_int("CLAMD_PORT", 3310, minimum=1)
CLAMD_SOCKET = env_str("CLAMD_SOCKET")
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 30, minimum=1)

# --- Task queue ------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# Task modules outside an app's tasks.py (autodiscovery finds only those).
CELERY_IMPORTS = ("ats.tasks_requests", "careers_site.selfservice.tasks")
CELERY_BEAT_SCHEDULE = {
    "rescan-pending-documents": {"task": "ats.rescan_pending_documents", "schedule": 60.0},
    "remove-orphan-objects": {"task": "ats.remove_orphan_objects", "schedule": 3600.0},
    # Daily at 03:30 in CELERY_TIMEZONE (TIME_ZONE): manage.py enforce_retention's service.
    "enforce-retention": {
        "task": "anonymizer.enforce_retention",
        "schedule": crontab(hour=3, minute=30),
    },
    # Daily at 03:00, before the retention job: talent-pool entries past their expiry
    # are ended (their pool-only applications go at 03:30), then renewal requests and
    # reminders go out (each once).
    "talent-pool-daily": {
        "task": "talentpool.daily",
        "schedule": crontab(hour=3, minute=0),
    },
    # Daily at 07:00: HR is emailed how many undecided applications are idle (a count
    # and a link, no names); sent once a day however often the task is delivered.
    "retention-idle-digest": {
        "task": "anonymizer.idle_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    # Daily at 07:05: HR is emailed how many data subject requests are overdue or due soon.
    "data-requests-digest": {
        "task": "ats.requests_digest",
        "schedule": crontab(hour=7, minute=5),
    },
    # Hourly: expired self-service exports and sign-in links are deleted.
    "self-service-cleanup": {
        "task": "careers_site.self_service_cleanup",
        "schedule": 3600.0,
    },
    # Every 5 minutes (and after each retention run): the management statistics' cube
    # rebuilt in the background if the data changed, so no reader waits for it.
    "refresh-statistics": {
        "task": "anonymizer.refresh_statistics",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
}

# --- Cache (rate limits) ----------------------------------------------------------------

_cache_url = env_str("ATS_CACHE_URL") or (
    CELERY_BROKER_URL if (CELERY_BROKER_URL or "").startswith("redis") else ""
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CACHES["default"]["KEY_PREFIX"] = "hirewell"

# --- Email -----------------------------------------------------------------------------

_email = email_from_url(env_str("ATS_EMAIL", "console" if DEBUG else ""))
ATS_EMAIL_CONFIGURED = bool(env_str("ATS_EMAIL"))
globals().update(_email)
ATS_EMAIL_BACKEND = _email["EMAIL_BACKEND"]  # survives the test runner's locmem override
DEFAULT_FROM_EMAIL = env_str("ATS_EMAIL_FROM", "Hirewell <jobs@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}

# --- Product rules ---------------------------------------------------------------------

ATS_SITE_NAME = env_str("ATS_SITE_NAME", "Hirewell")
# Absolute links in emails. Production default: https:// and the first allowed host.
ATS_BASE_URL = env_str(
    "ATS_BASE_URL", "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}"
).rstrip("/")
ATS_PRIVACY_CONTACT = env_str("ATS_PRIVACY_CONTACT", "privacy@example.org")
# "How did you hear about us": the choices offered, in this order ("other" adds a text).
ATS_APPLICATION_CHANNELS = env_list(
    "ATS_APPLICATION_CHANNELS",
    ["careers_site", "job_board", "linkedin", "referral", "event", "other"],
)
# Applications per client address and hour; the address is hashed before it is stored.
ATS_APPLY_RATE_LIMIT = env_int("ATS_APPLY_RATE_LIMIT", 10, minimum=1)
ATS_APPLY_RATE_WINDOW_SECONDS = env_int("ATS_APPLY_RATE_WINDOW_SECONDS", 3600, minimum=1)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: ignore it).
ATS_TRUSTED_PROXY_COUNT = env_int("ATS_TRUSTED_PROXY_COUNT", 0, minimum=0)
ATS_APPLICATION_RETENTION_MONTHS = env_int("ATS_APPLICATION_RETENTION_MONTHS", 6, minimum=1)
ATS_TALENT_POOL_MONTHS = env_int("ATS_TALENT_POOL_MONTHS", 6, minimum=1)
# Talent pool renewal (docs/talent-pool.md): the request goes out this many days before
# an entry expires, a reminder at the second number; each once.
ATS_TALENT_POOL_RENEWAL_DAYS = env_int("ATS_TALENT_POOL_RENEWAL_DAYS", 30, minimum=1)
ATS_TALENT_POOL_REMINDER_DAYS = env_int("ATS_TALENT_POOL_REMINDER_DAYS", 7, minimum=0)
if ATS_TALENT_POOL_REMINDER_DAYS >= ATS_TALENT_POOL_RENEWAL_DAYS:
    raise ImproperlyConfigured(
        "ATS_TALENT_POOL_REMINDER_DAYS must be less than ATS_TALENT_POOL_RENEWAL_DAYS."
    )
# Undecided applications unchanged for this many days are listed for HR (never erased).
ATS_RETENTION_IDLE_DAYS = env_int("ATS_RETENTION_IDLE_DAYS", 180, minimum=1)
# Emergency switch: the retention job erases nothing and says so (docs/retention.md).
ATS_RETENTION_SUSPENDED = env_bool("ATS_RETENTION_SUSPENDED", False)
# Data subject rights (docs/self-service.md): the self-service's sign-in link and session.
ATS_SELF_SERVICE_LINK_MINUTES = env_int("ATS_SELF_SERVICE_LINK_MINUTES", 30, minimum=1)
ATS_SELF_SERVICE_SESSION_MINUTES = env_int("ATS_SELF_SERVICE_SESSION_MINUTES", 30, minimum=1)
# Sign-in links asked for per address (hashed) and per client address, per window.
ATS_SELF_SERVICE_LINK_RATE_LIMIT = env_int("ATS_SELF_SERVICE_LINK_RATE_LIMIT", 3, minimum=1)
ATS_SELF_SERVICE_IP_RATE_LIMIT = env_int("ATS_SELF_SERVICE_IP_RATE_LIMIT", 20, minimum=1)
ATS_SELF_SERVICE_RATE_WINDOW_SECONDS = env_int(
    "ATS_SELF_SERVICE_RATE_WINDOW_SECONDS", 3600, minimum=1
)
# Show the person the notes and evaluations about them (off: the public status only).
ATS_SELF_SERVICE_SHOW_INTERNAL = env_bool("ATS_SELF_SERVICE_SHOW_INTERNAL", False)
# Exports whose documents total more are built by a task and stored encrypted.
ATS_SELF_SERVICE_EXPORT_DIRECT_BYTES = env_int(
    "ATS_SELF_SERVICE_EXPORT_DIRECT_BYTES", 20 * 1024 * 1024, minimum=0
)
ATS_SELF_SERVICE_EXPORT_HOURS = env_int("ATS_SELF_SERVICE_EXPORT_HOURS", 48, minimum=1)
# The request desk: how long an emailed confirmation link is valid; "due soon" in days.
ATS_REQUEST_CONFIRMATION_HOURS = env_int("ATS_REQUEST_CONFIRMATION_HOURS", 72, minimum=1)
ATS_REQUEST_DUE_SOON_DAYS = env_int("ATS_REQUEST_DUE_SOON_DAYS", 7, minimum=1)
# Management statistics: a cell counting fewer records than this is suppressed
# (docs/statistics.md).
ATS_STATS_MIN_CELL = env_int("ATS_STATS_MIN_CELL", 10, minimum=2)

# --- Applications by email (careers_site/inbound, docs/inbound-email.md) ---------------

# Webhook secrets for anymail's inbound views, read like every secret (NAME or NAME_FILE).
for _name in ("WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY"):
    if env_secret(f"ANYMAIL_{_name}"):
        ANYMAIL[_name] = env_secret(f"ANYMAIL_{_name}")
# A message larger than this (attachments included) is refused with a reply.
ATS_INBOUND_MAX_MESSAGE_BYTES = env_int(
    "ATS_INBOUND_MAX_MESSAGE_BYTES", 25 * 1024 * 1024, minimum=1024
)
# More files than this in one message (winmail.dat and forwarded messages unpacked).
ATS_INBOUND_MAX_ATTACHMENTS = env_int("ATS_INBOUND_MAX_ATTACHMENTS", 10, minimum=1)
# Messages per sender address and window; the address is hashed before it is counted.
ATS_INBOUND_RATE_LIMIT = env_int("ATS_INBOUND_RATE_LIMIT", 10, minimum=1)
ATS_INBOUND_RATE_WINDOW_SECONDS = env_int("ATS_INBOUND_RATE_WINDOW_SECONDS", 3600, minimum=1)
# How long a Message-ID's keyed hash is remembered against redelivery.
ATS_INBOUND_DEDUP_DAYS = env_int("ATS_INBOUND_DEDUP_DAYS", 30, minimum=1)

# --- Logging: never personal data; see docs/ and STYLE.md ------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("ATS_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger prints the path of a failing request, which may
        # carry an id: keep it at error level, where only the status is new.
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}

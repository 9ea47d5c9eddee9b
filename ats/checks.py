"""Production refuses to run without the services privacy depends on.

These checks run with every management command and, through ats.wsgi and the
Celery app, before a web or worker process serves anything.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

TAG = "hirewell"


@checks.register(TAG)
def check_production_services(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEVELOPMENT:
        return []
    problems: list[checks.CheckMessage] = []
    if not (settings.CLAMD_HOST or settings.CLAMD_SOCKET):
        problems.append(
            checks.Error(
                "No virus scanner is configured.",
                hint="Set CLAMD_HOST/CLAMD_PORT or CLAMD_SOCKET: production never stores "
                "an unscanned upload.",
                id="hirewell.E001",
            )
        )
    if not settings.ATS_EMAIL_CONFIGURED:
        problems.append(
            checks.Error(
                "No email delivery is configured.",
                hint="Set ATS_EMAIL to smtp://... or anymail://<esp>.",
                id="hirewell.E002",
            )
        )
    if not settings.CELERY_BROKER_URL:
        problems.append(
            checks.Error(
                "No task broker is configured.",
                hint="Set CELERY_BROKER_URL (e.g. redis://...): retention jobs and scan "
                "retries need a worker and beat in production.",
                id="hirewell.E003",
            )
        )
    return problems


def fail_unless_ready() -> None:
    """Raise if any Hirewell check reports an error (called at process start)."""
    errors = [m for m in checks.run_checks(tags=[TAG]) if m.is_serious()]
    if errors:
        lines = "; ".join(f"{m.id}: {m.msg} {m.hint or ''}".strip() for m in errors)
        raise ImproperlyConfigured(f"Hirewell cannot start: {lines}")

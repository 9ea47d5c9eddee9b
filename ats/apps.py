from __future__ import annotations

from django.apps import AppConfig


class AtsConfig(AppConfig):
    name = "ats"
    verbose_name = "Applicant tracking"

    def ready(self) -> None:
        from ats import checks  # noqa: F401  (registers the system checks)

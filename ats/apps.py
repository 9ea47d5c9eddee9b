from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AtsConfig(AppConfig):
    name = "ats"
    verbose_name = _("Applicant tracking")

    def ready(self) -> None:
        from ats import (
            checks,  # noqa: F401  (registers the system checks)
            mail_tracking,  # noqa: F401  (connects the anymail tracking receiver)
        )

from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CareersSiteConfig(AppConfig):
    name = "careers_site"
    verbose_name = _("Careers site")

    def ready(self) -> None:
        from ats.models import Department, Vacancy
        from careers_site.page_cache import bump

        for model in (Vacancy, Department):
            post_save.connect(bump, sender=model, dispatch_uid=f"careers-cache-{model.__name__}")
            post_delete.connect(
                bump, sender=model, dispatch_uid=f"careers-cache-del-{model.__name__}"
            )

        # Applications by email: anymail's inbound webhooks hand messages to the ingest
        # service (careers_site/inbound/).
        from anymail.signals import inbound

        from careers_site.inbound.receivers import on_inbound

        inbound.connect(on_inbound, dispatch_uid="careers-inbound-email")

from __future__ import annotations

from django.apps import AppConfig


class AnonymizerConfig(AppConfig):
    name = "anonymizer"
    verbose_name = "Retention and statistics"

    def ready(self) -> None:
        # ats may not import anonymizer: the engine plugs itself into ats here, for the
        # erasure date and rule on the candidate file and the job's state in /healthz.
        from anonymizer.rules import application_deadline
        from anonymizer.selectors import retention_health
        from ats import retention
        from ats.health import register_probe

        retention.register(application_deadline)
        register_probe("retention", retention_health)

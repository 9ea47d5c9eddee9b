from __future__ import annotations

from django.apps import AppConfig


class AnonymizerConfig(AppConfig):
    name = "anonymizer"
    verbose_name = "Retention and statistics"

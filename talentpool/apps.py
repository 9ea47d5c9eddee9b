from __future__ import annotations

from django.apps import AppConfig


class TalentpoolConfig(AppConfig):
    name = "talentpool"
    verbose_name = "Talent pool"

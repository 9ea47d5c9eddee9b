"""The Celery app: configured from Django settings (CELERY_ namespace), tasks autodiscovered.

Without CELERY_BROKER_URL tasks run eagerly in-process, so a bare machine needs no broker.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ats.settings")

app = Celery("ats")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_to_start_unless_ready(**kwargs: object) -> None:
    from ats.checks import fail_unless_ready

    fail_unless_ready()

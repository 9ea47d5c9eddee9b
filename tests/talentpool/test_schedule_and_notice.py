"""The daily task's place in the beat schedule, and the one period setting shown where
people read it (the privacy notice, the pool's form) and applied where it counts."""

from __future__ import annotations

import time_machine
from django.conf import settings

from ats.models import Consent
from talentpool.services import pool_consent_give, pool_consent_text, pool_join
from tests.talentpool.membership import berlin


def test_the_daily_task_runs_before_the_retention_job():
    schedule = settings.CELERY_BEAT_SCHEDULE
    pool, retention = schedule["talent-pool-daily"], schedule["enforce-retention"]
    assert pool["task"] == "talentpool.daily"
    assert (pool["schedule"].hour, pool["schedule"].minute) == ({3}, {0})
    assert (retention["schedule"].hour, retention["schedule"].minute) == ({3}, {30})


def test_the_period_comes_from_one_setting(client, pool_site, zoe, settings):
    settings.ATS_TALENT_POOL_MONTHS = 4
    assert "for 4 months in our talent pool" in client.get("/privacy/").content.decode()
    assert "for 4 months" in client.get("/talent-pool/join/").content.decode()
    with time_machine.travel(berlin(2026, 8, 31, 9, 0), tick=False):
        consent = pool_consent_give(
            candidate=zoe, text=pool_consent_text("en"), via=Consent.Via.FORM
        )
        entry = pool_join(candidate=zoe, consent=consent, source="application_form")
    assert entry.expires_at == berlin(2026, 12, 31, 9, 0)

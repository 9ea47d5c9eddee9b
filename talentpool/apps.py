from __future__ import annotations

from django.apps import AppConfig


class TalentpoolConfig(AppConfig):
    name = "talentpool"
    verbose_name = "Talent pool"

    def ready(self) -> None:
        # ats may not import talentpool: the pool listens to ats's consent signal and
        # adds its offer to rejection emails through ats's registry.
        from ats.services.decisions import register_decision_email_addition
        from ats.signals import consent_withdrawn
        from talentpool.hooks import on_consent_withdrawn, rejection_pool_offer

        consent_withdrawn.connect(on_consent_withdrawn, dispatch_uid="talentpool-consent-withdrawn")
        register_decision_email_addition(rejection_pool_offer)

        from talentpool import receivers  # the pool search's index

        receivers.connect()

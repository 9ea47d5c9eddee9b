"""How the talent pool plugs into ats, which may not import it (DESIGN.md): connected
and registered by talentpool.apps.ready()."""

from __future__ import annotations

from django.template.loader import render_to_string

from ats.models import Application, Consent
from talentpool.links import join_offer_url
from talentpool.models import Source, TalentPoolEntry, pool_months

REJECT = "reject"


def on_consent_withdrawn(sender, *, consent: Consent, **kwargs) -> None:
    """A talent-pool consent withdrawn anywhere ends the current entry, by the same
    service as the pool's own withdraw link (which ends the entry before it withdraws
    the consents, so this finds nothing to do then: no loop)."""
    from talentpool.services import pool_withdraw_on_consent

    pool_withdraw_on_consent(consent=consent)


def rejection_pool_offer(*, application: Application, kind: str, language: str) -> str:
    """The paragraph a rejection email adds (ats.services.decisions): an offer to join
    the pool through a signed link, asked after the decision, when the choice is
    freest. Nothing for other decisions, or for someone in the pool already."""
    if kind != REJECT:
        return ""
    if TalentPoolEntry.objects.filter(candidate=application.candidate_id, ended_at=None).exists():
        return ""
    url = join_offer_url(
        application.candidate, source=Source.REJECTION_EMAIL, application_id=application.pk
    )
    return render_to_string(
        "emails/talentpool_rejection_offer.txt", {"join_url": url, "months": pool_months()}
    ).strip()

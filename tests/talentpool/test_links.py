"""The signed links of the pool's emails: expired, tampered, used twice, made for another
page or another person. Each shows a page that says so, with 400 or 410, and changes
nothing."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from ats.models import AuditEvent, Consent
from talentpool import links
from talentpool.models import PoolMonthlyCount, Source, TalentPoolEntry
from talentpool.services import pool_consent_give, pool_consent_text, pool_join


def member(candidate) -> TalentPoolEntry:
    consent = pool_consent_give(candidate=candidate, text=pool_consent_text("en"), via="form")
    return pool_join(candidate=candidate, consent=consent, source=Source.APPLICATION_FORM)


@pytest.fixture
def anna(db):
    from ats import services

    candidate, _ = services.candidate_get_or_create(
        email="anna@example.org", first_name="Anna", last_name="Schmidt", phone="+49 40 1234567"
    )
    return candidate


def state() -> tuple:
    """Everything a link could change."""
    return (
        list(
            TalentPoolEntry.objects.order_by("pk").values_list(
                "pk", "consent", "expires_at", "renewal_count", "ended_at", "end_reason"
            )
        ),
        list(Consent.objects.order_by("pk").values_list("pk", "withdrawn_at")),
        list(PoolMonthlyCount.objects.order_by("pk").values_list("kind", "count")),
        AuditEvent.objects.count(),
    )


def path(kind: str, token: str) -> str:
    return f"/talent-pool/{kind}/{token}/"


def tampered(token: str) -> str:
    """The same token with one character of its payload changed."""
    head, rest = token[0], token[1:]
    return ("A" if head != "A" else "B") + rest


def reassigned(token: str, **changes: int) -> str:
    """The payload rewritten to name someone else, the signature kept."""
    payload, _, signature = token.partition(":")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return forged.decode().rstrip("=") + ":" + signature


def assert_refused(client, url: str, status: int, text: str) -> None:
    before = state()
    for method in (client.get, client.post):
        response = method(url, {"text": "1"})
        assert response.status_code == status, (url, method)
        assert text in response.content.decode()
    assert state() == before


# --- Renewal -------------------------------------------------------------------------------


def test_a_renewal_link_renews_once_and_then_says_so(client, pool_site, zoe):
    entry = member(zoe)
    url = links.renewal_url(entry).removeprefix("http://testserver")
    page = client.get(url)
    assert page.status_code == 200
    text = pool_consent_text("en")
    assert text.text in page.content.decode()
    assert client.post(url, {"text": text.pk}).status_code == 200
    entry.refresh_from_db()
    assert entry.renewal_count == 1
    assert_refused(client, url, 410, "Already renewed")


def test_an_expired_renewal_link_changes_nothing(client, pool_site, zoe, settings):
    entry = member(zoe)
    url = links.renewal_url(entry).removeprefix("http://testserver")
    later = timezone.now() + timedelta(days=settings.ATS_TALENT_POOL_RENEWAL_DAYS + 2)
    with time_machine.travel(later, tick=False):
        assert_refused(client, url, 410, "This link has expired")


def test_a_tampered_renewal_link_changes_nothing(client, pool_site, zoe):
    entry = member(zoe)
    token = links.renewal_token(entry)
    assert_refused(client, path("renew", tampered(token)), 400, "This link is not valid")
    assert_refused(client, path("renew", token[:-3]), 400, "This link is not valid")


def test_a_renewal_link_cannot_be_turned_to_another_person(client, pool_site, zoe, anna):
    zoes, annas = member(zoe), member(anna)
    forged = reassigned(links.renewal_token(zoes), e=annas.pk, c=anna.pk)
    assert_refused(client, path("renew", forged), 400, "This link is not valid")


def test_a_renewal_of_an_ended_membership_is_refused(client, pool_site, zoe):
    entry = member(zoe)
    url = links.renewal_url(entry).removeprefix("http://testserver")
    TalentPoolEntry.objects.filter(pk=entry.pk).update(
        ended_at=timezone.now(), end_reason="expired"
    )
    assert_refused(client, url, 410, "This membership has ended")


def test_links_open_only_the_page_they_were_made_for(client, pool_site, zoe):
    entry = member(zoe)
    renew, withdraw = links.renewal_token(entry), links.withdraw_token(entry)
    offer = links.join_offer_token(zoe, source=Source.REJECTION_EMAIL)
    for kind, token in (
        ("renew", withdraw),
        ("renew", offer),
        ("withdraw", renew),
        ("withdraw", offer),
        ("offer", renew),
        ("offer", withdraw),
    ):
        assert_refused(client, path(kind, token), 400, "This link is not valid")
    # A token signed with another salt altogether (the careers site's consent links).
    careers = signing.dumps(
        {"c": entry.consent_id, "p": "talent_pool"}, salt="hirewell.consent.withdraw"
    )
    assert_refused(client, path("withdraw", careers), 400, "This link is not valid")


# --- Withdrawal ----------------------------------------------------------------------------


def test_a_withdraw_link_asks_first_and_works_once(client, pool_site, zoes_application):
    entry = member(zoes_application.candidate)  # her open application keeps her
    url = links.withdraw_url(entry).removeprefix("http://testserver")
    before = state()
    page = client.get(url)
    assert page.status_code == 200 and state() == before  # a GET changes nothing
    assert "Leave the talent pool" in page.content.decode()
    assert client.post(url).status_code == 200
    entry.refresh_from_db()
    assert entry.end_reason == "withdrawn"
    assert_refused(client, url, 410, "You have already left the talent pool")


def test_a_withdraw_link_still_works_after_a_renewal_and_never_expires(client, pool_site, zoe):
    entry = member(zoe)
    url = links.withdraw_url(entry).removeprefix("http://testserver")
    from talentpool.services import pool_renew

    pool_renew(entry=entry, consent_text=pool_consent_text("en"), via="email_link")
    with time_machine.travel(timezone.now() + timedelta(days=150), tick=False):
        assert client.post(url).status_code == 200
    # Held by nothing else, she is erased with it; the link then says nothing is left.
    assert not TalentPoolEntry.objects.exists()
    assert_refused(client, url, 410, "We no longer hold the data")


def test_a_tampered_or_reassigned_withdraw_link_changes_nothing(client, pool_site, zoe, anna):
    zoes, annas = member(zoe), member(anna)
    token = links.withdraw_token(zoes)
    assert_refused(client, path("withdraw", tampered(token)), 400, "This link is not valid")
    forged = reassigned(token, e=annas.pk, c=anna.pk)
    assert_refused(client, path("withdraw", forged), 400, "This link is not valid")


# --- Offers to join ------------------------------------------------------------------------


def test_an_offer_joins_once(client, pool_site, zoe):
    url = links.join_offer_url(zoe, source=Source.HR_INVITATION).removeprefix("http://testserver")
    page = client.get(url)
    assert page.status_code == 200 and not TalentPoolEntry.objects.exists()
    text = pool_consent_text("en")
    assert text.text in page.content.decode()
    assert client.post(url, {"text": text.pk}).status_code == 200
    entry = TalentPoolEntry.objects.get()
    assert entry.source == Source.HR_INVITATION
    assert entry.consent.given_via == Consent.Via.EMAIL_LINK and entry.consent.text == text
    assert_refused(client, url, 410, "You are already in our talent pool")


def test_an_expired_or_tampered_offer_changes_nothing(client, pool_site, zoe):
    token = links.join_offer_token(zoe, source=Source.REJECTION_EMAIL)
    with time_machine.travel(timezone.now() + links.JOIN_OFFER_MAX_AGE + timedelta(hours=1)):
        assert_refused(client, path("offer", token), 410, "This link has expired")
    assert_refused(client, path("offer", tampered(token)), 400, "This link is not valid")
    assert not TalentPoolEntry.objects.exists()


def test_an_offer_for_someone_whose_data_is_gone_does_nothing(client, pool_site, zoe):
    token = links.join_offer_token(zoe, source=Source.REJECTION_EMAIL)
    zoe.delete()
    assert_refused(client, path("offer", token), 410, "We no longer hold the data")


def test_an_offer_posted_without_the_text_shown_is_refused(client, pool_site, zoe):
    url = path("offer", links.join_offer_token(zoe, source=Source.REJECTION_EMAIL))
    before = state()
    assert client.post(url, {"text": "999999"}).status_code == 400
    assert client.post(url, {}).status_code == 400
    assert state() == before

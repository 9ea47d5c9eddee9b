"""The ways into the pool: its own form, the consent on an application form, and the
offer in a rejection email (confirmed through its signed link)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from anonymizer.selectors import talent_pool_held_until
from ats.models import Application, AuditEvent, CandidateEmail, Consent, ConsentText
from ats.services.decisions import decision_draft, decision_send
from talentpool.models import PoolMonthlyCount, Source, TalentPoolEntry
from talentpool.services import pool_consent_give, pool_consent_text, pool_join
from tests.talentpool.membership import join_form, links_in, post_page


@pytest.fixture(autouse=True)
def _site(pool_site):
    return pool_site


def post(client, path, data, commit_callbacks):
    with commit_callbacks(execute=True):
        return client.post(path, data)


# --- The pool's own form ------------------------------------------------------------------


def test_the_form_asks_for_the_consent_unticked_with_its_text(client):
    page = client.get("/talent-pool/join/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "checked" not in html
    assert ConsentText.objects.get(purpose="talent_pool", language="en").text[:60] in html
    for field in ("first_name", "email", "cv", "location", "skills", "talent_pool_consent"):
        assert f'for="id_{field}"' in html


def test_without_the_consent_nothing_is_kept(client, django_capture_on_commit_callbacks):
    data = join_form(talent_pool_consent=None)
    response = post(client, "/talent-pool/join/", data, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "only with your consent" in response.content.decode()
    assert not Application.objects.exists() and not TalentPoolEntry.objects.exists()
    assert not mail.outbox


def test_a_second_form_adds_to_the_same_membership(client, django_capture_on_commit_callbacks):
    post(client, "/talent-pool/join/", join_form(), django_capture_on_commit_callbacks)
    again = join_form(location="", skills="Go")
    post(client, "/talent-pool/join/", again, django_capture_on_commit_callbacks)
    entry = TalentPoolEntry.objects.get()
    assert Application.objects.get() == entry.application  # merged, one application
    assert entry.application.documents.count() == 2
    assert entry.skills == ["Python", "Kubernetes", "Go"] and entry.renewal_count == 1
    assert PoolMonthlyCount.objects.get(kind="joined").count == 1


def test_the_form_in_german_records_the_german_text(client, django_capture_on_commit_callbacks):
    client.get("/language/de/")
    page = client.get("/talent-pool/join/")
    german = ConsentText.objects.get(purpose="talent_pool", language="de")
    assert german.text[:60] in page.content.decode()
    data = join_form(talent_pool_text=str(german.pk))
    post(client, "/talent-pool/join/", data, django_capture_on_commit_callbacks)
    entry = TalentPoolEntry.objects.get()
    assert entry.consent.text == german and entry.candidate.language == "de"


# --- The application form -------------------------------------------------------------------


def test_the_consent_on_an_application_puts_the_person_in_the_pool(
    client, vacancy_a, django_capture_on_commit_callbacks
):
    data = join_form(location=None, skills=None)
    response = post(
        client, f"/careers/{vacancy_a.reference}/apply/", data, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    application = Application.objects.get()
    entry = TalentPoolEntry.objects.get()
    assert entry.source == Source.APPLICATION_FORM and entry.application is None
    assert entry.consent.application == application
    # Her application's confirmation lists the consent and its withdraw link: no second mail.
    assert [m.subject for m in mail.outbox] == ["Hirewell: We received your application"]
    assert PoolMonthlyCount.objects.get(kind="joined").count == 1
    assert AuditEvent.objects.filter(action="talent_pool_joined").count() == 1


def test_an_application_without_the_consent_does_not(
    client, vacancy_a, django_capture_on_commit_callbacks
):
    data = join_form(talent_pool_consent=None, location=None, skills=None)
    post(client, f"/careers/{vacancy_a.reference}/apply/", data, django_capture_on_commit_callbacks)
    assert Application.objects.exists() and not TalentPoolEntry.objects.exists()


# --- The rejection email --------------------------------------------------------------------


def reject(application, hanna, commit_callbacks) -> CandidateEmail:
    draft = decision_draft(application=application, kind="reject")
    with commit_callbacks(execute=True):
        return decision_send(
            application=application,
            kind="reject",
            subject=draft.subject,
            body=draft.body,
            by=hanna,
        )


def test_a_rejection_offers_the_pool_and_the_link_joins_after_confirmation(
    client, zoes_application, hanna, django_capture_on_commit_callbacks
):
    email = reject(zoes_application, hanna, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.body == email.body
    assert "join our talent pool for 6 months" in message.body
    offer = links_in(message)["offer"]
    assert not TalentPoolEntry.objects.exists()  # nothing happens without confirming

    response = post_page(client, offer, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "you are in our talent pool" in response.content.decode()
    entry = TalentPoolEntry.objects.get()
    assert entry.source == Source.REJECTION_EMAIL and entry.application is None
    assert entry.consent.given_via == Consent.Via.EMAIL_LINK
    assert entry.consent.text == pool_consent_text("en")
    event = AuditEvent.objects.get(action="talent_pool_offer_accepted")
    assert event.details == {"source": "rejection_email", "application": zoes_application.pk}
    assert mail.outbox[-1].subject == "Hirewell: You are in our talent pool"
    assert "/talent-pool/withdraw/" in mail.outbox[-1].body
    # The rejected application is now held by the pool until the entry expires.
    held = talent_pool_held_until([zoes_application.candidate_id], now=entry.joined_at)
    assert held == {zoes_application.candidate_id: entry.expires_at}


def test_no_offer_to_someone_in_the_pool_already_or_for_other_decisions(
    zoe, zoes_application, hanna, vacancy_b, django_capture_on_commit_callbacks
):
    from ats import services as ats_services
    from ats.services.decisions import decision_email_addition

    assert decision_email_addition(application=zoes_application, kind="offer", language="en") == ""
    assert decision_email_addition(application=zoes_application, kind="hire", language="en") == ""
    consent = pool_consent_give(candidate=zoe, text=pool_consent_text("en"), via="form")
    pool_join(candidate=zoe, consent=consent, source=Source.APPLICATION_FORM)
    email = reject(zoes_application, hanna, django_capture_on_commit_callbacks)
    assert "/talent-pool/offer/" not in email.body
    other = ats_services.application_create(candidate=zoe, vacancy=vacancy_b, channel="event")
    assert decision_email_addition(application=other, kind="reject", language="en") == ""


def test_the_offer_and_the_pages_behind_it_use_the_persons_language(client, zoe, zoes_application):
    from ats.services.decisions import decision_email_addition
    from talentpool.links import join_offer_url

    zoe.language = "de"
    zoe.save(update_fields=["language"])
    text = decision_email_addition(application=zoes_application, kind="reject", language="de")
    assert "/talent-pool/offer/" in text
    page = client.get(join_offer_url(zoe, source=Source.REJECTION_EMAIL))
    german = ConsentText.objects.get(purpose="talent_pool", language="de")
    assert german.text in page.content.decode()


def test_a_bulk_rejection_offers_the_pool_to_each_person_not_in_it(
    client, hanna, vacancy_a, zoes_application, django_capture_on_commit_callbacks
):
    from ats import services as ats_services

    anna, _ = ats_services.candidate_get_or_create(
        email="anna@example.org", first_name="Anna", last_name="Schmidt", phone="+49 40 123456"
    )
    annas = ats_services.application_create(candidate=anna, vacancy=vacancy_a, channel="event")
    consent = pool_consent_give(candidate=anna, text=pool_consent_text("en"), via="form")
    pool_join(candidate=anna, consent=consent, source=Source.APPLICATION_FORM)
    client.force_login(hanna)
    url = reverse("vacancy_bulk_reject", args=[vacancy_a.pk])
    initial = client.get(url).context["form"].initial
    data = {
        "applications": [zoes_application.pk, annas.pk],
        "language": "en",
        "subject": initial["subject"],
        "body": initial["body"],
    }
    preview = client.post(url, {**data, "action": "preview"})
    assert "join our talent pool" in preview.context["preview"]["addition"]
    assert "/talent-pool/offer/" in preview.content.decode()
    digest = preview.context["preview"]["digest"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**data, "action": "send", "preview_digest": digest})
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "/talent-pool/offer/" in bodies["zoe.nunez@example.org"]
    assert "/talent-pool/offer/" not in bodies["anna@example.org"]


def test_every_careers_page_links_to_the_talent_pool_form(client, db):
    from django.urls import reverse

    join = reverse("talentpool:join")
    for page in (reverse("careers_site:home"), reverse("careers_site:privacy"), join):
        assert f'href="{join}"' in client.get(page).content.decode()

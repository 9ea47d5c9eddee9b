"""The signed link in an emailed application's acknowledgement: optional special-category
answers, with the explicit, unticked consent the email could not carry."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from ats import services
from ats.models import AuditEvent, Channel, Consent, ConsentText
from ats.services.applications import special_category_answers
from careers_site.inbound.consent import special_category_token, special_category_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def emailed_application(zoe, vacancy_a):
    return services.application_create(candidate=zoe, vacancy=vacancy_a, channel=Channel.EMAIL)


def page_url(application) -> str:
    return special_category_url(application).removeprefix("http://127.0.0.1:8000")


def test_the_page_offers_the_fields_with_an_unticked_consent(client, emailed_application):
    response = client.get(page_url(emailed_application))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="accommodation_needs"' in html and 'name="ethnic_origin"' in html
    checkbox = re.search(r'<input type="checkbox" name="special_category_consent"[^>]*>', html)
    assert checkbox is not None and "checked" not in checkbox.group(0)
    text = ConsentText.objects.filter(purpose="special_category", language="en").first()
    assert text.text[:40] in html
    assert not Consent.objects.exists()  # looking changes nothing


def test_answers_without_the_consent_are_refused_and_nothing_stored(client, emailed_application):
    response = client.post(page_url(emailed_application), {"accommodation_needs": "Ramp access"})
    assert response.status_code == 400
    assert "We may only process it with your consent" in response.content.decode()
    emailed_application.refresh_from_db()
    assert not Consent.objects.exists() and emailed_application.special_category_sealed == b""


def test_a_consent_without_answers_is_refused(client, emailed_application):
    response = client.post(page_url(emailed_application), {"special_category_consent": "on"})
    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_answers_with_the_consent_are_sealed_and_the_consent_recorded(client, emailed_application):
    response = client.post(
        page_url(emailed_application),
        {
            "accommodation_needs": "Ramp access",
            "ethnic_origin": "",
            "special_category_consent": "on",
        },
    )
    assert response.status_code == 200
    assert "Your consent was recorded" in response.content.decode()
    consent = Consent.objects.get()
    assert consent.purpose == "special_category" and consent.given_via == "email_link"
    assert consent.application == emailed_application
    assert consent.candidate == emailed_application.candidate
    emailed_application.refresh_from_db()
    assert special_category_answers(emailed_application) == {"accommodation_needs": "Ramp access"}
    event = AuditEvent.objects.get(action="consent_given")
    assert "Ramp" not in str(event.details)
    # A second visit shows the consent, and does not ask again.
    again = client.get(page_url(emailed_application))
    assert "Your consent was recorded" in again.content.decode()
    assert Consent.objects.count() == 1


def test_withdrawing_that_consent_erases_the_answers(client, emailed_application):
    client.post(
        page_url(emailed_application),
        {"ethnic_origin": "Sorbian", "special_category_consent": "on"},
    )
    services.consent_withdraw(consent=Consent.objects.get(), via=Consent.Via.SELF_SERVICE)
    emailed_application.refresh_from_db()
    assert special_category_answers(emailed_application) == {}


def test_a_tampered_or_foreign_token_shows_the_invalid_link_page(client, emailed_application):
    token = special_category_token(emailed_application)
    response = client.get(f"/my-data/applications/{token}x/special-category/")
    assert response.status_code == 400
    # A token of another purpose (the consent-withdrawal salt) opens nothing here.
    from django.core import signing

    from careers_site.links import WITHDRAW_SALT

    foreign = signing.dumps({"a": emailed_application.pk, "c": 1}, salt=WITHDRAW_SALT)
    assert client.get(f"/my-data/applications/{foreign}/special-category/").status_code == 400
    assert mail.outbox == []


def test_the_link_names_nobody(emailed_application):
    url = special_category_url(emailed_application)
    assert "zoe" not in url.lower() and "example.org" not in url


def test_the_link_ends_with_the_decision(client, emailed_application):
    from ats.models import Application

    url = page_url(emailed_application)
    Application.objects.filter(pk=emailed_application.pk).update(decision="rejected")
    assert client.get(url).status_code == 400
    assert (
        client.post(url, {"ethnic_origin": "x", "special_category_consent": "on"}).status_code
        == 400
    )
    assert not Consent.objects.exists()

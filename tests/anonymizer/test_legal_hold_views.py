"""Placing and releasing a legal hold from the workspace (HR only)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from anonymizer.services import enforce_retention, legal_hold_place
from ats.models import Application, AuditEvent
from tests.anonymizer.conftest import apply, berlin, decide
from tests.anonymizer.test_accountability import URLCONF

TODAY = date(2027, 3, 1)
NOW = berlin(2027, 3, 1, 12, 0)


@pytest.fixture(autouse=True)
def _retention_urls(settings, time_machine):
    settings.ROOT_URLCONF = URLCONF
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def rejected(zoe, vacancy_a) -> Application:
    """Zoë's rejection was communicated on 10 September 2026: erased on 10 March 2027."""
    application = apply(zoe, vacancy_a, at=berlin(2026, 8, 1, 9, 0))
    return decide(application, "rejected", at=berlin(2026, 9, 10, 9, 0))


def place_url(application: Application) -> str:
    return reverse("legal_hold_place", args=[application.pk])


def release_url(application: Application) -> str:
    return reverse("legal_hold_release", args=[application.pk])


def hold_events(application: Application, action: str):
    return AuditEvent.objects.filter(
        action=action, target_type="ats.application", target_id=str(application.pk)
    )


def test_the_routes_live_under_the_retention_page(db):
    assert reverse("legal_hold_place", args=[7]) == "/recruit/retention/holds/7/place/"
    assert reverse("legal_hold_release", args=[7]) == "/recruit/retention/holds/7/release/"


def test_the_form_shows_the_application_and_its_current_deadline(client, hanna, rejected):
    client.force_login(hanna)
    response = client.get(place_url(rejected))
    assert response.status_code == 200
    assert response.context["deadline"].rule == "application"
    assert response.context["deadline"].due_at == berlin(2027, 3, 10, 9, 0)
    body = response.content.decode()
    assert "Zoë Ñúñez-O&#x27;Brien" in body
    assert "Backend Engineer" in body
    assert "Erased on March 10, 2027, under the application rule" in body


def test_the_form_of_an_undecided_application_says_it_has_no_erasure_date(
    client, hanna, zoes_application
):
    client.force_login(hanna)
    response = client.get(place_url(zoes_application))
    assert response.context["deadline"].due_at is None
    assert "Kept, with no erasure date yet, under no decision yet" in response.content.decode()


def test_hr_places_a_hold_and_returns_to_the_file(client, hanna, rejected):
    client.force_login(hanna)
    response = client.post(
        place_url(rejected), {"reason": "  Claim 4711 at the labour court ", "until": "2027-12-31"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("application_file", args=[rejected.pk])
    rejected.refresh_from_db()
    assert rejected.legal_hold_reason == "Claim 4711 at the labour court"
    assert rejected.legal_hold_until == date(2027, 12, 31)
    [event] = hold_events(rejected, "legal_hold_placed")
    assert event.actor == hanna
    assert event.details == {"until": "2027-12-31"}  # the end, never the reason's text
    follow = client.get(response["Location"])
    assert "Legal hold placed" in follow.content.decode()


def test_a_placed_hold_stops_the_erasure_at_the_deadline(
    client, hanna, rejected, django_capture_on_commit_callbacks
):
    client.force_login(hanna)
    client.post(place_url(rejected), {"reason": "Claim", "until": "2027-12-31"})
    with django_capture_on_commit_callbacks(execute=True):
        report = enforce_retention(now=berlin(2027, 3, 10, 9, 1))
    assert report.total == 0
    assert Application.objects.filter(pk=rejected.pk).exists()


def test_an_existing_hold_is_shown_and_can_be_changed(client, hanna, rejected):
    legal_hold_place(application=rejected, reason="Claim", until=date(2027, 6, 30), by=hanna)
    client.force_login(hanna)
    response = client.get(place_url(rejected))
    assert response.context["form"].initial == {"reason": "Claim", "until": date(2027, 6, 30)}
    assert response.context["deadline"].rule == "legal_hold"
    assert release_url(rejected) in response.content.decode()
    client.post(place_url(rejected), {"reason": "Claim, appeal", "until": "2028-01-31"})
    rejected.refresh_from_db()
    assert rejected.legal_hold_until == date(2028, 1, 31)
    assert rejected.legal_hold_reason == "Claim, appeal"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "", "until": "2027-12-31"}, "reason"),
        ({"reason": "   ", "until": "2027-12-31"}, "reason"),
        ({"reason": "Claim"}, "until"),
        ({"reason": "Claim", "until": "31.12.2027x"}, "until"),
        ({"reason": "Claim", "until": TODAY.isoformat()}, "until"),
        ({"reason": "Claim", "until": (TODAY - timedelta(days=1)).isoformat()}, "until"),
        ({"reason": "Claim", "until": "2058-01-01"}, "until"),
        ({"reason": "Claim\x00", "until": "2027-12-31"}, "reason"),
    ],
)
def test_a_hold_needs_a_reason_and_an_end_in_the_future(client, hanna, rejected, data, field):
    client.force_login(hanna)
    response = client.post(place_url(rejected), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    rejected.refresh_from_db()
    assert rejected.legal_hold_reason == "" and rejected.legal_hold_until is None
    assert not hold_events(rejected, "legal_hold_placed").exists()


def test_hr_releases_a_hold(client, hanna, rejected):
    legal_hold_place(application=rejected, reason="Claim", until=date(2027, 6, 30), by=hanna)
    client.force_login(hanna)
    response = client.post(release_url(rejected))
    assert response.status_code == 302
    assert response["Location"] == reverse("application_file", args=[rejected.pk])
    rejected.refresh_from_db()
    assert rejected.legal_hold_reason == "" and rejected.legal_hold_until is None
    assert hold_events(rejected, "legal_hold_released").get().actor == hanna


def test_releasing_without_a_hold_changes_and_records_nothing(client, hanna, rejected):
    client.force_login(hanna)
    response = client.post(release_url(rejected), follow=True)
    assert "This application has no legal hold." in response.content.decode()
    assert not hold_events(rejected, "legal_hold_released").exists()


def test_release_only_answers_posts(client, hanna, rejected):
    client.force_login(hanna)
    assert client.get(release_url(rejected)).status_code == 405


def test_an_unknown_application_is_not_found(client, hanna, db):
    client.force_login(hanna)
    assert client.get(reverse("legal_hold_place", args=[999_999])).status_code == 404
    assert client.post(reverse("legal_hold_release", args=[999_999])).status_code == 404


@pytest.mark.parametrize("persona", ["max_manager", "brigitte", "mia"])
def test_only_hr_may_place_or_release_a_hold(client, request, persona, hanna, rejected):
    """Max manages vacancy A and sees Zoë's file, but holds are HR's."""
    legal_hold_place(application=rejected, reason="Claim", until=date(2027, 6, 30), by=hanna)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(place_url(rejected)).status_code == 404
    response = client.post(place_url(rejected), {"reason": "Mine", "until": "2027-12-31"})
    assert response.status_code == 404
    assert client.post(release_url(rejected)).status_code == 404
    rejected.refresh_from_db()
    assert rejected.legal_hold_reason == "Claim"
    assert rejected.legal_hold_until == date(2027, 6, 30)
    assert "Claim" not in client.get(place_url(rejected)).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, rejected):
    for response in (client.get(place_url(rejected)), client.post(release_url(rejected))):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    rejected.refresh_from_db()
    assert rejected.legal_hold_reason == ""

"""The HR request desk: requests received by email or post with an emailed identity
check, legal deadlines and their extension, owners, states and outcomes, restrictions
that freeze an application everywhere, and the daily digest."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from ats.models import Application, AuditEvent, CandidateEmail, DataRequest, Restriction
from ats.services import requests as desk
from ats.services.decisions import decision_send
from tests.ats.test_permission_matrix import SECRETS

BERLIN = ZoneInfo("Europe/Berlin")
CONFIRM = re.compile(r"/my-data/requests/([^/\s]+)/confirm/")


@pytest.fixture(autouse=True)
def _berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def hr_client(client, hanna):
    client.force_login(hanna)
    return client


def enter(hanna, email="zoe.nunez@example.org", kind="access", received_at=None, **extra):
    return desk.data_request_enter(
        kind=kind,
        via="email",
        contact_email=email,
        received_at=received_at or timezone.now() - timedelta(days=1),
        by=hanna,
        **extra,
    )


def confirmation_token(address: str) -> str:
    [message] = [m for m in mail.outbox if address in m.to]
    return CONFIRM.search(message.body).group(1)


# --- Deadlines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "months", "due"),
    [
        (datetime(2026, 1, 31, 12, tzinfo=BERLIN), 1, datetime(2026, 2, 28, 12, tzinfo=BERLIN)),
        (datetime(2028, 1, 31, 12, tzinfo=BERLIN), 1, datetime(2028, 2, 29, 12, tzinfo=BERLIN)),
        (datetime(2026, 3, 15, 9, tzinfo=BERLIN), 3, datetime(2026, 6, 15, 9, tzinfo=BERLIN)),
        (datetime(2026, 10, 20, 9, tzinfo=BERLIN), 1, datetime(2026, 11, 20, 9, tzinfo=BERLIN)),
    ],
)
def test_the_deadline_is_calendar_months_after_receipt_in_the_site_zone(received, months, due):
    assert desk.months_after(received, months) == due


def test_a_request_is_due_one_month_after_receipt_and_extends_by_two_months_at_most(
    hanna, zoe, django_capture_on_commit_callbacks
):
    received = datetime(2026, 1, 31, 12, tzinfo=BERLIN)
    with django_capture_on_commit_callbacks(execute=True):
        request = enter(hanna, received_at=received)
    assert request.due_at == datetime(2026, 2, 28, 12, tzinfo=BERLIN)
    with pytest.raises(ValidationError):
        desk.data_request_extend(request=request, months=1, reason="  ", by=hanna)
    desk.data_request_extend(request=request, months=1, reason="Many requests", by=hanna)
    assert request.due_at == datetime(2026, 3, 31, 12, tzinfo=BERLIN)
    with pytest.raises(ValidationError):
        desk.data_request_extend(request=request, months=2, reason="More", by=hanna)
    desk.data_request_extend(request=request, months=1, reason="Complex", by=hanna)
    assert request.due_at == datetime(2026, 4, 30, 12, tzinfo=BERLIN)
    assert request.extension_reason == "Many requests\nComplex"
    with pytest.raises(ValidationError):
        desk.data_request_extend(request=request, months=1, reason="Again", by=hanna)
    events = AuditEvent.objects.filter(action="data_request_extended")
    assert [e.details["total"] for e in events.order_by("pk")] == [1, 2]
    assert "Complex" not in str(list(events.values_list("details", flat=True)))


# --- Requests by email or post: the identity check -------------------------------------------


def test_hr_enters_a_request_and_the_person_confirms_it_from_their_address(
    client, hanna, zoe, zoes_application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = enter(hanna, email="ZOE.NUNEZ@example.org", kind="restriction")
    request.refresh_from_db()
    assert (request.state, request.candidate, request.confirmed_at) == ("unconfirmed", None, None)
    [message] = mail.outbox
    assert message.to == ["ZOE.NUNEZ@example.org"]
    assert "Zoë" not in message.subject and "Ñúñez" not in message.subject
    token = confirmation_token("ZOE.NUNEZ@example.org")
    assert token not in str(DataRequest.objects.values().get())  # only its hash is kept
    # HR cannot act on it before the confirmation.
    with pytest.raises(ValidationError):
        desk.data_request_update(request=request, state="done", outcome="x", by=hanna)

    page = client.get(f"/my-data/requests/{token}/confirm/")
    assert page.status_code == 200 and b"Yes, this is my request" in page.content
    assert DataRequest.objects.get().state == "unconfirmed"  # GET changed nothing
    done = client.post(f"/my-data/requests/{token}/confirm/")
    assert done.status_code == 200 and b"your request is confirmed" in done.content
    request.refresh_from_db()
    assert (request.state, request.candidate) == ("open", zoe)
    assert request.due_at == desk.months_after(request.received_at, 1)
    # The link works once.
    again = client.post(f"/my-data/requests/{token}/confirm/")
    assert again.status_code == 400 and b"This link is not valid" in again.content


@pytest.mark.parametrize("what", ["expired", "tampered"])
def test_a_bad_confirmation_link_changes_nothing(
    client, hanna, zoe, time_machine, django_capture_on_commit_callbacks, what
):
    with django_capture_on_commit_callbacks(execute=True):
        enter(hanna)
    token = confirmation_token(zoe.email)
    if what == "expired":
        time_machine.move_to(timezone.now() + timedelta(hours=73))
    else:
        token = token[::-1]
    for response in (
        client.get(f"/my-data/requests/{token}/confirm/"),
        client.post(f"/my-data/requests/{token}/confirm/"),
    ):
        assert response.status_code == 400
        for secret in SECRETS:
            assert secret not in response.content.decode()
    assert DataRequest.objects.get().state == "unconfirmed"


def test_closing_needs_an_outcome_and_forgets_the_address(
    hanna, zoe, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = enter(hanna)
    client.post(f"/my-data/requests/{confirmation_token(zoe.email)}/confirm/")
    request.refresh_from_db()
    with pytest.raises(ValidationError):
        desk.data_request_update(request=request, state="done", outcome=" ", by=hanna)
    desk.data_request_update(request=request, state="in_progress", outcome="", by=hanna)
    desk.data_request_assign(request=request, owner=hanna, by=hanna)
    desk.data_request_update(request=request, state="done", outcome="Export sent", by=hanna)
    request.refresh_from_db()
    assert (request.state, request.owner, request.contact_email) == ("done", hanna, "")
    assert request.closed_at is not None
    assert desk.overdue_requests(timezone.now() + timedelta(days=400)).count() == 0


# --- Restriction ------------------------------------------------------------------------------


def test_a_restricted_application_is_frozen_everywhere_until_lifted(
    hr_client, hanna, max_manager, client, zoe, zoes_application, django_capture_on_commit_callbacks
):
    # An email queued before the restriction, not sent yet.
    email = CandidateEmail.objects.create(
        application=zoes_application,
        kind="other",
        subject="Interview",
        body="Hello",
        language="en",
        status=CandidateEmail.Status.QUEUED,
    )
    request = desk.data_request_create(
        kind="restriction", via="self_service", candidate=zoe, reason="Inaccurate"
    )
    response = hr_client.post(
        f"/recruit/requests/{request.pk}/restrict/", {"application": zoes_application.pk}
    )
    assert response.status_code == 302
    restriction = Restriction.objects.get()
    vacancy = zoes_application.vacancy

    # Hidden from the board, the list and the search; the file and moves are 404.
    for url in (
        f"/recruit/vacancies/{vacancy.pk}/",
        "/recruit/applications/",
        "/recruit/applications/?q=Zo",
    ):
        assert "Zoë" not in hr_client.get(url).content.decode(), url
    assert hr_client.get(f"/recruit/applications/{zoes_application.pk}/").status_code == 404
    screening = vacancy.stages.get(kind="screening")
    moved = hr_client.post(
        f"/recruit/applications/{zoes_application.pk}/move/", {"stage": screening.pk}
    )
    assert moved.status_code == 404
    manager = client.__class__()
    manager.force_login(max_manager)
    assert "Zoë" not in manager.get(f"/recruit/vacancies/{vacancy.pk}/").content.decode()
    # No emails: no decision, and the queued one is held back.
    with pytest.raises(ValidationError):
        decision_send(
            application=zoes_application,
            kind="reject",
            subject="Your application",
            body="No",
            by=hanna,
        )
    from ats.services.decisions import candidate_email_send

    assert candidate_email_send(email_id=email.pk) is False
    assert mail.outbox == []
    assert Application.objects.get(pk=zoes_application.pk).stage.kind == "new"

    # HR lifts it: back everywhere, and the held email goes out.
    with django_capture_on_commit_callbacks(execute=True):
        lifted = hr_client.post(
            f"/recruit/requests/{request.pk}/lift/", {"restriction": restriction.pk}
        )
    assert lifted.status_code == 302
    assert [m.subject for m in mail.outbox] == ["Interview"]
    assert "Zoë" in hr_client.get("/recruit/applications/").content.decode()
    assert "Zoë" in hr_client.get(f"/recruit/vacancies/{vacancy.pk}/").content.decode()
    assert "Zoë" in manager.get(f"/recruit/vacancies/{vacancy.pk}/").content.decode()
    assert AuditEvent.objects.filter(action="restriction_lifted").count() == 1


# --- The desk's pages ---------------------------------------------------------------------------


def test_hr_works_a_request_through_the_desk(
    hr_client, hanna, zoe, zoes_application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(
            "/recruit/requests/new/",
            {
                "kind": "erasure",
                "via": "post",
                "received_on": timezone.localdate().isoformat(),
                "contact_email": zoe.email,
                "reason": "Letter asking for erasure",
            },
        )
    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert (request.kind, request.via, request.state) == ("erasure", "post", "unconfirmed")
    listing = hr_client.get("/recruit/requests/").content.decode()
    assert f"/recruit/requests/{request.pk}/" in listing
    detail = hr_client.get(f"/recruit/requests/{request.pk}/").content.decode()
    assert "Letter asking for erasure" in detail and "not confirmed yet" in detail
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(f"/recruit/requests/{request.pk}/resend/")
    assert len(mail.outbox) == 2
    bad = hr_client.post(f"/recruit/requests/{request.pk}/update/", {"state": "done"})
    assert bad.status_code == 400
    future = hr_client.post(
        "/recruit/requests/new/",
        {
            "kind": "access",
            "via": "email",
            "received_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "contact_email": "x@example.org",
        },
    )
    assert future.status_code == 200 and DataRequest.objects.count() == 1
    assert (
        hr_client.post(f"/recruit/requests/{request.pk}/assign/", {"owner": hanna.pk}).status_code
        == 302
    )
    assert DataRequest.objects.get().owner == hanna
    extended = hr_client.post(
        f"/recruit/requests/{request.pk}/extend/", {"months": "2", "reason": "Archive search"}
    )
    assert extended.status_code == 302
    assert DataRequest.objects.get().extended_by_months == 2


# --- The daily digest ---------------------------------------------------------------------------


def test_hr_is_emailed_the_overdue_and_due_soon_counts_once_a_day(hanna, zoe, settings):
    hanna.email = "hanna@example.org"
    hanna.save()
    now = timezone.now()
    desk.data_request_create(
        kind="access", via="self_service", candidate=zoe, received_at=now - timedelta(days=40)
    )
    desk.data_request_create(
        kind="objection", via="self_service", candidate=zoe, received_at=now - timedelta(days=27)
    )
    desk.data_request_create(kind="access", via="self_service", candidate=zoe)
    assert desk.requests_digest_send(now=now) == 1
    [message] = mail.outbox
    assert message.to == ["hanna@example.org"]
    assert message.subject == "Hirewell: Data subject requests: 1 overdue, 1 due soon"
    assert "/recruit/requests/" in message.body
    for secret in SECRETS:
        assert secret not in message.subject + message.body
    assert desk.requests_digest_send(now=now) == 0  # once a day
    from ats.tasks_requests import requests_digest

    assert requests_digest.name == "ats.requests_digest"
    assert "data-requests-digest" in settings.CELERY_BEAT_SCHEDULE

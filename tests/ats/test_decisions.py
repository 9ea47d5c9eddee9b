from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

import ats.mail_tracking  # noqa: F401  (connects the tracking receiver, as ats.apps will)
from ats import services
from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    CandidateEmail,
    Channel,
    DecisionTemplate,
    Stage,
)
from ats.services.decisions import (
    add_months,
    decision_send,
    employment_end,
    erasure_date,
)
from ats.tasks_mail import send_candidate_email

BERLIN = ZoneInfo("Europe/Berlin")
Status = CandidateEmail.Status


def compose_url(application: Application, kind: str) -> str:
    return reverse("decision_compose", args=[application.pk, kind])


def preview_then_send(client, url: str, data: dict, capture) -> object:
    """Preview, as a person does, then send what the preview showed."""
    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200, preview.content.decode()
    digest = preview.context["preview"]["digest"]
    with capture(execute=True):
        return client.post(url, {**data, "action": "send", "preview_digest": digest})


def draft(client, application: Application, kind: str) -> dict:
    form = client.get(compose_url(application, kind)).context["form"]
    return {"subject": form.initial["subject"], "body": form.initial["body"]}


def reject(client, application, capture, **changes) -> object:
    data = {**draft(client, application, "reject"), **changes}
    return preview_then_send(client, compose_url(application, "reject"), data, capture)


@pytest.fixture
def hr_client(client, hanna):
    client.force_login(hanna)
    return client


@pytest.fixture
def anna(db) -> Candidate:
    candidate, _ = services.candidate_get_or_create(
        email="anna.schmidt@example.de", first_name="Anna", last_name="Schmidt", phone="+49301"
    )
    candidate.language = "de"
    candidate.save(update_fields=["language"])
    return candidate


@pytest.fixture
def annas_application(anna, vacancy_a) -> Application:
    return services.application_create(candidate=anna, vacancy=vacancy_a, channel=Channel.OTHER)


def test_the_compose_page_starts_from_the_template_with_the_placeholders_filled(
    hr_client, zoes_application
):
    page = hr_client.get(compose_url(zoes_application, "reject"))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["subject"] == "Your application: Backend Engineer"
    assert form.initial["body"].startswith("Dear Zoë Ñúñez-O'Brien,")
    assert "{" not in form.initial["body"]


def test_the_preview_shows_the_exact_text_escaped_and_offers_to_send(hr_client, zoes_application):
    data = draft(hr_client, zoes_application, "reject")
    page = hr_client.post(compose_url(zoes_application, "reject"), {**data, "action": "preview"})
    html = page.content.decode()
    assert page.context["preview"]["body"] == data["body"]
    # The talent pool's offer, added when sent, is shown in the preview too.
    assert "join our talent pool" in page.context["preview"]["addition"]
    assert "/talent-pool/offer/" in html
    assert "Dear Zoë Ñúñez-O&#x27;Brien," in html
    assert 'name="action" value="send"' in html
    assert not CandidateEmail.objects.exists()
    assert Application.objects.get(pk=zoes_application.pk).decision == ""


def test_html_in_the_body_is_escaped_in_the_preview(hr_client, zoes_application):
    data = {"subject": "Your application", "body": "<script>alert(1)</script><b>Hi</b>"}
    page = hr_client.post(compose_url(zoes_application, "reject"), {**data, "action": "preview"})
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Hi&lt;/b&gt;" in html


def test_hr_rejects_with_the_template_and_the_retention_clock_starts(
    hr_client, hanna, zoes_application, django_capture_on_commit_callbacks, settings
):
    data = draft(hr_client, zoes_application, "reject")
    moment = datetime(2026, 3, 10, 9, 30, tzinfo=BERLIN)
    with time_machine.travel(moment, tick=False):
        response = reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
        page = hr_client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == compose_url(zoes_application, "reject")

    application = Application.objects.select_related("stage").get(pk=zoes_application.pk)
    assert application.decision == Application.Decision.REJECTED
    assert application.decided_by == hanna and application.decided_at == moment
    assert application.stage.kind == Stage.Kind.REJECTED
    assert application.decision_communicated_at == moment
    assert application.decision_communicated_via == ""

    email = CandidateEmail.objects.get(application=application)
    assert (email.kind, email.status, email.language) == ("reject", Status.SENT, "en")
    assert email.subject == data["subject"]
    # HR's text, then the talent pool's offer to join (talentpool.hooks), with its link.
    body, offer = email.body.split("\n\nWe would like to keep you in mind", 1)
    assert body == data["body"].rstrip()
    assert "/talent-pool/offer/" in offer
    assert email.sent_by == hanna and email.message_id

    [sent] = mail.outbox
    assert sent.to == ["zoe.nunez@example.org"]
    assert sent.from_email == settings.DEFAULT_FROM_EMAIL
    assert sent.subject == "Your application: Backend Engineer"
    assert "Zoë" not in sent.subject and "Ñúñez" not in sent.subject
    assert sent.body == email.body

    assert page.context["erasure_date"] == date(2026, 9, 10)
    assert date_format(date(2026, 9, 10), "DATE_FORMAT") in page.content.decode()
    assert page.context["form"] is None  # decided: the outcome, no second email


def test_the_decision_is_audited_with_ids_and_codes_only(
    hr_client, zoes_application, django_capture_on_commit_callbacks
):
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    events = AuditEvent.objects.filter(target_id=str(zoes_application.pk))
    actions = set(events.values_list("action", flat=True))
    assert {"decision_sent", "stage_changed", "candidate_email_sent"} <= actions
    dumped = json.dumps(list(events.values_list("details", flat=True)))
    for personal in ("Zoë", "zoe.nunez", "Backend Engineer", "Dear"):
        assert personal not in dumped


def test_without_an_esp_a_generated_message_id_is_sent_and_stored(
    hr_client, zoes_application, django_capture_on_commit_callbacks
):
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    email = CandidateEmail.objects.get()
    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == email.message_id
    assert email.message_id.startswith("<") and email.message_id.endswith(">")


def test_with_an_esp_its_message_id_is_stored_and_tracking_is_off(
    hr_client, zoes_application, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert CandidateEmail.objects.get().message_id == str(sent.anymail_status.message_id)
    assert "Message-ID" not in sent.extra_headers
    assert sent.anymail_test_params["track_opens"] is False
    assert sent.anymail_test_params["track_clicks"] is False
    email = CandidateEmail.objects.get()
    assert sent.anymail_test_params["metadata"] == {"candidate_email": str(email.pk)}


@pytest.mark.parametrize(
    ("communicated", "erased_on"),
    [
        (datetime(2026, 3, 10, 9, 0, tzinfo=BERLIN), date(2026, 9, 10)),
        (datetime(2026, 8, 31, 12, 0, tzinfo=BERLIN), date(2027, 2, 28)),
        (datetime(2027, 8, 31, 12, 0, tzinfo=BERLIN), date(2028, 2, 29)),
        (datetime(2026, 12, 31, 23, 30, tzinfo=BERLIN), date(2027, 6, 30)),
        (datetime(2026, 10, 31, 12, 0, tzinfo=BERLIN), date(2027, 4, 30)),
    ],
)
def test_the_erasure_date_is_six_calendar_months_after_the_decision_was_communicated(
    client, hanna, zoes_application, django_capture_on_commit_callbacks, communicated, erased_on
):
    with time_machine.travel(communicated, tick=False):
        client.force_login(hanna)  # a session that is valid at that time
        reject(client, zoes_application, django_capture_on_commit_callbacks)
    application = Application.objects.get(pk=zoes_application.pk)
    assert application.decision_communicated_at == communicated
    assert erasure_date(application) == erased_on


def test_the_erasure_date_follows_the_configured_retention(zoes_application, settings):
    settings.ATS_APPLICATION_RETENTION_MONTHS = 13
    zoes_application.decision = Application.Decision.REJECTED
    zoes_application.decision_communicated_at = datetime(2027, 1, 31, 8, 0, tzinfo=BERLIN)
    assert erasure_date(zoes_application) == date(2028, 2, 29)


def test_there_is_no_erasure_date_before_the_decision_is_communicated(zoes_application):
    assert erasure_date(zoes_application) is None
    assert add_months(date(2026, 5, 31), 1) == date(2026, 6, 30)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)


def test_an_offer_moves_to_the_offer_stage_without_a_decision_or_a_clock(
    hr_client, zoes_application, django_capture_on_commit_callbacks
):
    url = compose_url(zoes_application, "offer")
    data = draft(hr_client, zoes_application, "offer")
    assert data["subject"] == "Your application: Backend Engineer"
    response = preview_then_send(hr_client, url, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    application = Application.objects.select_related("stage").get(pk=zoes_application.pk)
    assert application.stage.kind == Stage.Kind.OFFER
    assert application.decision == "" and application.decided_at is None
    assert application.decision_communicated_at is None
    assert erasure_date(application) is None
    assert CandidateEmail.objects.get().kind == "offer"
    assert len(mail.outbox) == 1


def test_hiring_keeps_the_application_for_the_employment(
    hr_client, zoes_application, django_capture_on_commit_callbacks
):
    url = compose_url(zoes_application, "hire")
    data = draft(hr_client, zoes_application, "hire")
    preview_then_send(hr_client, url, data, django_capture_on_commit_callbacks)
    application = Application.objects.select_related("stage").get(pk=zoes_application.pk)
    assert application.decision == Application.Decision.HIRED
    assert application.stage.kind == Stage.Kind.HIRED
    assert application.decision_communicated_at is not None
    assert erasure_date(application) is None
    assert "Kept for the employment." in hr_client.get(url).content.decode()


def test_hr_ends_an_employment_and_only_a_hired_one(hanna, zoes_application, zoe, vacancy_b):
    decision_send(
        application=zoes_application, kind="hire", subject="Welcome", body="Welcome!", by=hanna
    )
    before_hiring = zoes_application.decided_at - timedelta(days=1)
    with pytest.raises(ValidationError):
        employment_end(application=zoes_application, ended_at=before_hiring, by=hanna)
    ended = timezone.now()
    with pytest.raises(ValidationError):
        employment_end(
            application=zoes_application, ended_at=timezone.now() + timedelta(days=1), by=hanna
        )
    employment_end(application=zoes_application, ended_at=ended, by=hanna)
    zoes_application.refresh_from_db()
    assert zoes_application.employment_ended_at == ended
    assert AuditEvent.objects.filter(action="employment_ended").count() == 1
    with pytest.raises(ValidationError):
        employment_end(application=zoes_application, ended_at=ended, by=hanna)

    other = services.application_create(candidate=zoe, vacancy=vacancy_b, channel=Channel.OTHER)
    with pytest.raises(ValidationError):
        employment_end(application=other, ended_at=ended, by=hanna)


def test_a_manager_rejects_in_their_vacancy(
    client, max_manager, zoes_application, django_capture_on_commit_callbacks
):
    client.force_login(max_manager)
    response = reject(client, zoes_application, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    application = Application.objects.get(pk=zoes_application.pk)
    assert application.decision == Application.Decision.REJECTED
    assert application.decided_by == max_manager


def test_a_manager_gets_404_on_another_vacancys_application_and_on_hiring(
    client, brigitte, max_manager, zoes_application
):
    client.force_login(brigitte)
    for kind in ("reject", "offer", "hire"):
        assert client.get(compose_url(zoes_application, kind)).status_code == 404
    response = client.post(
        compose_url(zoes_application, "reject"), {"subject": "x", "body": "y", "action": "send"}
    )
    assert response.status_code == 404

    client.force_login(max_manager)
    assert client.get(compose_url(zoes_application, "hire")).status_code == 404
    assert client.post(compose_url(zoes_application, "hire"), {}).status_code == 404
    assert Application.objects.get(pk=zoes_application.pk).decision == ""


def test_management_gets_404_everywhere_and_anonymous_users_are_sent_to_log_in(
    client, mia, zoes_application, vacancy_a
):
    template = DecisionTemplate.objects.first()
    urls = [
        compose_url(zoes_application, "reject"),
        reverse("vacancy_bulk_reject", args=[vacancy_a.pk]),
        reverse("decision_templates"),
        reverse("decision_template_edit", args=[template.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(mia)
    for url in urls:
        assert client.get(url).status_code == 404
    communicated = reverse("decision_communicated", args=[zoes_application.pk])
    assert client.post(communicated, {}).status_code == 404


def test_an_unknown_decision_kind_is_404(hr_client, zoes_application):
    assert hr_client.get(compose_url(zoes_application, "promote")).status_code == 404


def test_a_german_candidate_gets_the_german_template(
    hr_client, annas_application, django_capture_on_commit_callbacks
):
    data = draft(hr_client, annas_application, "reject")
    assert data["subject"] == "Ihre Bewerbung: Backend Engineer"
    assert data["body"].startswith("Guten Tag Anna Schmidt,")
    reject(hr_client, annas_application, django_capture_on_commit_callbacks)
    assert CandidateEmail.objects.get().language == "de"
    assert mail.outbox[0].subject == "Ihre Bewerbung: Backend Engineer"


def test_a_candidate_in_a_language_without_templates_gets_english(hr_client, annas_application):
    Candidate.objects.filter(pk=annas_application.candidate_id).update(language="fr")
    assert draft(hr_client, annas_application, "reject")["body"].startswith("Dear Anna Schmidt,")


def test_send_without_a_preview_or_after_a_change_previews_again(
    hr_client, zoes_application, django_capture_on_commit_callbacks
):
    url = compose_url(zoes_application, "reject")
    data = draft(hr_client, zoes_application, "reject")
    with django_capture_on_commit_callbacks(execute=True):
        blind = hr_client.post(url, {**data, "action": "send"})
    assert blind.status_code == 200 and blind.context["preview"]
    digest = blind.context["preview"]["digest"]
    changed = {**data, "body": data["body"] + "\nP.S."}
    with django_capture_on_commit_callbacks(execute=True):
        edited = hr_client.post(url, {**changed, "action": "send", "preview_digest": digest})
    assert edited.status_code == 200
    assert edited.context["preview"]["changed"] is True
    assert "P.S." in edited.context["preview"]["body"]
    assert not CandidateEmail.objects.exists() and not mail.outbox


def test_the_subject_may_not_name_the_candidate(hr_client, zoes_application):
    url = compose_url(zoes_application, "reject")
    for subject in ("Dear {first_name}", "Your application, Ñúñez-O'Brien"):
        page = hr_client.post(url, {"subject": subject, "body": "Text", "action": "preview"})
        assert page.status_code == 400
        assert not page.context["preview"]


def test_an_unknown_placeholder_in_the_email_is_refused(hr_client, zoes_application):
    url = compose_url(zoes_application, "reject")
    page = hr_client.post(url, {"subject": "Hi", "body": "Dear {firstname}", "action": "preview"})
    assert page.status_code == 400
    assert "{firstname}" in page.content.decode()


def test_a_decided_application_cannot_be_decided_twice(
    hr_client, hanna, zoes_application, django_capture_on_commit_callbacks
):
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    page = hr_client.get(compose_url(zoes_application, "hire"))
    assert page.status_code == 200 and page.context["form"] is None
    hr_client.post(compose_url(zoes_application, "hire"), {"subject": "a", "body": "b"})
    assert Application.objects.get(pk=zoes_application.pk).decision == "rejected"
    with pytest.raises(ValidationError):
        decision_send(application=zoes_application, kind="hire", subject="a", body="b", by=hanna)
    assert CandidateEmail.objects.count() == 1


def test_the_send_button_without_a_csrf_token_is_refused(hanna, zoes_application):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hanna)
    url = compose_url(zoes_application, "reject")
    response = client.post(url, {"subject": "Hi", "body": "Text", "action": "send"})
    assert response.status_code == 403
    assert not CandidateEmail.objects.exists()
    assert Application.objects.get(pk=zoes_application.pk).decision == ""


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server unreachable for zoe.nunez@example.org")


def test_an_email_that_cannot_be_sent_fails_and_starts_no_clock(
    hr_client, zoes_application, django_capture_on_commit_callbacks, settings, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    email = CandidateEmail.objects.get()
    assert email.status == Status.FAILED
    application = Application.objects.get(pk=zoes_application.pk)
    assert application.decision == "rejected" and application.decision_communicated_at is None
    assert "zoe.nunez" not in caplog.text
    page = hr_client.get(compose_url(zoes_application, "reject"))
    assert page.context["undelivered"] == email and page.context["communicated_form"]


def test_the_send_task_sends_an_email_once(hanna, zoes_application):
    email = decision_send(
        application=zoes_application, kind="reject", subject="Hi", body="Text", by=hanna
    )
    assert send_candidate_email.delay(email.pk).get() is True
    assert send_candidate_email.delay(email.pk).get() is False
    assert len(mail.outbox) == 1


def _bounce(email: CandidateEmail, event_type: str = "bounced", **extra) -> None:
    event = AnymailTrackingEvent(
        event_type=event_type,
        message_id=email.message_id,
        recipient="zoe.nunez@example.org",
        timestamp=timezone.now(),
        **extra,
    )
    tracking.send(sender=object, event=event, esp_name="Test")


def test_a_bounce_stops_the_clock_and_hr_records_another_way_which_restarts_it(
    hr_client, zoes_application, django_capture_on_commit_callbacks
):
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    email = CandidateEmail.objects.get()
    _bounce(email)

    email.refresh_from_db()
    assert email.status == Status.BOUNCED and email.status_at is not None
    application = Application.objects.get(pk=zoes_application.pk)
    assert application.decision == "rejected"
    assert application.decision_communicated_at is None
    assert erasure_date(application) is None
    event = AuditEvent.objects.get(action="candidate_email_bounced")
    assert event.details["clock"] == "stopped"

    page = hr_client.get(compose_url(zoes_application, "reject"))
    assert "bounced" in page.content.decode()
    assert page.context["communicated_form"] is not None

    url = reverse("decision_communicated", args=[zoes_application.pk])
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused = hr_client.post(url, {"via": "by post", "communicated_on": tomorrow.isoformat()})
    assert refused.status_code == 400
    refused = hr_client.post(url, {"via": "", "communicated_on": timezone.localdate()})
    assert refused.status_code == 400
    assert Application.objects.get(pk=zoes_application.pk).decision_communicated_at is None

    today = timezone.localdate()
    response = hr_client.post(url, {"via": "by post", "communicated_on": today.isoformat()})
    assert response.status_code == 302
    application.refresh_from_db()
    assert timezone.localdate(application.decision_communicated_at) == today
    assert application.decision_communicated_via == "by post"
    assert erasure_date(application) == add_months(today, 6)
    recorded = AuditEvent.objects.get(action="decision_communicated_recorded")
    assert "post" not in json.dumps(recorded.details)

    # A late bounce of the same email no longer touches what HR recorded.
    _bounce(email, event_type="failed")
    application.refresh_from_db()
    assert application.decision_communicated_at is not None


def test_there_is_nothing_to_record_for_an_application_without_a_decision(
    hr_client, zoes_application
):
    url = reverse("decision_communicated", args=[zoes_application.pk])
    today = timezone.localdate().isoformat()
    assert hr_client.post(url, {"via": "phone", "communicated_on": today}).status_code == 400
    assert Application.objects.get(pk=zoes_application.pk).decision_communicated_at is None


def test_managers_see_the_bounce_but_only_hr_records_another_way(
    client, hanna, max_manager, zoes_application, django_capture_on_commit_callbacks
):
    client.force_login(max_manager)
    reject(client, zoes_application, django_capture_on_commit_callbacks)
    _bounce(CandidateEmail.objects.get())
    page = client.get(compose_url(zoes_application, "reject"))
    assert page.context["undelivered"] and page.context["communicated_form"] is None
    url = reverse("decision_communicated", args=[zoes_application.pk])
    today = timezone.localdate().isoformat()
    assert client.post(url, {"via": "phone", "communicated_on": today}).status_code == 404


def test_delivery_events_are_recorded_once_and_opens_are_ignored(
    hr_client, zoes_application, django_capture_on_commit_callbacks
):
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    email = CandidateEmail.objects.get()
    _bounce(email, event_type="opened")
    email.refresh_from_db()
    assert email.status == Status.SENT
    _bounce(email, event_type="delivered")
    _bounce(email, event_type="delivered")
    email.refresh_from_db()
    assert email.status == Status.DELIVERED
    assert AuditEvent.objects.filter(action="candidate_email_delivered").count() == 1
    assert Application.objects.get(pk=zoes_application.pk).decision_communicated_at is not None


class InstantlyBouncingESP(AnymailTestBackend):
    """An ESP whose bounce webhook arrives before its send call has returned."""

    def post_to_esp(self, payload, message):
        response = super().post_to_esp(payload, message)
        event = AnymailTrackingEvent(
            event_type="bounced", message_id="esp-4711", metadata=message.metadata
        )
        tracking.send(sender=object, event=event, esp_name="Test")
        return response


def test_a_bounce_reported_before_the_send_returned_is_kept(hanna, zoes_application, settings):
    settings.EMAIL_BACKEND = f"{__name__}.InstantlyBouncingESP"
    email = decision_send(
        application=zoes_application, kind="reject", subject="Hi", body="Text", by=hanna
    )
    send_candidate_email.delay(email.pk)
    email.refresh_from_db()
    assert email.status == Status.BOUNCED and email.message_id == "0"
    assert Application.objects.get(pk=zoes_application.pk).decision_communicated_at is None


def test_an_event_for_a_message_that_is_no_candidate_email_is_ignored(db):
    event = AnymailTrackingEvent(event_type="bounced", message_id="<other@example.org>")
    tracking.send(sender=object, event=event, esp_name="Test")
    assert not AuditEvent.objects.filter(action__startswith="candidate_email").exists()


def _postmark_bounce(client, message_id: str, credentials: str):
    payload = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "ID": 4323372036854775807,
        "MessageID": message_id,
        "Email": "zoe.nunez@example.org",
        "BouncedAt": timezone.now().isoformat(),
        "Description": "The server was unable to deliver your message.",
    }
    return client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(credentials.encode()).decode(),
    )


def test_a_tracking_webhook_with_the_secret_records_a_bounce_end_to_end(
    hr_client, zoes_application, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {"WEBHOOK_SECRET": "webhook:s3cret-value"}
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    email = CandidateEmail.objects.get()

    response = _postmark_bounce(Client(), email.message_id, "webhook:s3cret-value")
    assert response.status_code == 200
    email.refresh_from_db()
    assert email.status == Status.BOUNCED
    assert Application.objects.get(pk=zoes_application.pk).decision_communicated_at is None


def test_a_tracking_webhook_with_bad_credentials_is_refused(
    hr_client, zoes_application, django_capture_on_commit_callbacks, settings
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "webhook:s3cret-value"}
    reject(hr_client, zoes_application, django_capture_on_commit_callbacks)
    email = CandidateEmail.objects.get()

    assert _postmark_bounce(Client(), email.message_id, "webhook:guess").status_code == 400
    unauthenticated = Client().post(
        "/anymail/postmark/tracking/", data="{}", content_type="application/json"
    )
    assert unauthenticated.status_code == 400
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert Application.objects.get(pk=zoes_application.pk).decision_communicated_at is not None


@pytest.fixture
def three_applicants(vacancy_a, zoes_application, annas_application) -> list[Application]:
    candidate, _ = services.candidate_get_or_create(
        email="li@example.org", first_name="Li", last_name="Wei", phone="+49302"
    )
    third = services.application_create(
        candidate=candidate, vacancy=vacancy_a, channel=Channel.REFERRAL
    )
    return [zoes_application, annas_application, third]


def test_bulk_reject_lists_undecided_applications_all_ticked(
    hr_client, vacancy_a, three_applicants
):
    url = reverse("vacancy_bulk_reject", args=[vacancy_a.pk])
    page = hr_client.get(url)
    assert page.status_code == 200
    assert sorted(a.pk for a in page.context["form"].initial["applications"]) == sorted(
        a.pk for a in three_applicants
    )
    html = page.content.decode()
    assert html.count('type="checkbox"') == 3 and html.count("checked") == 3
    assert "{first_name}" in page.context["form"].initial["body"]
    german = hr_client.get(url, {"language": "de"})
    assert german.context["form"].initial["subject"] == "Ihre Bewerbung: {vacancy_title}"


def test_bulk_reject_sends_n_emails_and_sets_n_decisions(
    hr_client, vacancy_a, three_applicants, django_capture_on_commit_callbacks
):
    url = reverse("vacancy_bulk_reject", args=[vacancy_a.pk])
    initial = hr_client.get(url).context["form"].initial
    zoe_app, anna_app, li_app = three_applicants
    data = {
        "applications": [zoe_app.pk, li_app.pk],
        "language": "en",
        "subject": initial["subject"],
        "body": initial["body"],
    }
    preview = hr_client.post(url, {**data, "action": "preview"})
    assert preview.context["preview"]["application"] == zoe_app
    assert preview.context["preview"]["body"].startswith("Dear Zoë Ñúñez-O'Brien,")
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(
            url,
            {**data, "action": "send", "preview_digest": preview.context["preview"]["digest"]},
            follow=True,
        )
    assert "2 applications rejected" in response.content.decode()
    assert len(mail.outbox) == 2
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert bodies["li@example.org"].startswith("Dear Li Wei,")
    assert all(message.subject == "Your application: Backend Engineer" for message in mail.outbox)
    decisions = dict(Application.objects.filter(vacancy=vacancy_a).values_list("pk", "decision"))
    assert decisions == {zoe_app.pk: "rejected", anna_app.pk: "", li_app.pk: "rejected"}
    assert CandidateEmail.objects.filter(status=Status.SENT).count() == 2


def test_bulk_reject_is_for_hr_only(client, max_manager, vacancy_a, vacancy_b, zoes_application):
    client.force_login(max_manager)
    url = reverse("vacancy_bulk_reject", args=[vacancy_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"applications": [zoes_application.pk]}).status_code == 404


def test_bulk_reject_page_queries_do_not_grow_with_applications(
    hr_client, vacancy_a, three_applicants, django_assert_num_queries
):
    url = reverse("vacancy_bulk_reject", args=[vacancy_a.pk])
    hr_client.get(url)
    with django_assert_num_queries(11):
        hr_client.get(url)
    candidate, _ = services.candidate_get_or_create(
        email="omar@example.org", first_name="Omar", last_name="Haddad", phone="+49303"
    )
    services.application_create(candidate=candidate, vacancy=vacancy_a, channel=Channel.EVENT)
    with django_assert_num_queries(11):
        assert hr_client.get(url).content.decode().count('type="checkbox"') == 4


def test_the_templates_are_listed_for_hr(hr_client):
    page = hr_client.get(reverse("decision_templates"))
    assert page.status_code == 200
    assert len(page.context["templates"]) == 6


def test_a_template_is_previewed_with_sample_values_and_saved(hr_client, hanna):
    template = DecisionTemplate.objects.get(kind="reject", language="en")
    url = reverse("decision_template_edit", args=[template.pk])
    data = {"subject": "About {vacancy_title}", "body": "Hello {first_name} <b>!</b>"}
    preview = hr_client.post(url, {**data, "action": "preview"})
    assert preview.context["preview"] == {
        "subject": "About Sample vacancy",
        "body": "Hello Alex <b>!</b>",
    }
    assert "Hello Alex &lt;b&gt;!&lt;/b&gt;" in preview.content.decode()
    template.refresh_from_db()
    assert template.subject == "Your application: {vacancy_title}"

    saved = hr_client.post(url, {**data, "action": "save"})
    assert saved.status_code == 302
    template.refresh_from_db()
    assert (template.subject, template.body) == (data["subject"], data["body"])
    assert AuditEvent.objects.filter(action="decision_template_updated", actor=hanna).exists()


def test_a_template_with_an_unknown_placeholder_is_refused(hr_client):
    template = DecisionTemplate.objects.get(kind="offer", language="de")
    url = reverse("decision_template_edit", args=[template.pk])
    data = {"subject": "Hallo {vacancy}", "body": "Hallo {vorname} {first_name}"}
    response = hr_client.post(url, {**data, "action": "save"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown placeholders: {vacancy}" in html and "{vorname}" in html
    template.refresh_from_db()
    assert template.subject == "Ihre Bewerbung: {vacancy_title}"


def test_a_template_subject_may_not_carry_the_name(hr_client):
    template = DecisionTemplate.objects.get(kind="hire", language="en")
    url = reverse("decision_template_edit", args=[template.pk])
    response = hr_client.post(
        url, {"subject": "Welcome {first_name}", "body": "Hi", "action": "save"}
    )
    assert response.status_code == 400
    template.refresh_from_db()
    assert template.subject == "Welcome: {vacancy_title}"


def test_templates_are_hr_only(client, max_manager):
    client.force_login(max_manager)
    template = DecisionTemplate.objects.first()
    assert client.get(reverse("decision_templates")).status_code == 404
    assert client.get(reverse("decision_template_edit", args=[template.pk])).status_code == 404

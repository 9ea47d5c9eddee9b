"""Withdrawal: effective at once, by the pool's link, the application confirmation's
consent link or the service; what only the pool held is erased (rows and stored objects
gone), an open application stays for its own purpose, and an email says which."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from anonymizer.models import ErasureRecord
from anonymizer.rules import TALENT_POOL_WITHDRAWN
from anonymizer.selectors import talent_pool_held_until
from ats import services as ats_services
from ats.models import Application, AuditEvent, Candidate, Consent, Document, Purpose
from ats.vault import storage
from ats.vault.intake import document_intake
from careers_site.links import consent_withdraw_url
from talentpool import links
from talentpool.models import DocumentText, PoolMonthlyCount, Source, TalentPoolEntry
from talentpool.services import pool_consent_give, pool_consent_text, pool_join, pool_withdraw
from tests import vault_files
from tests.talentpool.membership import berlin, join_form

NOW = berlin(2026, 9, 1, 12, 0)


def with_cv(application: Application, text: str) -> Document:
    return document_intake(
        application=application, kind="cv", name="cv.pdf", data=vault_files.pdf(text)
    )


def rejected(application: Application, *, communicated) -> Application:
    stage = ats_services.stages_for(application.vacancy).filter(kind="rejected").first()
    ats_services.application_move_stage(application=application, stage=stage, by=None)
    Application.objects.filter(pk=application.pk).update(
        decision="rejected", decided_at=communicated, decision_communicated_at=communicated
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def joined_by_form(client, pool_site, django_capture_on_commit_callbacks):
    """Zoë joined through the pool's form (a pool-only application with her CV)."""
    joined = NOW - timedelta(days=60)
    with time_machine.travel(joined, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert client.post("/talent-pool/join/", join_form()).status_code == 302
    mail.outbox.clear()
    return TalentPoolEntry.objects.select_related("application", "candidate").get()


def withdraw_by_link(client, entry, commit_callbacks):
    url = links.withdraw_url(entry).removeprefix("http://testserver")
    with time_machine.travel(NOW, tick=False), commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 200
    assert "You have left the talent pool" in response.content.decode()


def test_without_any_other_purpose_everything_is_erased_at_once(
    client, joined_by_form, django_capture_on_commit_callbacks
):
    entry = joined_by_form
    application = entry.application
    keys = list(application.documents.values_list("storage_key", flat=True))
    assert keys and all(key in storage.list_keys() for key in keys)
    DocumentText.objects.get_or_create(entry=entry, document=application.documents.get())

    withdraw_by_link(client, entry, django_capture_on_commit_callbacks)

    # Every row about her is gone, the stored CV too; only counts remain.
    for model in (Candidate, Application, Document, Consent, TalentPoolEntry, DocumentText):
        assert not model.objects.exists(), model
    assert not any(key in storage.list_keys() for key in keys)
    assert not AuditEvent.objects.filter(target_type__startswith="ats.").exists()
    record = ErasureRecord.objects.get()
    assert record.rule == TALENT_POOL_WITHDRAWN
    assert record.counts["applications"] == 1 and record.counts["candidates"] == 1
    assert PoolMonthlyCount.objects.get(kind="withdrawn").count == 1

    [message] = mail.outbox
    assert message.subject == "Hirewell: You have left our talent pool"
    assert message.to == ["zoe@example.org"]
    body = message.body
    assert "the details and the 1 document you gave us for the talent pool" in body
    assert "We now hold no personal data about you" in body
    assert "Zoë" not in body  # nothing left to greet her by


def test_an_open_application_stays_and_only_the_pool_purpose_ends(
    client, pool_site, zoe, vacancy_a, django_capture_on_commit_callbacks
):
    application = ats_services.application_create(
        candidate=zoe, vacancy=vacancy_a, channel="linkedin"
    )
    document = with_cv(application, "Zoë's CV")
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        consent = pool_consent_give(candidate=zoe, text=pool_consent_text("en"), via="form")
        entry = pool_join(candidate=zoe, consent=consent, source=Source.APPLICATION_FORM)
    entry.shared_with.add(vacancy_a)
    DocumentText.objects.get_or_create(entry=entry, document=document)

    withdraw_by_link(client, entry, django_capture_on_commit_callbacks)

    entry.refresh_from_db()
    assert (entry.ended_at, entry.end_reason) == (NOW, "withdrawn")
    assert not entry.shared_with.exists() and not DocumentText.objects.exists()
    consent.refresh_from_db()
    assert consent.withdrawn_at == NOW and consent.withdrawn_via == "email_link"
    # The application and its CV stay, for the vacancy she applied to.
    assert Application.objects.get() == application
    assert Document.objects.get() == document and document.storage_key in storage.list_keys()
    assert not ErasureRecord.objects.exists()
    assert talent_pool_held_until([zoe.pk], now=NOW) == {}

    [message] = mail.outbox
    assert '"Backend Engineer": your application is still open' in message.body
    assert "What we erased" not in message.body


def test_applications_kept_only_for_the_pool_go_and_others_keep_their_dates(
    client, joined_by_form, vacancy_a, vacancy_b, django_capture_on_commit_callbacks
):
    entry = joined_by_form
    zoe = entry.candidate
    # Rejected long ago: past its own six months, kept only because she was in the pool.
    old = ats_services.application_create(candidate=zoe, vacancy=vacancy_a, channel="event")
    old_cv = with_cv(old, "old CV")
    rejected(old, communicated=NOW - timedelta(days=200))
    # Rejected a month ago: kept for its own months (legal claims).
    recent = ats_services.application_create(candidate=zoe, vacancy=vacancy_b, channel="event")
    rejected(recent, communicated=berlin(2026, 8, 1, 10, 0))

    withdraw_by_link(client, entry, django_capture_on_commit_callbacks)

    assert list(Application.objects.all()) == [recent]
    assert not Document.objects.filter(pk=old_cv.pk).exists()
    assert old_cv.storage_key not in storage.list_keys()
    assert Candidate.objects.filter(pk=zoe.pk).exists()  # the recent application holds her
    assert sorted(ErasureRecord.objects.values_list("rule", flat=True)) == [
        TALENT_POOL_WITHDRAWN,
        TALENT_POOL_WITHDRAWN,
    ]
    body = mail.outbox[-1].body
    assert "the details and the 1 document you gave us for the talent pool" in body
    assert 'your application "Backend Engineer", which we kept only for the talent pool' in body
    assert '"HR Generalist": kept until' in body and "for possible legal claims" in body
    assert "We now hold no personal data" not in body


def test_withdrawing_by_the_consent_link_of_the_application_confirmation_ends_the_entry(
    client, joined_by_form, django_capture_on_commit_callbacks
):
    """The careers site's link withdraws the Consent; the pool's receiver ends the entry
    by the same service (no loop: the entry has ended before its consents are withdrawn)."""
    entry = joined_by_form
    url = consent_withdraw_url(entry.consent).removeprefix("http://testserver")
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 200
    assert "Consent withdrawn" in response.content.decode()
    assert not TalentPoolEntry.objects.exists() and not Candidate.objects.exists()
    assert [m.subject for m in mail.outbox] == ["Hirewell: You have left our talent pool"]
    assert PoolMonthlyCount.objects.get(kind="withdrawn").count == 1


def test_the_service_withdraws_once_and_records_who_did_it(pool_site, zoes_application, hanna):
    zoe = zoes_application.candidate  # her open application keeps her
    consent = pool_consent_give(candidate=zoe, text=pool_consent_text("en"), via="form")
    entry = pool_join(candidate=zoe, consent=consent, source=Source.APPLICATION_FORM)
    # Another talent-pool consent of hers (an earlier application's) is withdrawn too.
    older = pool_consent_give(candidate=zoe, text=pool_consent_text("en"), via="form")
    assert pool_withdraw(entry=entry, via=Consent.Via.STAFF, by=hanna) is True
    assert pool_withdraw(entry=entry, via=Consent.Via.STAFF, by=hanna) is False
    assert not Consent.objects.filter(purpose=Purpose.TALENT_POOL, withdrawn_at=None).exists()
    older.refresh_from_db()
    assert older.withdrawn_via == "staff"
    event = AuditEvent.objects.get(action="talent_pool_withdrawn")
    assert event.actor == hanna and event.details == {"via": "staff"}
    assert PoolMonthlyCount.objects.get(kind="withdrawn").count == 1


def test_someone_held_only_by_the_pool_is_erased_when_they_leave_or_it_expires(
    pool_site, zoe, django_capture_on_commit_callbacks
):
    """Her applications went earlier (on her request, say): the pool held only her
    contact details, so nothing is left to keep once the entry ends."""
    from ats import services as ats_services
    from talentpool.services import pool_expire_due

    consent = pool_consent_give(candidate=zoe, text=pool_consent_text("en"), via="email_link")
    entry = pool_join(candidate=zoe, consent=consent, source=Source.REJECTION_EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        assert pool_withdraw(entry=entry, via="email_link")
    assert not Candidate.objects.exists() and not Consent.objects.exists()
    assert ErasureRecord.objects.get().rule == TALENT_POOL_WITHDRAWN
    assert "We now hold no personal data about you" in mail.outbox[-1].body

    anna, _ = ats_services.candidate_get_or_create(
        email="anna@example.org", first_name="Anna", last_name="S", phone="+49 40 1234567"
    )
    with time_machine.travel(NOW, tick=False):
        consent = pool_consent_give(candidate=anna, text=pool_consent_text("en"), via="form")
        pool_join(candidate=anna, consent=consent, source=Source.HR_INVITATION)
    assert pool_expire_due(now=NOW + timedelta(days=200)) == 1
    assert not Candidate.objects.exists() and not TalentPoolEntry.objects.exists()
    assert ErasureRecord.objects.filter(rule="talent_pool_ended").count() == 1

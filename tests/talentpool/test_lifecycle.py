"""The whole membership over a year, with the clock moved: joining by the pool's form,
the renewal request and the reminder on their days (once each), renewal, then no
answer: expiry, and the retention job erasing the pool-only application."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core import mail

from anonymizer.models import ErasureRecord
from anonymizer.rules import TALENT_POOL_ENDED
from anonymizer.selectors import talent_pool_held_until
from anonymizer.services import enforce_retention
from ats.models import Application, Candidate, Consent, Document, Purpose
from ats.vault import storage
from talentpool import tasks
from talentpool.models import DocumentText, PoolMonthlyCount, TalentPoolEntry
from tests.talentpool.membership import (
    berlin,
    join_form,
    links_in,
    post_page,
    subjects,
)

JOINED = berlin(2026, 1, 15, 10, 0)
FIRST_EXPIRY = berlin(2026, 7, 15, 10, 0)
RENEWED = berlin(2026, 7, 8, 18, 0)
SECOND_EXPIRY = berlin(2027, 1, 8, 18, 0)


def daily(at):
    """The beat task at 03:00 on that day (site time zone)."""
    with time_machine.travel(at, tick=False):
        return tasks.daily.delay().get()


def counts() -> dict[str, int]:
    return {row.kind: row.count for row in PoolMonthlyCount.objects.all()} | {
        f"{row.month:%Y-%m} {row.kind}": row.count for row in PoolMonthlyCount.objects.all()
    }


def test_a_member_joins_renews_once_then_expires_and_is_erased(
    client, pool_site, django_capture_on_commit_callbacks
):
    # Joining by the pool's own form: an unsolicited application for the pool only.
    with time_machine.travel(JOINED, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/talent-pool/join/", join_form())
    assert response.status_code == 302 and response["Location"] == "/talent-pool/join/done/"
    entry = TalentPoolEntry.objects.select_related("application", "consent").get()
    application = entry.application
    assert application.vacancy is None and application.channel == "linkedin"
    assert entry.source == "pool_form" and entry.joined_at == JOINED
    assert entry.expires_at == FIRST_EXPIRY
    assert entry.location == "Berlin" and entry.skills == ["Python", "Kubernetes"]
    assert entry.consent.purpose == Purpose.TALENT_POOL and entry.consent.given_via == "form"
    assert entry.consent.application == application
    assert application.documents.count() == 1
    # The welcome replaces the application's confirmation; it names no one in its subject.
    assert subjects() == ["Hirewell: You are in our talent pool"]
    welcome = mail.outbox[0]
    assert welcome.to == ["zoe@example.org"]
    assert "until 15 July 2026" in welcome.body.replace("July 15, 2026", "15 July 2026")
    assert set(links_in(welcome)) == {"withdraw"}
    assert counts()["2026-01 joined"] == 1

    # The day before the request is due nothing goes; on its day, the request, once.
    assert daily(berlin(2026, 6, 14, 3, 0))["renewal_requests"] == 0
    assert daily(berlin(2026, 6, 15, 3, 0))["renewal_requests"] == 1
    assert daily(berlin(2026, 6, 15, 3, 0))["renewal_requests"] == 0
    assert daily(berlin(2026, 6, 16, 3, 0)) == {
        "expired": 0,
        "renewal_requests": 0,
        "renewal_reminders": 0,
        "failures": 0,
    }
    request = mail.outbox[-1]
    assert request.subject == "Hirewell: Your talent-pool membership: renew?"
    assert set(links_in(request)) == {"renew", "withdraw"}
    entry.refresh_from_db()
    assert entry.renewal_requested_at == berlin(2026, 6, 15, 3, 0)

    # The reminder: seven days before the day of expiry, once.
    assert daily(berlin(2026, 7, 7, 3, 0))["renewal_reminders"] == 0
    assert daily(berlin(2026, 7, 8, 3, 0))["renewal_reminders"] == 1
    assert daily(berlin(2026, 7, 9, 3, 0))["renewal_reminders"] == 0
    reminder = mail.outbox[-1]
    assert reminder.subject == "Hirewell: Reminder: your talent-pool membership ends soon"
    assert set(links_in(reminder)) == {"renew", "withdraw"}
    assert len(mail.outbox) == 3

    # Renewing through the reminder's link: a new consent with the text shown, another
    # six months from the click.
    with time_machine.travel(RENEWED, tick=False):
        page = client.get(links_in(reminder)["renew"])
        assert entry.consent.text.text in page.content.decode()
        response = post_page(
            client, links_in(reminder)["renew"], django_capture_on_commit_callbacks
        )
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.expires_at == SECOND_EXPIRY and entry.renewal_count == 1
    assert (entry.renewal_requested_at, entry.renewal_reminded_at) == (None, None)
    consent = entry.consent
    assert (consent.given_at, consent.given_via) == (RENEWED, Consent.Via.EMAIL_LINK)
    assert Consent.objects.filter(purpose=Purpose.TALENT_POOL).count() == 2
    assert mail.outbox[-1].subject == "Hirewell: Your talent-pool membership is renewed"
    assert counts()["2026-07 renewed"] == 1
    # The first expiry passes without effect.
    assert daily(berlin(2026, 7, 16, 3, 0))["expired"] == 0

    # No answer this time: request, reminder, then expiry on the first run after it.
    assert daily(berlin(2026, 12, 9, 3, 0))["renewal_requests"] == 1
    assert daily(berlin(2027, 1, 1, 3, 0))["renewal_reminders"] == 1
    assert subjects()[-2:] == [
        "Hirewell: Your talent-pool membership: renew?",
        "Hirewell: Reminder: your talent-pool membership ends soon",
    ]
    mails_before_expiry = len(mail.outbox)
    DocumentText.objects.get_or_create(entry=entry, document=application.documents.get())
    assert daily(berlin(2027, 1, 8, 3, 0))["expired"] == 0
    assert daily(berlin(2027, 1, 9, 3, 0))["expired"] == 1
    entry.refresh_from_db()
    assert entry.ended_at == berlin(2027, 1, 9, 3, 0) and entry.end_reason == "expired"
    assert not DocumentText.objects.exists()
    assert counts()["2027-01 expired"] == 1
    assert len(mail.outbox) == mails_before_expiry  # expiry sends nothing
    assert talent_pool_held_until([entry.candidate_id], now=berlin(2027, 1, 9, 3, 0)) == {}

    # The retention job at 03:30 erases the application that existed only for the pool.
    key = application.documents.get().storage_key
    with django_capture_on_commit_callbacks(execute=True):
        report = enforce_retention(now=berlin(2027, 1, 9, 3, 30))
    assert report.erased[TALENT_POOL_ENDED] == 1 and report.total == 1
    assert not Application.objects.exists() and not Document.objects.exists()
    assert not Candidate.objects.exists() and not Consent.objects.exists()
    assert not TalentPoolEntry.objects.exists()
    assert key not in storage.list_keys()
    record = ErasureRecord.objects.get()
    assert record.rule == TALENT_POOL_ENDED and record.counts["documents"] == 1
    # The counts survive: they name no one.
    assert counts()["2026-01 joined"] == 1 and counts()["2027-01 expired"] == 1
    # A second run finds nothing.
    assert enforce_retention(now=berlin(2027, 1, 9, 3, 31)).total == 0


def test_a_late_run_sends_one_email_not_a_request_and_a_reminder_at_once(
    pool_site, zoe, django_capture_on_commit_callbacks
):
    from talentpool.services import pool_consent_give, pool_consent_text, pool_join

    with time_machine.travel(JOINED, tick=False):
        consent = pool_consent_give(
            candidate=zoe, text=pool_consent_text("en"), via=Consent.Via.FORM
        )
        entry = pool_join(candidate=zoe, consent=consent, source="application_form")
    mail.outbox.clear()
    # The job was down for weeks: on the reminder's day, one email, both marks.
    result = daily(berlin(2026, 7, 10, 3, 0))
    assert (result["renewal_requests"], result["renewal_reminders"]) == (1, 0)
    assert subjects() == ["Hirewell: Your talent-pool membership: renew?"]
    entry.refresh_from_db()
    assert entry.renewal_requested_at == entry.renewal_reminded_at == berlin(2026, 7, 10, 3, 0)
    assert daily(berlin(2026, 7, 11, 3, 0))["renewal_reminders"] == 0


def test_a_failed_request_is_sent_again_by_the_next_run(pool_site, zoe, settings, monkeypatch):
    from talentpool import services
    from talentpool.services import pool_consent_give, pool_consent_text, pool_join

    with time_machine.travel(JOINED, tick=False):
        consent = pool_consent_give(
            candidate=zoe, text=pool_consent_text("en"), via=Consent.Via.FORM
        )
        entry = pool_join(candidate=zoe, consent=consent, source="application_form")

    def refuse(**kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "_send", refuse)
    assert daily(berlin(2026, 6, 15, 3, 0))["failures"] == 1
    entry.refresh_from_db()
    assert entry.renewal_requested_at is None
    monkeypatch.undo()
    assert daily(berlin(2026, 6, 16, 3, 0))["renewal_requests"] == 1
    assert subjects()[-1] == "Hirewell: Your talent-pool membership: renew?"


def test_joining_again_while_a_member_renews_the_entry_instead_of_a_second_one(pool_site, zoe):
    from talentpool.services import pool_consent_give, pool_consent_text, pool_join

    with time_machine.travel(JOINED, tick=False):
        first = pool_consent_give(candidate=zoe, text=pool_consent_text("en"), via="form")
        entry = pool_join(candidate=zoe, consent=first, source="application_form")
    later = JOINED + timedelta(days=40)
    with time_machine.travel(later, tick=False):
        second = pool_consent_give(candidate=zoe, text=pool_consent_text("en"), via="form")
        again = pool_join(candidate=zoe, consent=second, source="application_form", skills=["Go"])
    assert again.pk == entry.pk and TalentPoolEntry.objects.count() == 1
    again.refresh_from_db()
    assert again.consent == second and again.expires_at == berlin(2026, 8, 24, 10, 0)
    assert again.renewal_count == 1 and again.skills == ["Go"]
    assert counts() == {
        "joined": 1,
        "renewed": 1,
        "2026-01 joined": 1,
        "2026-02 renewed": 1,
    }


def test_hrs_retention_page_lists_a_pool_only_application_before_it_goes(
    client, pool_site, hanna, django_capture_on_commit_callbacks
):
    from anonymizer.rules import Deadline
    from anonymizer.selectors import upcoming_erasures

    with time_machine.travel(JOINED, tick=False), django_capture_on_commit_callbacks(execute=True):
        client.post("/talent-pool/join/", join_form())
    entry = TalentPoolEntry.objects.get()
    assert upcoming_erasures(FIRST_EXPIRY - timedelta(days=31)) == []
    soon = FIRST_EXPIRY - timedelta(days=20)
    assert upcoming_erasures(soon) == [
        (entry.application, Deadline(TALENT_POOL_ENDED, FIRST_EXPIRY))
    ]
    client.force_login(hanna)
    with time_machine.travel(soon, tick=False):
        page = client.get("/recruit/retention/")
    assert page.status_code == 200
    assert "a pool-only application after its entry ended" in page.content.decode()

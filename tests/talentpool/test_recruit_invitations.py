"""Inviting a pool member to apply (the email, its signed link, the pre-filled form) and
offering a past applicant membership (the email and its join link)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from ats import services
from ats.models import Application, AuditEvent, Channel
from talentpool.invitations import INVITATION_SALT, invitation_token
from talentpool.links import join_offer_from_token
from talentpool.models import EndReason, Source, TalentPoolEntry
from tests.talentpool.pool_people import member, person


@pytest.fixture
def zoes_entry(zoe):
    return member(zoe, skills=["Python"])


def link_in(body: str, prefix: str) -> str:
    match = re.search(rf"{re.escape(prefix)}\S+", body)
    assert match, body
    url = urlsplit(match.group(0))
    return f"{url.path}?{url.query}" if url.query else url.path


def invite(client, user, entry, vacancy, captured):
    client.force_login(user)
    with captured(execute=True):
        return client.post(
            reverse("talentpool_recruit:member_invite", args=[entry.pk]), {"vacancy": vacancy.pk}
        )


def test_the_invitation_email_links_to_a_prefilled_form_for_that_vacancy(
    client, hanna, zoes_entry, vacancy_a, mailoutbox, django_capture_on_commit_callbacks, settings
):
    response = invite(client, hanna, zoes_entry, vacancy_a, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == ["zoe.nunez@example.org"]
    assert message.subject == f"{settings.ATS_SITE_NAME}: An invitation to apply"
    assert "Zoë" not in message.subject
    assert "Hello Zoë," in message.body and '"Backend Engineer" in Berlin' in message.body
    assert "You decide" in message.body
    assert reverse("talentpool:withdraw", args=["x"]).rsplit("x", 1)[0] in message.body
    apply_path = reverse("careers_site:apply", kwargs={"reference": vacancy_a.reference})
    link = link_in(message.body, settings.ATS_BASE_URL + apply_path)
    assert "zoe" not in link.lower()  # no personal data in the URL

    client.logout()
    form = client.get(link).context["form"]
    assert form.initial["first_name"] == "Zoë"
    assert form.initial["last_name"] == "Ñúñez-O'Brien"
    assert form.initial["email"] == "zoe.nunez@example.org"
    assert form.initial["phone"] == "+49 30 1234567"
    assert "cv" not in form.initial and "talent_pool_consent" not in form.initial
    # Nothing was applied for them.
    assert not Application.objects.filter(candidate=zoes_entry.candidate).exists()
    assert AuditEvent.objects.filter(
        action="talent_pool_invited_to_apply", target_id=str(zoes_entry.pk)
    ).get().details == {"vacancy": vacancy_a.pk}


def test_a_link_prefills_nothing_when_tampered_foreign_expired_or_the_member_left(
    client, zoes_entry, vacancy_a, vacancy_b
):
    def initial(vacancy, token):
        url = reverse("careers_site:apply", kwargs={"reference": vacancy.reference})
        return client.get(url, {"invitation": token}).context["form"].initial

    token = invitation_token(zoes_entry, vacancy_a)
    assert initial(vacancy_a, token)["email"] == "zoe.nunez@example.org"
    assert "email" not in initial(vacancy_a, token[:-2] + "xx")  # tampered
    assert "email" not in initial(vacancy_b, token)  # made for another vacancy
    other_purpose = signing.dumps({"e": zoes_entry.pk, "c": zoes_entry.candidate_id, "v": 1})
    assert "email" not in initial(vacancy_a, other_purpose)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert "email" not in initial(vacancy_a, token)  # expired
    TalentPoolEntry.objects.filter(pk=zoes_entry.pk).update(
        ended_at=timezone.now(), end_reason=EndReason.WITHDRAWN
    )
    assert "email" not in initial(vacancy_a, token)  # left the pool since
    assert signing.loads(token, salt=INVITATION_SALT)["v"] == vacancy_a.pk


def test_a_manager_invites_only_to_their_open_vacancies_the_member_is_shared_with(
    client,
    max_manager,
    zoes_entry,
    vacancy_a,
    vacancy_b,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    zoes_entry.shared_with.add(vacancy_a)
    invite(client, max_manager, zoes_entry, vacancy_b, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    invite(client, max_manager, zoes_entry, vacancy_a, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1


def test_a_closed_vacancy_cannot_be_invited_to(
    client, hanna, zoes_entry, vacancy_a, mailoutbox, django_capture_on_commit_callbacks
):
    services.vacancy_close(vacancy=vacancy_a)
    invite(client, hanna, zoes_entry, vacancy_a, django_capture_on_commit_callbacks)
    assert mailoutbox == []


def rejected(candidate, vacancy) -> Application:
    application = services.application_create(
        candidate=candidate, vacancy=vacancy, channel=Channel.CAREERS_SITE
    )
    Application.objects.filter(pk=application.pk).update(
        decision=Application.Decision.REJECTED, decided_at=timezone.now()
    )
    return application


def test_hr_offers_a_past_applicant_membership_by_email(
    client, hanna, vacancy_a, mailoutbox, django_capture_on_commit_callbacks, settings
):
    bob = person("Bob", "Baker")
    application = rejected(bob, vacancy_a)
    client.force_login(hanna)
    listing = client.get(reverse("talentpool_recruit:offer"))
    assert "Bob Baker" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("talentpool_recruit:offer_send", args=[application.pk]))
    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == ["bob.baker@example.org"]
    assert "Bob" not in message.subject and "talent pool" in message.subject
    assert '"Backend Engineer"' in message.body and "nothing changes" in message.body
    join_path = reverse("talentpool:join_offer", args=["TOKEN"]).split("TOKEN")[0]
    link = link_in(message.body, settings.ATS_BASE_URL + join_path)
    payload = join_offer_from_token(link.rstrip("/").rsplit("/", 1)[-1])
    assert payload == {"c": bob.pk, "s": Source.HR_INVITATION, "a": application.pk}
    assert not TalentPoolEntry.objects.filter(candidate=bob).exists()  # they decide
    assert client.get(link).status_code == 200  # pool-core's confirmation page


def test_offers_exclude_members_undecided_applications_and_those_who_left(
    client, hanna, max_manager, zoes_entry, vacancy_a
):
    rejected(zoes_entry.candidate, vacancy_a)  # in the pool already
    services.application_create(
        candidate=person("Pending"), vacancy=vacancy_a, channel=Channel.CAREERS_SITE
    )
    gone = person("Gone")
    rejected(gone, vacancy_a)
    from tests.talentpool.pool_people import pool_consent

    consent = pool_consent(gone)
    consent.withdrawn_at = timezone.now()
    consent.save()
    client.force_login(hanna)
    page = client.get(reverse("talentpool_recruit:offer")).content.decode()
    assert "Zoë" not in page and "Pending" not in page and "Gone" not in page
    application = Application.objects.get(candidate=gone)
    url = reverse("talentpool_recruit:offer_send", args=[application.pk])
    assert client.post(url).status_code == 404
    client.force_login(max_manager)
    assert client.get(reverse("talentpool_recruit:offer")).status_code == 404

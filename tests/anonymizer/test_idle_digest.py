"""The daily digest to HR: how many undecided applications are idle longer than
ATS_RETENTION_IDLE_DAYS, and a link to the retention page; no names, no titles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail

from anonymizer.notifications import idle_digest_send
from anonymizer.tasks import idle_digest
from ats.selectors import HR
from tests.anonymizer.conftest import apply, berlin, decide, person
from tests.anonymizer.test_accountability import URLCONF

CREATED = berlin(2026, 6, 1, 9, 0)
NOW = CREATED + timedelta(days=181)


@pytest.fixture(autouse=True)
def _retention_urls(settings):
    settings.ROOT_URLCONF = URLCONF
    settings.ATS_BASE_URL = "https://jobs.example.com"
    settings.ATS_SITE_NAME = "Hirewell"


@pytest.fixture
def hr_team(hanna, max_manager, mia) -> list[User]:
    """Hanna and Henrik have addresses; Ines has left (inactive); Olaf has no address.
    Max (a hiring manager) and Mia (management) are not HR."""
    hanna.email = "hanna@example.com"
    hanna.save()
    for user in (max_manager, mia):
        user.email = f"{user.username}@example.com"
        user.save()
    hr = Group.objects.get(name=HR)
    henrik = User.objects.create_user("henrik", email="henrik@example.com")
    ines = User.objects.create_user("ines", email="ines@example.com", is_active=False)
    olaf = User.objects.create_user("olaf", email="")
    for user in (henrik, ines, olaf):
        user.groups.add(hr)
    return [hanna, henrik]


@pytest.fixture
def idle(zoe, vacancy_a, time_machine):
    """Zoë's application and another one, undecided and untouched since 1 June 2026;
    a third undecided one changed later, and a rejection (it has its own clock)."""
    time_machine.move_to(CREATED, tick=False)
    applications = [
        apply(zoe, vacancy_a, at=CREATED),
        apply(person("ada"), None, at=CREATED),
    ]
    decide(apply(person("bea"), vacancy_a, at=CREATED), "rejected", at=CREATED)
    time_machine.move_to(CREATED + timedelta(days=30), tick=False)
    apply(person("cem"), vacancy_a, at=CREATED)
    time_machine.move_to(NOW, tick=False)
    return applications


def test_each_hr_user_with_an_address_gets_the_count_and_the_link(hr_team, idle):
    assert idle_digest_send() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "hanna@example.com",
        "henrik@example.com",
    ]
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc
        assert message.subject == "Hirewell: 2 applications are waiting for a decision"
        assert "2 applications have had no decision and no change for more than 180 days." in (
            message.body
        )
        assert "https://jobs.example.com/recruit/retention/" in message.body


def test_the_digest_names_no_one_and_no_vacancy(hr_team, idle, zoe):
    idle_digest_send()
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in (zoe.first_name, zoe.last_name, zoe.email, "ada", "Backend Engineer"):
            assert secret.lower() not in text.lower()
        assert "/applications/" not in text


def test_one_idle_application_is_counted_in_the_singular(hr_team, idle):
    idle[1].delete()
    idle_digest_send()
    assert mail.outbox[0].subject == "Hirewell: 1 application is waiting for a decision"


def test_the_setting_decides_what_is_idle(hr_team, idle, settings):
    settings.ATS_RETENTION_IDLE_DAYS = 200
    assert idle_digest_send() == 0
    settings.ATS_RETENTION_IDLE_DAYS = 30
    idle_digest_send()
    assert "3 applications" in mail.outbox[0].subject
    assert "more than 30 days" in mail.outbox[0].body


def test_nothing_is_sent_when_nothing_is_idle(hr_team, zoes_application):
    assert idle_digest_send() == 0
    assert mail.outbox == []


def test_it_is_sent_once_a_day(hr_team, idle, time_machine):
    assert idle_digest_send() == 2
    time_machine.move_to(NOW + timedelta(hours=3), tick=False)
    assert idle_digest_send() == 0  # a redelivered task, or a second beat
    time_machine.move_to(NOW + timedelta(days=1), tick=False)
    assert idle_digest_send() == 2
    assert len(mail.outbox) == 4


def test_a_failed_send_may_be_retried_the_same_day(hr_team, idle, monkeypatch):
    def refused(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr("anonymizer.notifications.send_mass_mail", refused)
    with pytest.raises(ConnectionRefusedError):
        idle_digest_send()
    monkeypatch.undo()
    assert idle_digest_send() == 2


def test_the_daily_task_sends_it(hr_team, idle):
    assert idle_digest.name == "anonymizer.idle_digest"
    assert idle_digest.delay().get() == 2
    assert len(mail.outbox) == 2

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from ats import services
from ats.models import Channel
from ats.selectors import visible_applications, visible_vacancies


def test_hr_sees_every_vacancy_and_application(hanna, zoes_application, vacancy_b):
    assert set(visible_vacancies(hanna)) == {zoes_application.vacancy, vacancy_b}
    assert list(visible_applications(hanna)) == [zoes_application]


def test_it_hides_other_vacancies_from_managers(brigitte, zoes_application, vacancy_b):
    assert list(visible_vacancies(brigitte)) == [vacancy_b]
    assert list(visible_applications(brigitte)) == []


def test_a_manager_sees_the_applications_of_their_vacancy(max_manager, zoes_application):
    assert list(visible_applications(max_manager)) == [zoes_application]


def test_managers_never_see_unsolicited_applications(max_manager, zoe, vacancy_a):
    services.application_create(candidate=zoe, vacancy=None, channel=Channel.CAREERS_SITE)
    assert list(visible_applications(max_manager)) == []


def test_management_and_strangers_see_no_person(mia, zoes_application):
    for user in (mia, AnonymousUser()):
        assert not visible_applications(user).exists()
        assert not visible_vacancies(user).exists()


def test_a_deactivated_recruiter_sees_nothing(hanna, zoes_application):
    hanna.is_active = False
    hanna.save()
    assert not visible_applications(hanna).exists()

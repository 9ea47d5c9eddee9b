from __future__ import annotations

import pytest


def test_staff_log_in_and_land_in_the_workspace(client, hanna, vacancy_a):
    response = client.post(
        "/accounts/login/", {"username": "hanna", "password": "correct horse battery"}
    )
    assert response.status_code == 302 and response["Location"] == "/recruit/"
    page = client.get("/recruit/")
    assert page.status_code == 200
    assert b"Backend Engineer" in page.content


def test_a_wrong_password_is_refused(client, hanna):
    response = client.post("/accounts/login/", {"username": "hanna", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_a_manager_sees_only_their_vacancies(client, max_manager, vacancy_a, vacancy_b):
    client.force_login(max_manager)
    page = client.get("/recruit/")
    assert b"Backend Engineer" in page.content
    assert b"HR Generalist" not in page.content


@pytest.mark.parametrize("persona", ["mia"])
def test_management_sees_no_vacancy_in_the_workspace(client, request, persona, vacancy_a):
    client.force_login(request.getfixturevalue(persona))
    assert b"Backend Engineer" not in client.get("/recruit/").content


def test_the_workspace_needs_a_login(client, db):
    response = client.get("/recruit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_passwords_are_hashed_with_argon2(hanna):
    assert hanna.password.startswith("argon2$")

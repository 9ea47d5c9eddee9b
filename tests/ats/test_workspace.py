from __future__ import annotations

import pytest


def test_staff_log_in_and_land_in_the_workspace(client, hanna, vacancy_a):
    response = client.post(
        "/accounts/login/", {"username": "hanna", "password": "correct horse battery"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/start/"
    landing = client.get(response["Location"])
    assert landing.status_code == 302 and landing["Location"] == "/recruit/"
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


def test_hr_sees_failed_and_pending_scans_and_a_scanner_that_is_off(
    client, hanna, zoes_application, settings
):
    from ats.models import Document

    for status in (Document.ScanStatus.FAILED, Document.ScanStatus.PENDING):
        Document.objects.create(
            application=zoes_application,
            kind=Document.Kind.CV,
            display_name="cv.pdf",
            content_type="application/pdf",
            size=1,
            storage_key=f"vault/{status}",
            key_id="k1",
            wrapped_key=b"x",
            scan_status=status,
        )
    settings.CLAMD_HOST, settings.CLAMD_SOCKET = "", ""
    client.force_login(hanna)
    page = client.get("/recruit/").content.decode()
    assert "1 document could not be virus-scanned after every retry" in page
    assert "1 document is waiting for its virus scan" in page
    assert "Virus scanning is off" in page

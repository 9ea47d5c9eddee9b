from __future__ import annotations

from ats import services as ats_services
from ats.models import Department


def test_chromium_opens_the_job_board_and_takes_a_screenshot(browser, live_server, tmp_path):
    department = Department.objects.create(name="Engineering")
    vacancy = ats_services.vacancy_create(
        title="Backend Engineer", department=department, location="Berlin", description="Code."
    )
    ats_services.vacancy_publish(vacancy=vacancy)
    page = browser.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    assert page.get_by_role("heading", name="Open positions").is_visible()
    page.get_by_role("link", name="Backend Engineer").click()
    assert page.get_by_role("heading", name="Backend Engineer").is_visible()
    screenshot = tmp_path / "vacancy.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert console_errors == []  # no CSP violations, no missing assets

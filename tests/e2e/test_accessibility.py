"""axe-core on the pages applicants use: no serious or critical finding."""

from __future__ import annotations

import pytest

from ats import services as ats_services
from ats.models import Department


@pytest.fixture
def vacancy(transactional_db):
    department = Department.objects.create(name="Engineering")
    vacancy = ats_services.vacancy_create(
        title="Backend Engineer",
        department=department,
        location="Berlin",
        description="Build things.\n\nWith care.",
        summary="Python and Django.",
    )
    ats_services.vacancy_publish(vacancy=vacancy)
    return vacancy


@pytest.mark.parametrize(
    "path", ["/", "/careers/?q=engineer", "/privacy/", "/talent-pool/join/", "/my-data/"]
)
def test_the_public_pages_have_no_serious_accessibility_findings(audit, live_server, vacancy, path):
    assert audit(live_server.url + path) == []


def test_the_vacancy_page_has_no_serious_accessibility_findings(audit, live_server, vacancy):
    assert audit(live_server.url + vacancy.get_absolute_url()) == []


def test_the_form_has_no_serious_accessibility_findings(audit, live_server, vacancy):
    assert audit(f"{live_server.url}/careers/{vacancy.reference}/apply/") == []


def test_the_form_with_errors_has_no_serious_accessibility_findings(audit, live_server, vacancy):
    def submit_empty(page):
        page.get_by_role("button", name="Send application").click()
        page.get_by_role("heading", name="Please check your application").wait_for()

    assert audit(f"{live_server.url}/careers/{vacancy.reference}/apply/", before=submit_empty) == []

"""HR's day, in Chromium: log in, open a vacancy's board, move a candidate to Interview,
add an evaluation, reject with the template; the decision email reaches the SMTP sink
and the candidate file shows the erasure date."""

from __future__ import annotations

import mailbox
import time
from datetime import timedelta

from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.utils import formats, timezone

from ats import services as ats_services
from ats.models import Application, Candidate, Department
from ats.services.decisions import erasure_date
from tests import services


def test_hr_moves_evaluates_and_rejects_a_candidate(browser, live_server, settings, tmp_path):
    maildir = services.smtp_maildir()
    settings.EMAIL_BACKEND = django_settings.ATS_EMAIL_BACKEND
    hr = User.objects.create_user("hanna.hr", password="a long and fine passphrase")
    hr.groups.add(Group.objects.get(name="hr"))
    department = Department.objects.create(name="Engineering")
    vacancy = ats_services.vacancy_create(
        title="Backend Engineer", department=department, location="Berlin", description="."
    )
    ats_services.vacancy_publish(vacancy=vacancy)
    email = f"jonas.{int(time.time() * 1000)}@example.org"
    candidate = Candidate.objects.create(
        first_name="Jonas", last_name="Becker", email=email, phone="+49 30 1"
    )
    application = ats_services.application_create(
        candidate=candidate, vacancy=vacancy, channel="linkedin"
    )

    page = browser.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("hanna.hr")
    page.get_by_label("Password").fill("a long and fine passphrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Backend Engineer").click()
    page.get_by_role("heading", name="Backend Engineer").wait_for()

    # The card's column has one "Move to" menu; the card's own button moves that card.
    column = page.locator("section.column", has=page.get_by_role("link", name="Jonas Becker"))
    column.get_by_label("Move to").select_option(label="Interview")
    column.get_by_role("button", name="Move").click()
    page.get_by_text("Moved to Interview.").wait_for()

    page.get_by_role("link", name="Jonas Becker").click()
    page.get_by_role("link", name="Add an evaluation").click()
    for label in ("Skills", "Experience", "Communication", "Motivation"):
        page.get_by_label(label, exact=True).select_option("4")
    page.get_by_label("Overall rating").select_option("4")
    page.get_by_label("Recommendation").select_option(label="No")
    page.get_by_role("button", name="Save evaluation").click()
    page.get_by_text("Evaluation saved.").wait_for()

    page.get_by_role("link", name="Reject", exact=True).click()
    page.get_by_role("button", name="Preview").click()
    page.locator("#preview-body").wait_for()
    page.get_by_role("button", name="Send and record", exact=False).click()
    page.wait_for_load_state()

    deadline = time.monotonic() + 30
    message = None
    while message is None and time.monotonic() < deadline:
        message = next(
            (m for m in mailbox.Maildir(maildir, create=False) if m["To"] == email), None
        )
        time.sleep(0.3)
    assert message is not None, "the decision email did not reach the SMTP sink"
    assert message["Subject"] == "Your application: Backend Engineer"

    application.refresh_from_db()
    assert application.decision == "rejected" and application.decision_communicated_at
    page.goto(f"{live_server.url}/recruit/applications/{application.pk}/")
    # A communicated rejection is kept only for legal claims: HR states why first.
    page.get_by_label("Why do you need to open this application?").select_option("audit")
    page.get_by_role("button", name="Open the application").click()
    erasure = erasure_date(application)
    assert erasure is not None and erasure > timezone.localdate() + timedelta(days=150)
    shown = formats.date_format(erasure, "DATE_FORMAT")
    assert page.get_by_text(f"Erased on {shown}", exact=False).is_visible()
    page.screenshot(path=str(tmp_path / "file.png"), full_page=True)
    assert Application.objects.get(pk=application.pk).evaluations.count() == 1


def _log_in(page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_a_card_moves_by_drag_and_drop_and_without_javascript(browser, live_server):
    hr = User.objects.create_user("hanna.hr", password="a long and fine passphrase")
    hr.groups.add(Group.objects.get(name="hr"))
    vacancy = ats_services.vacancy_create(
        title="Backend Engineer",
        department=Department.objects.create(name="Engineering"),
        location="Berlin",
        description=".",
    )
    ats_services.vacancy_publish(vacancy=vacancy)
    dragged, moved = (
        ats_services.application_create(
            candidate=Candidate.objects.create(
                first_name=first, last_name="Becker", email=f"{first}@example.org", phone="1"
            ),
            vacancy=vacancy,
            channel="linkedin",
        )
        for first in ("Jonas", "Lena")
    )
    stages = {stage.kind: stage for stage in ats_services.stages_for(vacancy)}
    board = f"{live_server.url}/recruit/vacancies/{vacancy.pk}/"

    # Drag and drop: the card's column form is submitted to the card's own address.
    page = browser.new_page()
    _log_in(page, live_server, "hanna.hr", "a long and fine passphrase")
    page.goto(board)
    page.locator("article.card", has_text="Jonas Becker").drag_to(
        page.locator(f"section.column[data-stage='{stages['interview'].pk}']")
    )
    page.get_by_text("Moved to Interview.").wait_for()
    dragged.refresh_from_db()
    assert dragged.stage == stages["interview"]

    # Without JavaScript: the column's "Move to" menu and the card's Move button.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _log_in(page, live_server, "hanna.hr", "a long and fine passphrase")
    page.goto(board)
    column = page.locator(f"section.column[data-stage='{stages['new'].pk}']")
    column.get_by_label("Move to").select_option(label="Offer")
    card = column.locator("article.card", has_text="Lena Becker")
    card.get_by_role("button", name="Move").click()
    page.get_by_text("Moved to Offer.").wait_for()
    moved.refresh_from_db()
    assert moved.stage == stages["offer"]
    dragged.refresh_from_db()
    assert dragged.stage == stages["interview"]  # the other card stayed where it was
    context.close()

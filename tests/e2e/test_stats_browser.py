"""The statistics dashboard in Chromium: management logs in, filters a year, the charts
render under the site's CSP (no violation), a screenshot is saved under the test's
temporary directory, every bar's number equals the CSV of its table, and axe-core finds
nothing serious."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.contrib.auth.models import Group, User

from anonymizer.models import ApplicationStatistic

PASSWORD = "a long and fine passphrase"


@pytest.fixture
def statistics(transactional_db):
    rows = []
    for month in range(1, 13):
        for dept, gender, channel, stage, outcome, n in [
            ("Engineering", "female", "linkedin", "interview", "rejected", 14),
            ("Engineering", "male", "job_board", "new", "rejected", 17),
            ("Engineering", "not_stated", "referral", "hired", "hired", 2),
            ("People", "male", "referral", "screening", "rejected", 11),
            ("People", "female", "careers_site", "new", "withdrawn", 3),
        ]:
            rows += [
                ApplicationStatistic(
                    month=date(2025, month, 1),
                    department=dept,
                    channel=channel,
                    gender=gender,
                    stage_reached=stage,
                    outcome=outcome,
                    days_to_decision=month + n,
                )
                for _ in range(n)
            ]
    ApplicationStatistic.objects.bulk_create(rows)
    user = User.objects.create_user("mia.management", password=PASSWORD)
    user.groups.add(Group.objects.get(name="management"))


def login(page, url: str) -> None:
    page.goto(url + "/accounts/login/?next=/stats/")
    page.get_by_label("Username").fill("mia.management")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Application statistics").wait_for()


def test_the_charts_render_and_their_numbers_equal_the_csv(
    browser, live_server, statistics, tmp_path
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    login(page, live_server.url)
    page.get_by_label("Period").select_option("2025")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/stats/?period=2025*")
    charts = page.locator("svg.chart")
    assert charts.count() >= 5
    for n in range(charts.count()):
        box = charts.nth(n).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50
    screenshot = tmp_path / "statistics.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    assert violations == []

    for slug in ("applications", "gender", "channels", "funnel", "outcomes", "departments"):
        chart = page.locator(f"#chart-{slug}")
        bars = {
            chart.locator("g.bar").nth(n).get_attribute("data-label"): chart.locator("g.bar")
            .nth(n)
            .get_attribute("data-value")
            for n in range(chart.locator("g.bar").count())
        }
        assert bars, slug
        # The bar's visible number is the one in its data attribute.
        for n in range(chart.locator("g.bar").count()):
            bar = chart.locator("g.bar").nth(n)
            assert bar.locator("text.bar-value").text_content() == bar.get_attribute("data-value")
        response = context.request.get(f"{live_server.url}/stats/{slug}.csv?period=2025")
        assert response.ok
        rows = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
        column = {row[0]: row[1] for row in rows[1:]}
        for label, value in bars.items():
            assert column[label] == value, (slug, label)
    assert "fewer than 10" in page.content()  # People's women, under k, are suppressed
    context.close()


def test_the_dashboard_has_no_serious_accessibility_findings(
    browser, axe_source, live_server, statistics
):
    context = browser.new_context(bypass_csp=True)  # lets the test inject axe-core
    page = context.new_page()
    login(page, live_server.url)
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document)")
    context.close()
    serious = [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []

from __future__ import annotations

from careers_site.models import PrivacyNotice


def test_the_privacy_notice_shows_the_retention_settings(client, db, settings):
    settings.ATS_APPLICATION_RETENTION_MONTHS = 7
    settings.ATS_TALENT_POOL_MONTHS = 5
    settings.ATS_PRIVACY_CONTACT = "dpo@example.org"
    page = client.get("/privacy/").content.decode()
    assert "Until 7 months after we tell you our decision" in page
    assert "for 5 months in our talent pool" in page
    assert "dpo@example.org" in page
    assert "{application_retention_months}" not in page


def test_it_is_editable_and_escaped(client, db):
    notice = PrivacyNotice.objects.get(language="en")
    notice.body = "## Heading\n<b>bold</b> for {talent_pool_months} months"
    notice.save()
    page = client.get("/privacy/").content.decode()
    assert "<h2>Heading</h2>" in page
    assert "&lt;b&gt;bold&lt;/b&gt; for 6 months" in page


def test_it_is_in_german_too(client, db):
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Datenschutzhinweise" in page


def test_the_apply_form_links_to_it_next_to_every_consent(client, vacancy_a):
    page = client.get(f"/careers/{vacancy_a.reference}/apply/").content.decode()
    assert page.count('href="/privacy/"') >= 3

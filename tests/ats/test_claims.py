"""A communicated rejection is kept only to answer legal claims: read-only, HR alone,
every access audited with its reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ats import services
from ats.models import AuditEvent, Stage
from ats.services.workspace import note_add
from ats.vault.intake import document_intake
from tests import vault_files
from tests.ats.vault.conftest import use_local_storage


@pytest.fixture
def kept(zoes_application, settings, tmp_path):
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    document_intake(
        application=zoes_application, kind="cv", name="cv.pdf", data=vault_files.pdf("x")
    )
    rejected = zoes_application.vacancy.stages.get(kind=Stage.Kind.REJECTED)
    services.application_move_stage(
        application=zoes_application, stage=rejected, by=None, decision=True
    )
    zoes_application.decision = "rejected"
    zoes_application.decided_at = zoes_application.decision_communicated_at = timezone.now()
    zoes_application.save()
    return zoes_application


def test_the_hiring_manager_loses_access(client, max_manager, kept):
    client.force_login(max_manager)
    assert client.get(f"/recruit/applications/{kept.pk}/").status_code == 404
    document = kept.documents.get()
    assert client.get(f"/recruit/documents/{document.pk}/download").status_code == 404
    listing = client.get("/recruit/applications/").content.decode()
    assert "Zoë" not in listing


def test_hr_states_a_reason_which_is_audited_before_reading(client, hanna, kept):
    client.force_login(hanna)
    gate = client.get(f"/recruit/applications/{kept.pk}/")
    assert b"Why do you need to open this application?" in gate.content
    assert b"zoe.nunez@example.org" not in gate.content
    document = kept.documents.get()
    download = client.get(f"/recruit/documents/{document.pk}/download")
    assert download.status_code == 302  # to the reason first
    assert client.post(f"/recruit/applications/{kept.pk}/claims-access/", {}).status_code == 400
    client.post(f"/recruit/applications/{kept.pk}/claims-access/", {"reason": "legal_claim"})
    event = AuditEvent.objects.get(action="claims_file_opened")
    assert event.actor == hanna and event.details == {"reason": "legal_claim"}
    page = client.get(f"/recruit/applications/{kept.pk}/").content.decode()
    assert "zoe.nunez@example.org" in page and "read-only" in page
    assert 'action="/recruit/applications/' not in page.split("Notes")[1].split("Timeline")[0]
    assert client.get(f"/recruit/documents/{document.pk}/download").status_code == 200


def test_nothing_about_it_can_be_changed(hanna, kept):
    interview = kept.vacancy.stages.get(kind=Stage.Kind.INTERVIEW)
    with pytest.raises(ValidationError, match="kept only to answer legal claims"):
        services.application_move_stage(application=kept, stage=interview, by=hanna)
    with pytest.raises(ValidationError, match="kept only to answer legal claims"):
        note_add(application=kept, author=hanna, body="x")
    from ats.services.applications import application_erase_as_spam

    with pytest.raises(ValidationError, match="kept only to answer legal claims"):
        application_erase_as_spam(application=kept, by=hanna)


def test_an_undelivered_rejection_is_not_yet_kept_for_claims(kept):
    kept.decision_communicated_at = None
    kept.save()
    assert not kept.is_kept_for_claims

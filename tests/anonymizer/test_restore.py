"""After a backup is restored, rerunning the job re-applies every deadline: nothing
overdue survives, and each erased application is counted in the statistics once."""

from __future__ import annotations

import shutil

from django.core.management import call_command

from anonymizer.models import ApplicationStatistic, ErasureRecord
from anonymizer.services import enforce_retention
from ats.models import Application, Candidate, Document
from ats.vault import storage
from ats.vault.intake import document_intake
from tests.anonymizer.conftest import apply, berlin, decide, person
from tests.vault_files import pdf

SUBMITTED = berlin(2026, 1, 15, 10, 0)
BACKUP_TAKEN = berlin(2026, 8, 1, 2, 0)
AFTER_RESTORE = berlin(2026, 11, 1, 9, 0)


def test_rerunning_after_a_restore_erases_again_what_the_backup_brought_back(
    transactional_db, django_db_serialized_rollback, vault, vacancy_a, tmp_path
):
    # Committed data, as a real backup and restore see it; what data migrations made is
    # restored after the test.
    for name, communicated in (
        ("anna", berlin(2026, 3, 2, 9, 0)),
        ("ben", berlin(2026, 4, 10, 9, 0)),
    ):
        application = apply(person(name), vacancy_a, at=SUBMITTED)
        document_intake(application=application, kind="cv", name="cv.pdf", data=pdf(name))
        decide(application, "rejected", at=communicated)
    kept = apply(person("clara"), vacancy_a, at=SUBMITTED)  # undecided: never erased

    # The backup: the whole database and the document store, as they were then.
    backup = tmp_path / "backup.json"
    call_command("dumpdata", output=str(backup), verbosity=0)
    shutil.copytree(vault, tmp_path / "bucket-backup")

    assert enforce_retention(now=AFTER_RESTORE).total == 2
    assert storage.list_keys() == []

    # The restore: both back as they were when the backup was taken.
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    call_command("loaddata", str(backup), verbosity=0)
    shutil.rmtree(vault)
    shutil.copytree(tmp_path / "bucket-backup", vault)
    assert Application.objects.count() == 3 and Document.objects.count() == 2
    assert not ApplicationStatistic.objects.exists() and not ErasureRecord.objects.exists()
    assert len(storage.list_keys()) == 2

    report = enforce_retention(now=AFTER_RESTORE)
    assert report.erased["application"] == 2
    assert list(Application.objects.all()) == [kept]
    assert list(Candidate.objects.all()) == [kept.candidate]
    assert not Document.objects.exists() and storage.list_keys() == []
    assert ApplicationStatistic.objects.count() == ErasureRecord.objects.count() == 2
    assert enforce_retention(now=AFTER_RESTORE).total == 0

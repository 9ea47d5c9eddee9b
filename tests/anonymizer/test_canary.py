"""Canaries: every text field and every file of four applications carries its own marker.
After the job has run past every deadline, no marker may be left anywhere: not in any
column of any table, not in the document store, not in the log. And storage that fails
during deletion holds up nothing but its own objects, which the reconciler removes."""

from __future__ import annotations

import base64
import io
import json
import logging
import secrets
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from anonymizer.models import ApplicationStatistic, ErasureRecord
from anonymizer.services import enforce_retention
from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    CandidateEmail,
    Consent,
    Document,
    Evaluation,
    Note,
    Purpose,
    Stage,
    StageChange,
)
from ats.services import candidate_get_or_create
from ats.services.applications import special_category_seal
from ats.services.workspace import evaluation_add, note_add
from ats.vault import lifecycle, storage
from ats.vault.intake import document_intake
from tests.anonymizer.conftest import apply, berlin, consent, decide, move
from tests.vault_files import pdf

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField)
SUBMITTED = berlin(2026, 1, 15, 10, 0)
COMMUNICATED = berlin(2026, 2, 2, 11, 0)
PAST_EVERY_DEADLINE = berlin(2027, 3, 1, 4, 0)


class Markers:
    """Unique marker strings, each in mixed case so that its lower-case form differs."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def __call__(self, label: str = "") -> str:
        marker = f"Canary{label.title()}X{secrets.token_hex(5)}Q"
        self.issued.append(marker)
        return marker

    def forms(self) -> dict[str, str]:
        """Each marker in plain, lower case and base64, mapped to the marker."""
        found = {}
        for marker in self.issued:
            for form in (marker, marker.lower(), base64.b64encode(marker.encode()).decode()):
                found[form] = marker
        return found


def text_values() -> list[tuple[str, str]]:
    """Every value of every text, JSON and binary column in the database."""
    values = []
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        for field in fields:
            for value in model._default_manager.values_list(field.attname, flat=True):
                if value is None:
                    continue
                if isinstance(value, memoryview | bytes):
                    text = bytes(value).decode("latin-1")
                elif isinstance(field, models.JSONField):
                    text = json.dumps(value, ensure_ascii=False)
                else:
                    text = str(value)
                values.append((f"{model._meta.label}.{field.name}", text))
    return values


def stored_files(root: Path) -> list[tuple[str, str]]:
    return [
        (str(path), path.read_bytes().decode("latin-1"))
        for path in root.rglob("*")
        if path.is_file()
    ]


def leaks(markers: Markers, places: list[tuple[str, str]]) -> list[str]:
    return [
        f"{marker} in {where}"
        for where, text in places
        for form, marker in markers.forms().items()
        if form in text
    ]


def candidate(markers: Markers, label: str):
    person, _ = candidate_get_or_create(
        email=f"{markers(label + 'mail').lower()}@example.org",
        first_name=markers(label + "first"),
        last_name=markers(label + "last"),
        phone=f"+49 {markers('p')}",
        linkedin_url=f"https://www.linkedin.com/in/{markers(label + 'li')}",
    )
    return person


def fill(application: Application, markers: Markers, label: str, hanna) -> None:
    """Documents, a note (mentioning Hanna), an evaluation and an email, all marked."""
    for kind in ("cv", "cover_letter"):
        document_intake(
            application=application,
            kind=kind,
            name=f"{markers(label + kind)}.pdf",
            data=pdf(f"{markers(label + kind + 'text')} curriculum"),
        )
    note = note_add(application=application, author=hanna, body=markers(label + "note"))
    note.mentions.add(hanna)
    if application.vacancy is not None:
        stage = application.vacancy.stages.get(kind=Stage.Kind.SCREENING)
        evaluation_add(
            application=application,
            stage=stage,
            author=hanna,
            ratings={stage.criteria[0]: 4},
            overall=4,
            recommendation="yes",
            comment=markers(label + "evaluation"),
        )
    CandidateEmail.objects.create(
        application=application,
        kind="other",
        subject=markers(label + "subject"),
        body=markers(label + "body"),
        language="en",
        message_id=f"<{markers(label + 'msgid')}@example.org>",
        status="sent",
    )
    special_category_seal(
        application=application, answers={"accommodation_needs": markers(label + "special")}
    )
    application.save(update_fields=["special_category_sealed", "special_category_key_id"])
    consent(
        application.candidate, Purpose.SPECIAL_CATEGORY, given_at=SUBMITTED, application=application
    )


@pytest.fixture
def marked_applications(vault, vacancy_a, vacancy_b, hanna, time_machine):
    """Four applications, each due under another rule by PAST_EVERY_DEADLINE."""
    time_machine.move_to(SUBMITTED, tick=False)
    markers = Markers()

    rejected = apply(candidate(markers, "rejected"), vacancy_a, at=SUBMITTED)
    fill(rejected, markers, "rejected", hanna)
    move(rejected, Stage.Kind.SCREENING, by=hanna)
    # An expired talent-pool consent changes nothing.
    consent(rejected.candidate, Purpose.TALENT_POOL, given_at=SUBMITTED, application=rejected)

    hired = apply(candidate(markers, "hired"), vacancy_b, at=SUBMITTED, self_declared_gender="male")
    fill(hired, markers, "hired", hanna)

    pooled = apply(
        candidate(markers, "pooled"),
        None,
        at=SUBMITTED,
        channel="other",
        channel_other=markers("channelother"),
    )
    fill(pooled, markers, "pooled", hanna)
    consent(pooled.candidate, Purpose.TALENT_POOL, given_at=berlin(2026, 5, 1, 9, 0))

    held = apply(candidate(markers, "held"), vacancy_a, at=SUBMITTED)
    fill(held, markers, "held", hanna)

    time_machine.move_to(COMMUNICATED, tick=False)
    decide(rejected, "rejected", at=COMMUNICATED)
    decide(hired, "hired", at=COMMUNICATED, employment_ended_at=berlin(2026, 6, 30, 18, 0))
    decide(pooled, "withdrawn", at=COMMUNICATED, communicated=None)
    decide(held, "rejected", at=COMMUNICATED, communicated=None)
    Application.objects.filter(pk=held.pk).update(
        decision_communicated_at=COMMUNICATED,
        decision_communicated_via=markers("via"),
        legal_hold_reason=markers("holdreason"),
        legal_hold_until=date(2026, 12, 31),
    )
    applications = [rejected, hired, pooled, held]
    return markers, applications


def erased_targets(applications: list[Application]) -> set[tuple[str, str]]:
    """(type, id) of every row that goes with the applications, as AuditEvent names them."""
    targets = set()
    for application in applications:
        targets.add(("ats.application", str(application.pk)))
        targets.add(("ats.candidate", str(application.candidate_id)))
        for model in (Document, Note, Evaluation, CandidateEmail, StageChange, Consent):
            for pk in model.objects.filter(application=application).values_list("pk", flat=True):
                targets.add((model._meta.label_lower, str(pk)))
        for pk in AuditEvent.objects.filter(
            target_type="ats.application", target_id=str(application.pk)
        ).values_list("pk", flat=True):
            targets.add(("ats.auditevent", str(pk)))
    return targets


def test_no_marker_survives_the_job_anywhere(
    marked_applications, vault, caplog, time_machine, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    markers, applications = marked_applications
    assert Document.objects.count() == 8
    assert len(storage.list_keys()) == 8
    assert leaks(markers, text_values())  # the search finds them while they are there
    targets = erased_targets(applications)
    ids = {target_id for _, target_id in targets}
    assert AuditEvent.objects.filter(target_type="ats.document").count() == 8

    time_machine.move_to(PAST_EVERY_DEADLINE, tick=False)
    output = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("enforce_retention", stdout=output)

    assert "application: 1 erased" in output.getvalue()
    assert sorted(ErasureRecord.objects.values_list("rule", flat=True)) == [
        "application",
        "hired",
        "legal_hold",
        "talent_pool",
    ]
    assert not Application.objects.exists() and not Candidate.objects.exists()
    assert storage.list_keys() == []
    remaining = set(AuditEvent.objects.values_list("target_type", "target_id"))
    assert not remaining & targets  # no audit event names an erased row

    places = text_values() + stored_files(vault.parent) + [("log", caplog.text)]
    places.append(("command output", output.getvalue()))
    assert leaks(markers, places) == []

    statistics = list(ApplicationStatistic.objects.values())
    assert len(statistics) == 4
    for row in statistics:
        assert str(row["id"]) not in ids
        for name, value in row.items():
            if name != "days_to_decision":  # a number of days, not an id
                assert str(value) not in ids, name
    assert sorted((s["outcome"], s["department"], s["channel"]) for s in statistics) == [
        ("hired", "People", "linkedin"),
        ("rejected", "Engineering", "linkedin"),
        ("rejected", "Engineering", "linkedin"),
        ("withdrawn", "", "other"),
    ]
    for record in ErasureRecord.objects.all():
        assert str(record.id) not in ids
        assert set(record.counts.values()) <= set(range(20))


def test_storage_down_during_deletion_holds_up_no_database_erasure(
    marked_applications,
    vault,
    settings,
    caplog,
    time_machine,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    markers, _ = marked_applications
    keys = set(storage.list_keys())

    def storage_down(key: str) -> None:
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(storage, "delete", storage_down)
    time_machine.move_to(PAST_EVERY_DEADLINE, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        report = enforce_retention()
    assert report.total == 4
    assert report.storage_failures == 8
    assert not Application.objects.exists() and not Document.objects.exists()
    assert ApplicationStatistic.objects.count() == ErasureRecord.objects.count() == 4
    assert set(storage.list_keys()) == keys  # unreadable: their wrapped keys are gone
    assert "left to the orphan reconciler" in caplog.text
    assert leaks(markers, [("log", caplog.text)]) == []
    for key in keys:
        assert key not in caplog.text

    monkeypatch.undo()
    settings.ATS_ORPHAN_GRACE_SECONDS = 0
    time_machine.move_to(PAST_EVERY_DEADLINE + timedelta(hours=1), tick=False)
    assert lifecycle.orphans_remove() == 8
    assert storage.list_keys() == []
    assert leaks(markers, stored_files(vault.parent)) == []

"""Full intake of a 10 MB PDF (validate, scan, encrypt, store) against its parts
measured alone (clamd INSTREAM + encryption), its memory growth at two file sizes,
and rotate_keys over 10,000 documents."""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Callable

import pytest

from ats import services as ats_services
from ats.models import Candidate, Channel, Department, Document
from ats.vault import crypto, keys, scanner, storage
from ats.vault.intake import document_check, document_intake, document_store
from ats.vault.validate import validate_upload
from tests import services

MB = 1024 * 1024


def big_pdf(size: int) -> bytes:
    """A valid PDF carrying an uncompressed image-like stream of random bytes."""
    payload = os.urandom(size)
    head = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    pages = b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    blob = (
        b"3 0 obj\n<< /Length %d >>\nstream\n" % len(payload) + payload + b"\nendstream\nendobj\n"
    )
    body = head + pages + blob
    xref_at = len(body)
    return (
        body
        + b"xref\n0 1\n0000000000 65535 f \n"
        + b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )


@pytest.fixture
def application(db, settings, tmp_path):
    host, port = services.clamd_address()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = host, port, ""
    settings.ATS_MAX_UPLOAD_BYTES = 40 * MB
    settings.ATS_MAX_APPLICATION_BYTES = 10_000 * MB
    settings.ATS_STORAGE = "local"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    department = Department.objects.create(name="Bench")
    vacancy = ats_services.vacancy_create(
        title="Bench", department=department, location="X", description="."
    )
    ats_services.vacancy_publish(vacancy=vacancy)
    candidate = Candidate.objects.create(
        first_name="B", last_name="B", email="bench@example.org", phone="1"
    )
    return ats_services.application_create(
        candidate=candidate, vacancy=vacancy, channel=Channel.CAREERS_SITE
    )


ROUNDS = 20


def interleaved(actions: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per round of each action, the actions measured one after the other in
    every round, their order rotated from round to round (each runs in every position
    equally often), after one warm-up run of each: a baseline and the intake measured
    under the same conditions, whatever the machine's load does meanwhile."""
    for action in actions.values():
        action()
    names = list(actions)
    timings: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            actions[name]()
            timings[name].append(time.perf_counter() - started)
    return timings


def test_full_intake_against_the_sum_of_its_parts(application, report):
    """The baseline is clamd INSTREAM of the file alone (the same client call as the
    intake's) plus its encryption alone (into a reused buffer, nothing written); the
    intake is the whole of document_intake: validation, the application's total, the
    scan, encryption, the write to storage, the database rows, the audit event and the
    document_stored signal's receivers. Each figure is the median of ROUNDS runs."""
    pdf = big_pdf(10 * MB)
    data_key, data_key_id = crypto.new_data_key()
    sink = bytearray(8 * MB)

    def encrypt() -> None:
        reader = crypto.EncryptingReader(
            pdf, data_key=data_key, data_key_id=data_key_id, document_id=uuid.uuid4()
        )
        while reader.readinto(sink):
            pass

    checked = document_check(name="cv.pdf", data=pdf)
    timings = interleaved(
        {
            "scan": lambda: scanner.scan_bytes(pdf),
            "encryption": encrypt,
            "intake": lambda: document_intake(
                application=application, kind=Document.Kind.CV, name="cv.pdf", data=pdf
            ),
            "validation": lambda: validate_upload(name="cv.pdf", data=pdf),
            "store": lambda: document_store(
                application=application, kind=Document.Kind.CV, checked=checked
            ),
        },
        ROUNDS,
    )
    median = {name: statistics.median(values) for name, values in timings.items()}
    per_round = [
        intake / (scan + encryption)
        for scan, encryption, intake in zip(
            timings["scan"], timings["encryption"], timings["intake"], strict=True
        )
    ]
    report(
        file_MB=len(pdf) / MB,
        rounds=ROUNDS,
        clamd_instream_s=median["scan"],
        encryption_s=median["encryption"],
        full_intake_s=median["intake"],
        validation_alone_s=median["validation"],
        encrypt_write_record_alone_s=median["store"],
        ratio_of_medians=median["intake"] / (median["scan"] + median["encryption"]),
        median_of_round_ratios=statistics.median(per_round),
        goal_at_most=1.3,
    )


def test_intake_memory_grows_with_at_most_twice_the_file(application, report):
    figures = {}
    for size in (2 * MB, 10 * MB, 20 * MB):
        pdf = big_pdf(size)
        gc.collect()
        tracemalloc.start()
        document_intake(application=application, kind=Document.Kind.CV, name="cv.pdf", data=pdf)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[f"peak_growth_{size // MB}MB_file_MB"] = peak / MB
        figures[f"peak_growth_{size // MB}MB_file_x_size"] = peak / len(pdf)
    report(**figures, goal="at most about 2x the file size plus a constant")


def test_rotate_keys_over_ten_thousand_documents(db, report, monkeypatch, settings, tmp_path):
    path = tmp_path / "keyring.json"
    path.write_text(crypto_keyring_json(settings.ATS_KEYRING))
    settings.ATS_KEYRING_PATH = str(path)
    department = Department.objects.create(name="Bench")
    vacancy = ats_services.vacancy_create(
        title="Bench", department=department, location="X", description="."
    )
    ats_services.vacancy_publish(vacancy=vacancy)
    candidate = Candidate.objects.create(
        first_name="B", last_name="B", email="b@example.org", phone="1"
    )
    application = ats_services.application_create(
        candidate=candidate, vacancy=vacancy, channel=Channel.CAREERS_SITE
    )
    rows = []
    for _ in range(10_000):
        document_id = uuid.uuid4()
        data_key, data_key_id = crypto.new_data_key()
        wrapped = crypto.wrap_data_key(data_key, data_key_id, document_id=document_id)
        rows.append(
            Document(
                id=document_id,
                application=application,
                kind=Document.Kind.CV,
                display_name="cv.pdf",
                content_type="application/pdf",
                size=1,
                storage_key=storage.new_storage_key(),
                key_id=wrapped.kek_id,
                wrapped_key=wrapped.blob,
                scan_status=Document.ScanStatus.CLEAN,
            )
        )
    Document.objects.bulk_create(rows, batch_size=2000)
    opened: list[str] = []
    monkeypatch.setattr(storage, "open_for_reading", lambda key: opened.append(key))

    # Baseline: the same re-wrapping in memory, with no database at all.
    ring = keys.current_keyring()
    blobs = [(d.id, bytes(d.wrapped_key)) for d in rows]
    started = time.perf_counter()
    for document_id, blob in blobs:
        crypto.rewrap(blob, document_id=document_id, ring=ring)
    crypto_only = time.perf_counter() - started

    keys.keyring_add_key()
    result = keys.documents_rewrap(batch_size=500)
    assert result.rewrapped == 10_000 and opened == []
    report(
        documents=result.rewrapped,
        seconds=result.seconds,
        documents_per_second=result.per_second,
        crypto_only_documents_per_second=len(blobs) / crypto_only,
        ratio_to_crypto_only=result.seconds / crypto_only,
        files_opened=len(opened),
    )


def crypto_keyring_json(ring: dict) -> str:
    import json
    from base64 import b64encode

    return json.dumps(
        {
            "active": ring["active"],
            "keys": {k: b64encode(v).decode() for k, v in ring["keys"].items()},
        }
    )

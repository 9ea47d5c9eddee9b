"""The self-service ZIP export of a person with 20 applications and 40 documents of
10 MB each (real vault intake, scanning disabled: development mode without clamd, on
local storage), against reading the same bytes back through the vault in the same run.

Time and peak traced memory (tracemalloc) of: reading every document back through the
vault (the baseline), streaming the ZIP (archive_chunks, what a small set's download
does), and building the stored, encrypted export (what the task does for a large set).
The same is measured for a person with 4 documents: memory must not grow with the data.
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable

import pytest

from ats import services as ats_services
from ats.models import DataExport, Department, Document
from ats.vault.intake import document_intake
from ats.vault.lifecycle import read_plaintext
from careers_site.selfservice.export import archive_chunks, data_export_build
from tests.ats.vault.conftest import use_local_storage

DOCUMENT_BYTES = 10 * 1000 * 1000  # 10 MB, under the 10 MiB upload limit
ALPHABET = b"abcdefghijklmnopqrstuvwxyz    "
MEMORY_CEILING = 48 * 1024 * 1024


def text_document(seed: int) -> bytes:
    """10 MB of text in lines of 72 characters (a .txt upload passes the content
    sniffing), different per seed."""
    letters = bytes(ALPHABET[b % len(ALPHABET)] for b in range(256))
    raw = random.Random(seed).randbytes(DOCUMENT_BYTES).translate(letters)
    lines = [raw[i : i + 71] for i in range(0, DOCUMENT_BYTES, 72)]
    text = f"Benchmark document {seed}\n".encode() + b"\n".join(lines)
    return text[:DOCUMENT_BYTES]


def person_with(applications: int, per_application: int, label: str):
    department = Department.objects.get_or_create(name="Engineering")[0]
    person, _ = ats_services.candidate_get_or_create(
        email=f"bench.{label}@example.org", first_name="Bench", last_name=label, phone="+49 30 1"
    )
    for index in range(applications):
        vacancy = ats_services.vacancy_create(
            title=f"Vacancy {label} {index}",
            department=department,
            location="Berlin",
            description="Work.",
        )
        ats_services.vacancy_publish(vacancy=vacancy)
        application = ats_services.application_create(
            candidate=person, vacancy=vacancy, channel="linkedin"
        )
        for number in range(per_application):
            document_intake(
                application=application,
                kind="other",
                name=f"document-{number}.txt",
                data=text_document(index * 10 + number),
            )
    return person


def measure(action: Callable[[], int], runs: int = 3) -> tuple[float, int, int]:
    """(seconds, bytes produced, peak traced bytes): the best of `runs` untraced runs (the
    machine may be shared), then one traced run."""
    seconds = float("inf")
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        produced = action()
        seconds = min(seconds, time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, produced, peak


def read_back(person) -> Callable[[], int]:
    def run() -> int:
        total = 0
        for document in Document.objects.filter(application__candidate=person):
            for chunk in read_plaintext(document):
                total += len(chunk)
        return total

    return run


def stream_zip(person) -> Callable[[], int]:
    def run() -> int:
        return sum(len(chunk) for chunk in archive_chunks(person))

    return run


def build_stored(person) -> Callable[[], int]:
    from django.utils import timezone

    def run() -> int:
        export = DataExport.objects.create(
            candidate=person, requested_at=timezone.now(), expires_at=timezone.now()
        )
        assert data_export_build(export_id=str(export.pk))
        export.refresh_from_db()
        return export.size

    return run


@pytest.mark.django_db
def test_self_service_export_time_and_memory(settings, tmp_path, report):
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    started = time.perf_counter()
    large = person_with(20, 2, "large")
    setup_seconds = time.perf_counter() - started
    small = person_with(2, 2, "small")
    assert Document.objects.filter(application__candidate=large).count() == 40

    figures = {"setup_intake_40x10MB_s": setup_seconds}
    peaks = {}
    for label, person in (("40_docs", large), ("4_docs", small)):
        base_s, base_bytes, base_peak = measure(read_back(person))
        zip_s, zip_bytes, zip_peak = measure(stream_zip(person))
        stored_s, stored_bytes, stored_peak = measure(build_stored(person))
        # The archives differ only in data.json (its generation time).
        assert zip_bytes > base_bytes and abs(stored_bytes - zip_bytes) < 100
        peaks[label] = (base_peak, zip_peak, stored_peak)
        figures.update(
            {
                f"{label}_document_MB": base_bytes / 1e6,
                f"{label}_vault_read_s": base_s,
                f"{label}_zip_stream_s": zip_s,
                f"{label}_stored_export_s": stored_s,
                f"{label}_zip_stream_vs_vault_read": zip_s / base_s,
                f"{label}_stored_export_vs_vault_read": stored_s / base_s,
                f"{label}_vault_read_peak_MiB": base_peak / 2**20,
                f"{label}_zip_stream_peak_MiB": zip_peak / 2**20,
                f"{label}_stored_export_peak_MiB": stored_peak / 2**20,
            }
        )
    report(**figures)
    # Memory is flat: ten times the data costs no more than a few chunks more.
    for index in range(3):
        assert peaks["40_docs"][index] < peaks["4_docs"][index] + 8 * 2**20
        assert peaks["40_docs"][index] < MEMORY_CEILING

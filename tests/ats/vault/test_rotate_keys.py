from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from ats.models import Document
from ats.vault import crypto, keys
from ats.vault.intake import document_intake
from ats.vault.lifecycle import read_plaintext
from tests import vault_files
from tests.ats.vault.conftest import stored_bytes


@pytest.fixture
def documents(vault_storage, keyring_file, zoes_application, settings):
    settings.CLAMD_HOST, settings.CLAMD_SOCKET = "", ""
    return [
        document_intake(
            application=zoes_application,
            kind=Document.Kind.OTHER,
            name=f"letter-{i}.txt",
            data=f"Letter number {i}\n".encode(),
        )
        for i in range(7)
    ]


def test_rotation_adds_a_key_and_rewraps_every_data_key_without_touching_files(
    documents, keyring_file, capsys
):
    before = {d.pk: stored_bytes(d.storage_key) for d in documents}
    old_active = json.loads(keyring_file.read_text())["active"]
    call_command("rotate_keys", "--batch-size", "3")
    out = capsys.readouterr().out
    ring = json.loads(keyring_file.read_text())
    assert ring["active"] != old_active and old_active in ring["keys"]
    assert oct(keyring_file.stat().st_mode & 0o777) == "0o600"
    assert f"re-wrapped {len(documents)} data keys" in out
    for document in Document.objects.all():
        assert document.key_id == ring["active"]
        assert crypto.wrapped_kek_id(document.wrapped_key) == ring["active"]
        assert stored_bytes(document.storage_key) == before[document.pk]
        assert b"".join(read_plaintext(document)).startswith(b"Letter number")


def test_a_rotation_killed_half_way_and_rerun_leaves_every_document_readable(
    documents, monkeypatch
):
    keys.keyring_add_key()
    real_rewrap, calls = crypto.rewrap, {"n": 0}

    def dies_on_the_fifth(blob, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt("killed")
        return real_rewrap(blob, **kwargs)

    monkeypatch.setattr(crypto, "rewrap", dies_on_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        keys.documents_rewrap(batch_size=3)
    used = set(Document.objects.values_list("key_id", flat=True))
    assert len(used) == 2  # the first batch committed, the second rolled back
    for document in Document.objects.all():
        assert b"".join(read_plaintext(document)).startswith(b"Letter number")

    monkeypatch.setattr(crypto, "rewrap", real_rewrap)
    report = keys.documents_rewrap(batch_size=3)
    assert report.rewrapped == len(documents) - 3
    assert set(report.keys_in_use) == {keys.current_keyring()["active"]}
    for document in Document.objects.all():
        assert b"".join(read_plaintext(document)).startswith(b"Letter number")


def test_a_key_in_use_cannot_be_retired_and_an_unused_one_can(documents, keyring_file):
    old = keys.current_keyring()["active"]
    keys.keyring_add_key()
    with pytest.raises(CommandError, match="still wraps data keys"):
        call_command("rotate_keys", "--retire", old)
    keys.documents_rewrap()
    call_command("rotate_keys", "--retire", old)
    assert old not in json.loads(keyring_file.read_text())["keys"]
    assert all(b"".join(read_plaintext(d)) for d in Document.objects.all())


def test_a_keyring_from_the_environment_cannot_be_changed_by_the_command(settings, db):
    settings.ATS_KEYRING_PATH = None
    with pytest.raises(CommandError, match="ATS_KEYRING variable"):
        call_command("rotate_keys")
    call_command("rotate_keys", "--rewrap-only")  # still allowed: nothing to rewrap


def test_other_processes_see_a_new_key_without_a_restart(keyring_file):
    before = keys.current_keyring()["active"]
    new = keys.keyring_add_key()
    assert new != before
    assert keys.current_keyring()["active"] == new


def test_the_file_content_is_never_read_during_rotation(documents, monkeypatch):
    from ats.vault import storage

    def no_reading(key):
        raise AssertionError("rotation opened a stored file")

    monkeypatch.setattr(storage, "open_for_reading", no_reading)
    keys.keyring_add_key()
    assert keys.documents_rewrap().rewrapped == len(documents)


def test_documents_of_a_test_file_kind_are_valid(documents):
    assert vault_files.txt().startswith(b"A CV")


def test_rotation_reseals_special_category_answers(keyring_file, zoes_application):
    import json as jsonlib

    from ats.services.applications import special_category_answers

    old = keys.current_keyring()["active"]
    zoes_application.special_category_sealed = crypto.seal(
        jsonlib.dumps({"ethnic_origin": "Sorbian"}).encode(),
        context=zoes_application.special_category_context,
    )
    zoes_application.special_category_key_id = old
    zoes_application.save()
    keys.keyring_add_key()
    with pytest.raises(CommandError, match="still wraps"):
        call_command("rotate_keys", "--rewrap-only", "--retire", old)
    keys.documents_rewrap()
    zoes_application.refresh_from_db()
    assert zoes_application.special_category_key_id == keys.current_keyring()["active"]
    call_command("rotate_keys", "--retire", old)
    assert special_category_answers(zoes_application) == {"ethnic_origin": "Sorbian"}

"""The local store's own write path (storage._put_local): what Django's
FileSystemStorage.save() guarantees, kept, and a failed write leaving nothing."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage

from ats.vault import crypto, storage
from tests.ats.vault.conftest import stored_bytes, use_local_storage

MiB = 1024 * 1024


@pytest.fixture
def root(settings, tmp_path):
    use_local_storage(settings, tmp_path)
    return tmp_path / "documents"


def encrypting_reader(plaintext: bytes) -> crypto.EncryptingReader:
    data_key, data_key_id = crypto.new_data_key()
    return crypto.EncryptingReader(
        plaintext, data_key=data_key, data_key_id=data_key_id, document_id=uuid.uuid4()
    )


def test_a_stream_is_stored_byte_for_byte(root):
    data = os.urandom(3 * MiB + 5)
    key = storage.new_storage_key()
    storage.put(key, io.BytesIO(data))
    assert stored_bytes(key) == data


def test_an_encrypting_reader_is_stored_whole(root):
    size = 5 * MiB + 1
    key = storage.new_storage_key()
    storage.put(key, encrypting_reader(os.urandom(size)))
    assert (root / key).stat().st_size == crypto.ciphertext_size(size)


class _Watching(io.RawIOBase):
    """A stream that records the object's permissions while it is being written, then
    fails half way."""

    def __init__(self, path, *, fail_after: int) -> None:
        self.path, self.fail_after, self.given, self.modes = path, fail_after, 0, []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.path.exists():
            self.modes.append(self.path.stat().st_mode & 0o777)
        if self.given >= self.fail_after:
            raise OSError("the source broke off")
        n = min(len(buffer), MiB)
        buffer[:n] = b"\x01" * n
        self.given += n
        return n


def test_a_failed_write_leaves_no_partial_object(root):
    key = storage.new_storage_key()
    source = _Watching(root / key, fail_after=2 * MiB)
    with pytest.raises(OSError, match="broke off"):
        storage.put(key, source)
    assert not (root / key).exists()
    assert not storage.exists(key)
    # The object was private from its first byte, not only after the last one.
    assert source.modes and set(source.modes) == {0o600}


def test_a_key_outside_the_storage_root_is_refused(root):
    with pytest.raises(SuspiciousFileOperation):
        storage.put("../outside", io.BytesIO(b"x"))
    assert not (root.parent / "outside").exists()


def test_an_existing_key_is_refused_and_kept(root):
    key = storage.new_storage_key()
    storage.put(key, encrypting_reader(b"first"))
    kept = stored_bytes(key)
    with pytest.raises(FileExistsError, match="already in use"):
        storage.put(key, encrypting_reader(b"second"))
    assert stored_bytes(key) == kept


class RecordingStorage(FileSystemStorage):
    saved: list[str] = []

    def _save(self, name, content):
        RecordingStorage.saved.append(name)
        return super()._save(name, content)


def test_a_subclass_of_the_file_system_storage_saves_through_its_own_save(settings, tmp_path):
    """A subclass may save otherwise (a mirror, a quota): it gets Django's save()."""
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": f"{__name__}.RecordingStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    key = storage.new_storage_key()
    storage.put(key, io.BytesIO(b"ciphertext"))
    assert RecordingStorage.saved == [key]
    assert stored_bytes(key) == b"ciphertext"

"""Where ciphertext lives: Django's storage API ("documents" alias), local or S3.

Object keys are random and never reused; they carry no name, no id and no date.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils._os import safe_makedirs
from storages.utils import clean_name

from ats.vault.crypto import EncryptingReader

PREFIX = "vault/"
_BLOCK = 1024 * 1024 + 64  # a whole record of the default chunk size per read


def documents_storage() -> Storage:
    return storages["documents"]


def new_storage_key() -> str:
    return f"{PREFIX}{secrets.token_hex(16)}"


class _Ciphertext(File):
    # Django's 64 KiB default makes a local save copy in many small pieces.
    DEFAULT_CHUNK_SIZE = 1024 * 1024


def put(key: str, ciphertext: BinaryIO) -> None:
    """Store a new object under key; refuse to overwrite (keys are never reused)."""
    storage = documents_storage()
    if type(storage) is FileSystemStorage:  # not a subclass, which may save otherwise
        _put_local(storage, key, ciphertext)
        return
    saved = storage.save(key, _Ciphertext(ciphertext, name=key))
    if saved != key:
        # The backend renamed it because the key existed: never write under another key.
        storage.delete(saved)
        raise FileExistsError("storage key already in use")


def _put_local(storage: FileSystemStorage, key: str, ciphertext: BinaryIO) -> None:
    """FileSystemStorage.save() without its copies: the encrypted records are written
    straight from the cipher's buffer with os.write, into a file created exclusively
    (O_EXCL: never over another object) and private from its first byte. Django's save
    goes through File.chunks(), a fresh bytes object per chunk, a buffered writer and a
    chmod after the content is written; this is the same result (path checks,
    directory and file modes, the storage root's group) for less (docs/benchmarks.md,
    "Vault"). A failed write removes the partial file, so no truncated object outlives
    the error."""
    path = storage.path(key)  # refuses a key outside the storage root
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        if storage.directory_permissions_mode is not None:
            safe_makedirs(directory, storage.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
    mode = storage.file_permissions_mode
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600 if mode is not None else 0o666)
    except FileExistsError:
        raise FileExistsError("storage key already in use") from None
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        for block in _blocks(ciphertext):
            while len(block):
                block = block[os.write(fd, block) :]
        _group_of_the_root(storage, fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def _blocks(ciphertext: BinaryIO) -> Iterator[memoryview]:
    if isinstance(ciphertext, EncryptingReader):
        yield from ciphertext.blocks()
        return
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    while n := ciphertext.readinto(buffer):
        yield view[:n]


def _group_of_the_root(storage: FileSystemStorage, fd: int) -> None:
    """As FileSystemStorage does: the object gets the storage root's group."""
    if os.name != "posix":
        return
    root_gid = os.stat(storage.location).st_gid
    if os.fstat(fd).st_gid != root_gid:
        with contextlib.suppress(PermissionError):
            os.fchown(fd, -1, root_gid)


def open_for_reading(key: str) -> BinaryIO:
    return documents_storage().open(key, "rb")


def delete(key: str) -> None:
    """Delete the object, and on a versioned S3 bucket every version and delete marker
    of it: django-storages' delete() sends no version id, which on a versioned bucket
    only adds a delete marker and leaves every old version readable."""
    storage = documents_storage()
    storage.delete(key)
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        return
    name = storage._normalize_name(clean_name(key))
    client = storage.connection.meta.client
    paginator = client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket.name, Prefix=name):
        entries = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            if v["Key"] == name
        ]
        if entries:
            client.delete_objects(Bucket=bucket.name, Delete={"Objects": entries, "Quiet": True})


def exists(key: str) -> bool:
    return documents_storage().exists(key)


def list_keys(prefix: str = PREFIX) -> list[str]:
    """Every vault object key (for the orphan reconciler), or every key under another
    prefix of the same store (the self-service's exports: "exports/")."""
    storage = documents_storage()
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:
        return [obj.key for obj in bucket.objects.filter(Prefix=prefix)]
    try:
        _, files = storage.listdir(prefix.rstrip("/"))
    except FileNotFoundError:
        return []
    return [f"{prefix}{name}" for name in files]

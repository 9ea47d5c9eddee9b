"""Where ciphertext lives: Django's storage API ("documents" alias), local or S3.

Object keys are random and never reused; they carry no name, no id and no date.
"""

from __future__ import annotations

import secrets
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import Storage, storages
from storages.utils import clean_name

PREFIX = "vault/"


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
    saved = storage.save(key, _Ciphertext(ciphertext, name=key))
    if saved != key:
        # The backend renamed it because the key existed: never write under another key.
        storage.delete(saved)
        raise FileExistsError("storage key already in use")


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

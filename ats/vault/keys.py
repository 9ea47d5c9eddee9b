"""The keyring of key-encryption keys (KEKs): loading, adding a key, re-wrapping.

Rotation re-wraps each document's 60-byte wrapped data key under the newest KEK; it
never reads or writes a file's content. Old keys stay in the keyring, readable, until
no wrapped key names them; then `rotate_keys --retire ID` removes them.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count

from ats.models import Application, Document
from ats.varfiles import parse_keyring
from ats.vault import crypto

_cache: dict[str, object] = {"stamp": None, "ring": None}


def current_keyring() -> dict:
    """The keyring in force: re-read from its file when that file changed."""
    path = settings.ATS_KEYRING_PATH
    if not path:
        return settings.ATS_KEYRING
    try:
        stamp = (path, os.stat(path).st_mtime_ns)
    except OSError:
        return settings.ATS_KEYRING
    if _cache["stamp"] != stamp:
        ring = parse_keyring(Path(path).read_text(encoding="utf-8"), source=path)
        _cache.update(stamp=stamp, ring=ring)
    return _cache["ring"]  # type: ignore[return-value]


def _write_keyring(path: Path, ring: dict) -> None:
    payload = json.dumps(
        {
            "active": ring["active"],
            "keys": {key_id: b64encode(key).decode() for key_id, key in ring["keys"].items()},
        },
        indent=2,
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(payload + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _writable_keyring_path() -> Path:
    if not settings.ATS_KEYRING_PATH:
        raise ImproperlyConfigured(
            "The keyring comes from the ATS_KEYRING variable, which this command cannot "
            "change: add a new key there, make it active, restart every process, then run "
            "`rotate_keys --rewrap-only`."
        )
    return Path(settings.ATS_KEYRING_PATH)


def keyring_add_key() -> str:
    """Add a fresh KEK to the keyring file and make it the active one; its id."""
    path = _writable_keyring_path()
    ring = current_keyring()
    number = 1 + max((int(k[1:]) for k in ring["keys"] if k[1:].isdigit()), default=0)
    key_id = f"k{number}"
    new_ring = {"active": key_id, "keys": {**ring["keys"]}}
    new_ring["keys"][key_id] = secrets.token_bytes(32)
    _write_keyring(path, new_ring)
    return key_id


def keyring_retire_key(key_id: str) -> None:
    path = _writable_keyring_path()
    ring = current_keyring()
    if key_id == ring["active"]:
        raise ValueError(f"Key {key_id!r} is the active key.")
    if key_id not in ring["keys"]:
        raise ValueError(f"Key {key_id!r} is not in the keyring.")
    if (
        Document.objects.filter(key_id=key_id).exclude(wrapped_key=b"").exists()
        or Application.objects.filter(special_category_key_id=key_id).exists()
    ):
        raise ValueError(f"Key {key_id!r} still wraps data keys: run rotate_keys first.")
    keys = {k: v for k, v in ring["keys"].items() if k != key_id}
    _write_keyring(path, {"active": ring["active"], "keys": keys})


@dataclass
class RewrapReport:
    rewrapped: int
    seconds: float
    keys_in_use: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.rewrapped / self.seconds if self.seconds else 0.0


def documents_rewrap(*, batch_size: int = 500) -> RewrapReport:
    """Re-wrap every data key (and re-seal every sealed field) not under the active KEK,
    one committed batch at a time: killed half way, a rerun finishes the rest, and every
    document stays readable throughout (its row names the KEK that wraps it)."""
    ring = current_keyring()
    active = ring["active"]
    started, done = time.perf_counter(), 0
    while True:
        with transaction.atomic():
            batch = list(
                Document.objects.select_for_update(skip_locked=True)
                .exclude(key_id=active)
                .exclude(wrapped_key=b"")
                .order_by("pk")
                .only("pk", "key_id", "wrapped_key")[:batch_size]
            )
            if not batch:
                break
            for document in batch:
                wrapped = crypto.rewrap(document.wrapped_key, document_id=document.pk, ring=ring)
                document.key_id, document.wrapped_key = wrapped.kek_id, wrapped.blob
            Document.objects.bulk_update(batch, ["key_id", "wrapped_key"])
            done += len(batch)
    done += _fields_reseal(ring, batch_size)
    in_use = dict(
        Document.objects.exclude(wrapped_key=b"")
        .values_list("key_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return RewrapReport(done, time.perf_counter() - started, in_use)


def _fields_reseal(ring: dict, batch_size: int) -> int:
    """Re-seal field-level secrets (special-category answers) under the active key."""
    active, done = ring["active"], 0
    while True:
        with transaction.atomic():
            batch = list(
                Application.objects.select_for_update(skip_locked=True)
                .exclude(special_category_key_id__in=["", active])
                .order_by("pk")
                .only("pk", "special_category_sealed", "special_category_key_id")[:batch_size]
            )
            if not batch:
                return done
            for application in batch:
                context = application.special_category_context
                plaintext = crypto.unseal(
                    application.special_category_sealed, context=context, ring=ring
                )
                application.special_category_sealed = crypto.seal(
                    plaintext, context=context, ring=ring
                )
                application.special_category_key_id = active
            Application.objects.bulk_update(
                batch, ["special_category_sealed", "special_category_key_id"]
            )
            done += len(batch)

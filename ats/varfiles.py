"""Secrets generated into the var dir on the first run of a development instance.

Each file is created with mode 0600, atomically, so two processes starting at once
agree on one value and nobody else on the machine can read it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        value = make()
        f.write(value + "\n")
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)


def new_key_encryption_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_keyring() -> str:
    return json.dumps({"active": "k1", "keys": {"k1": new_key_encryption_key()}}, indent=2)


def parse_keyring(raw: str, *, source: str) -> dict:
    """Validate a keyring: {"active": id, "keys": {id: base64 of 32 bytes}}."""
    try:
        keyring = json.loads(raw)
        keys = keyring["keys"]
        active = keyring["active"]
        decoded = {key_id: base64.b64decode(value, validate=True) for key_id, value in keys.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ImproperlyConfigured(
            f"{source} is not a keyring: expected JSON "
            '{"active": "k1", "keys": {"k1": "<base64 of 32 random bytes>"}}.'
        ) from None
    if active not in decoded:
        raise ImproperlyConfigured(f"{source}: the active key {active!r} is not in its keys.")
    for key_id, key in decoded.items():
        if len(key) != 32:
            raise ImproperlyConfigured(f"{source}: key {key_id!r} is not 32 bytes (AES-256).")
    return {"active": active, "keys": decoded}

from __future__ import annotations

import json
import shutil
from base64 import b64encode
from pathlib import Path

import pytest

from tests import services


def use_local_storage(settings, root: Path) -> None:
    settings.ATS_STORAGE = "local"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(root / "documents"),
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
                "allow_overwrite": False,
            },
        },
    }


def use_s3_storage(settings) -> None:
    settings.ATS_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": services.s3_options(),
        },
    }


@pytest.fixture(params=["local", "s3"])
def vault_storage(request, settings, tmp_path) -> str:
    """The documents storage, once on a local directory and once on the real S3 server."""
    if request.param == "local":
        use_local_storage(settings, tmp_path)
    else:
        use_s3_storage(settings)
    return request.param


@pytest.fixture
def clamd(settings):
    host, port = services.clamd_address()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = host, port, ""
    return host, port


@pytest.fixture
def clamd_down(settings):
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = (
        "127.0.0.1",
        services.free_port(),
        "",
    )
    settings.CLAMD_TIMEOUT = 2


@pytest.fixture
def keyring_file(settings, tmp_path) -> Path:
    """A private keyring file, so that rotation tests change nobody else's keys."""
    path = tmp_path / "keyring.json"
    ring = settings.ATS_KEYRING
    path.write_text(
        json.dumps(
            {
                "active": ring["active"],
                "keys": {k: b64encode(v).decode() for k, v in ring["keys"].items()},
            }
        )
    )
    path.chmod(0o600)
    settings.ATS_KEYRING_PATH = str(path)
    yield path
    shutil.rmtree(tmp_path / "unused", ignore_errors=True)


def stored_bytes(key: str) -> bytes:
    """The object exactly as the storage holds it."""
    from ats.vault.storage import documents_storage

    with documents_storage().open(key, "rb") as f:
        return f.read()

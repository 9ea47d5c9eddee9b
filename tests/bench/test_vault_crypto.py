"""Vault encryption and decryption throughput against `openssl speed` on this machine."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
import uuid

from ats.vault import crypto
from tests import services

SIZE = 64 * 1024 * 1024
GOAL = 0.7


def openssl_gcm_bytes_per_second() -> float:
    if not shutil.which("openssl"):
        # The baseline of this ratio is OpenSSL's own figure: without it there is
        # nothing to compare against.
        services.missing("openssl", "the openssl command is not installed")
    out = subprocess.run(
        ["openssl", "speed", "-evp", "aes-256-gcm", "-bytes", "16384", "-seconds", "3"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    match = re.search(r"^AES-256-GCM\s+([\d.]+)k", out, re.MULTILINE | re.IGNORECASE)
    assert match, out
    return float(match.group(1)) * 1000  # openssl prints thousands of bytes per second


def best_of(runs: int, action) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def test_vault_encryption_and_decryption_throughput(report):
    baseline = openssl_gcm_bytes_per_second()
    plaintext = os.urandom(SIZE)
    document_id = uuid.uuid4()
    data_key, data_key_id = crypto.new_data_key()
    sink = bytearray(8 * 1024 * 1024)

    def encrypt() -> None:
        reader = crypto.EncryptingReader(
            plaintext, data_key=data_key, data_key_id=data_key_id, document_id=document_id
        )
        while reader.readinto(sink):
            pass

    ciphertext = crypto.encrypt_bytes(
        plaintext, data_key=data_key, data_key_id=data_key_id, document_id=document_id
    )

    def decrypt() -> None:
        for _chunk in crypto.decrypt_stream(
            io.BytesIO(ciphertext),
            data_key=data_key,
            data_key_id=data_key_id,
            document_id=document_id,
        ):
            pass

    encrypt_rate = SIZE / best_of(5, encrypt)
    decrypt_rate = SIZE / best_of(5, decrypt)
    report(
        openssl_aes_256_gcm_16k_MB_s=baseline / 1e6,
        vault_encrypt_MB_s=encrypt_rate / 1e6,
        vault_decrypt_MB_s=decrypt_rate / 1e6,
        encrypt_ratio=encrypt_rate / baseline,
        decrypt_ratio=decrypt_rate / baseline,
        goal=GOAL,
    )
    assert encrypt_rate / baseline >= GOAL
    assert decrypt_rate / baseline >= GOAL

"""Envelope encryption of documents: streaming AES-256-GCM in fixed-size chunks.

The format is specified in docs/vault-format.md. In short:

    file   = header || record*            (at least one record; the last is flagged)
    header = b"HWV" || version:u8 || chunk_size:u32 || data_key_id:16
    record = nonce:12 || AES-256-GCM(data_key, nonce, chunk, aad) (ciphertext || tag:16)
    aad    = header || document_id:16 || chunk_index:u64 || is_last:u8

Every record binds the whole header, the document id, its position and whether it is
the last one, so flipped bits, truncation, reordering, records swapped between files
and trailing data all fail to decrypt. The data key is random per document and is
wrapped by a key-encryption key (KEK) from the versioned keyring:

    wrapped = version:u8 || kek_id_len:u8 || kek_id || data_key_id:16 || nonce:12 ||
              AES-256-GCM(kek, nonce, data_key, b"HWK" || document_id:16 || data_key_id:16)

so a wrapped key moved to another document's row does not unwrap, and rotating the
KEK re-wraps 60 bytes per document without reading or writing any file.
"""

from __future__ import annotations

import io
import os
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"HWV"
VERSION = 1
DEFAULT_CHUNK_SIZE = 1024 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
NONCE_BYTES = 12
TAG_BYTES = 16
RECORD_OVERHEAD = NONCE_BYTES + TAG_BYTES
_HEADER = struct.Struct("!3sBI16s")
HEADER_BYTES = _HEADER.size
_WRAP_VERSION = 1
_WRAP_AAD = b"HWK"


class VaultCryptoError(Exception):
    """Base of the vault's cryptographic errors. Messages carry ids, never content."""


class IntegrityError(VaultCryptoError):
    """The ciphertext or its wrapped key was altered, truncated, reordered or swapped."""


class KeyringError(VaultCryptoError):
    """A key-encryption key named by a wrapped key is not in the keyring."""


@dataclass(frozen=True)
class WrappedKey:
    kek_id: str
    blob: bytes


def keyring() -> dict:
    from ats.vault.keys import current_keyring

    return current_keyring()


def new_data_key() -> tuple[bytes, bytes]:
    """A fresh random 256-bit data key and its random 16-byte id."""
    return AESGCM.generate_key(bit_length=256), os.urandom(16)


def wrap_data_key(
    data_key: bytes, data_key_id: bytes, *, document_id: uuid.UUID, ring: dict | None = None
) -> WrappedKey:
    ring = ring or keyring()
    kek_id = ring["active"]
    encoded_id = kek_id.encode("ascii")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring["keys"][kek_id]).encrypt(
        nonce, data_key, _WRAP_AAD + document_id.bytes + data_key_id
    )
    blob = bytes([_WRAP_VERSION, len(encoded_id)]) + encoded_id + data_key_id + nonce + sealed
    return WrappedKey(kek_id, blob)


def unwrap_data_key(
    blob: bytes, *, document_id: uuid.UUID, ring: dict | None = None
) -> tuple[bytes, bytes]:
    """The data key and its id; raises KeyringError or IntegrityError."""
    ring = ring or keyring()
    blob = bytes(blob)
    try:
        version, id_len = blob[0], blob[1]
        kek_id = blob[2 : 2 + id_len].decode("ascii")
        rest = blob[2 + id_len :]
        data_key_id, nonce = rest[:16], rest[16 : 16 + NONCE_BYTES]
        sealed = rest[16 + NONCE_BYTES :]
    except (IndexError, UnicodeDecodeError):
        raise IntegrityError(f"The wrapped key of document {document_id} is malformed.") from None
    if version != _WRAP_VERSION or len(data_key_id) != 16 or len(sealed) != 32 + TAG_BYTES:
        raise IntegrityError(f"The wrapped key of document {document_id} is malformed.")
    kek = ring["keys"].get(kek_id)
    if kek is None:
        raise KeyringError(
            f"Key-encryption key {kek_id!r} (needed by document {document_id}) is not in the "
            "keyring: restore it to ATS_KEYRING before reading this document."
        )
    try:
        data_key = AESGCM(kek).decrypt(nonce, sealed, _WRAP_AAD + document_id.bytes + data_key_id)
    except InvalidTag:
        raise IntegrityError(
            f"The wrapped key of document {document_id} does not belong to it or was altered "
            f"(or key {kek_id!r} in the keyring is not the key that wrapped it)."
        ) from None
    return data_key, data_key_id


def wrapped_kek_id(blob: bytes) -> str:
    blob = bytes(blob)
    return blob[2 : 2 + blob[1]].decode("ascii")


def rewrap(blob: bytes, *, document_id: uuid.UUID, ring: dict | None = None) -> WrappedKey:
    """The same data key, wrapped by the keyring's active key."""
    ring = ring or keyring()
    data_key, data_key_id = unwrap_data_key(blob, document_id=document_id, ring=ring)
    return wrap_data_key(data_key, data_key_id, document_id=document_id, ring=ring)


def _aad(header: bytes, document_id: uuid.UUID, index: int, last: bool) -> bytes:
    return header + document_id.bytes + struct.pack("!QB", index, last)


def ciphertext_size(plaintext_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    records = max(1, -(-plaintext_size // chunk_size))
    return HEADER_BYTES + plaintext_size + records * RECORD_OVERHEAD


class EncryptingReader(io.RawIOBase):
    """A readable stream of the ciphertext of `plaintext`, produced chunk by chunk, so
    that a storage backend can upload it without the plaintext touching disk and with
    memory bounded by a few chunks. `plaintext` is a bytes-like object (an upload held
    in memory: sliced without copying) or a binary stream.

    Buffers are allocated once and reused: fresh allocations of a chunk's size cost
    more than the cipher itself (page faults), see tests/bench/."""

    def __init__(
        self,
        plaintext: bytes | bytearray | memoryview | BinaryIO,
        *,
        data_key: bytes,
        data_key_id: bytes,
        document_id: uuid.UUID,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        super().__init__()
        if isinstance(plaintext, bytes | bytearray | memoryview):
            self._view: memoryview | None = memoryview(plaintext).cast("B")
            self._stream = None
        else:
            self._view, self._stream = None, plaintext
            self._spare = bytearray(chunk_size)
            self._chunk_buffer = bytearray(chunk_size)
        self._offset = 0
        self._aes = AESGCM(data_key)
        self._document_id = document_id
        self._chunk_size = chunk_size
        self._header = _HEADER.pack(MAGIC, VERSION, chunk_size, data_key_id)
        self._record = bytearray(RECORD_OVERHEAD + chunk_size)
        self._index = 0
        self._pending = self._take_chunk()  # one chunk ahead, to know which one is last
        self._out = memoryview(self._header)
        self._done = False

    def readable(self) -> bool:
        return True

    def _take_chunk(self) -> memoryview:
        if self._view is not None:
            chunk = self._view[self._offset : self._offset + self._chunk_size]
            self._offset += len(chunk)
            return chunk
        buffer = self._spare
        self._spare = self._chunk_buffer
        self._chunk_buffer = buffer
        view, filled = memoryview(buffer), 0
        while filled < self._chunk_size:
            n = self._stream.readinto(view[filled:])
            if not n:
                break
            filled += n
        return view[:filled]

    def _next_record(self) -> bool:
        if self._done:
            return False
        chunk = self._pending
        self._pending = self._take_chunk() if len(chunk) == self._chunk_size else memoryview(b"")
        last = not len(self._pending)
        record = memoryview(self._record)
        record[:NONCE_BYTES] = os.urandom(NONCE_BYTES)
        end = NONCE_BYTES + len(chunk) + TAG_BYTES
        self._aes.encrypt_into(
            record[:NONCE_BYTES],
            chunk,
            _aad(self._header, self._document_id, self._index, last),
            record[NONCE_BYTES:end],
        )
        self._out = record[:end]
        self._index += 1
        self._done = last
        return True

    def blocks(self) -> Iterator[memoryview]:
        """The rest of the ciphertext as views of the reader's own buffer, the header
        and then one record at a time, with no copy: a view is valid only until the
        next one is asked for (write it out first)."""
        while len(self._out) or self._next_record():
            block, self._out = self._out, memoryview(b"")
            yield block

    def readinto(self, target) -> int:
        if not len(self._out) and not self._next_record():
            return 0
        n = min(len(target), len(self._out))
        target[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(4 * self._chunk_size), b""))
        result = bytearray(size)
        view, filled = memoryview(result), 0
        while filled < size:
            n = self.readinto(view[filled:])
            if not n:
                break
            filled += n
        del view
        return bytes(result[:filled])


def encrypt_bytes(
    plaintext: bytes,
    *,
    data_key: bytes,
    data_key_id: bytes,
    document_id: uuid.UUID,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> bytes:
    reader = EncryptingReader(
        io.BytesIO(plaintext),
        data_key=data_key,
        data_key_id=data_key_id,
        document_id=document_id,
        chunk_size=chunk_size,
    )
    return reader.read()


def _fill(stream: BinaryIO, buffer: bytearray) -> memoryview:
    """Read into buffer until it is full or the stream ends; the filled part."""
    view, filled = memoryview(buffer), 0
    while filled < len(buffer):
        n = stream.readinto(view[filled:])
        if not n:
            break
        filled += n
    return view[:filled]


def decrypt_stream(
    ciphertext: BinaryIO, *, data_key: bytes, data_key_id: bytes, document_id: uuid.UUID
) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk; raise IntegrityError at the first sign of
    tampering. A consumer must treat already-yielded chunks as unverified until the
    iterator finishes (a truncated file fails only at its end)."""
    header = bytes(_fill(ciphertext, bytearray(HEADER_BYTES)))
    if len(header) != HEADER_BYTES:
        raise IntegrityError(f"Document {document_id}: the ciphertext is truncated.")
    magic, version, chunk_size, file_key_id = _HEADER.unpack(header)
    if magic != MAGIC or version != VERSION:
        raise IntegrityError(f"Document {document_id}: not a vault file of a known version.")
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise IntegrityError(f"Document {document_id}: the header's chunk size is invalid.")
    if file_key_id != data_key_id:
        raise IntegrityError(
            f"Document {document_id}: the file was not encrypted with this document's data key."
        )
    aes = AESGCM(data_key)
    record_size = chunk_size + RECORD_OVERHEAD
    buffers = [bytearray(record_size), bytearray(record_size)]
    record = _fill(ciphertext, buffers[0])
    index = 0
    while True:
        if len(record) == record_size:
            following = _fill(ciphertext, buffers[(index + 1) % 2])
        else:
            following = memoryview(b"")
        last = not len(following)
        if len(record) < RECORD_OVERHEAD:
            raise IntegrityError(f"Document {document_id}: the ciphertext is truncated.")
        try:
            yield aes.decrypt(
                record[:NONCE_BYTES],
                record[NONCE_BYTES:],
                _aad(header, document_id, index, last),
            )
        except InvalidTag:
            raise IntegrityError(
                f"Document {document_id}: chunk {index} failed authentication (the file was "
                "altered, truncated, reordered or belongs to another document)."
            ) from None
        if last:
            return
        record, index = following, index + 1


# --- Field-level encryption -------------------------------------------------------------
#
#     sealed = version:u8 || kek_id_len:u8 || kek_id || nonce:12 ||
#              AES-256-GCM(kek, nonce, plaintext, b"HWF" || context)
#
# For small values held in a database row (special-category answers). The context names
# the row and field, so a sealed value copied to another row does not open.

_FIELD_AAD = b"HWF"


def seal(plaintext: bytes, *, context: bytes, ring: dict | None = None) -> bytes:
    ring = ring or keyring()
    kek_id = ring["active"]
    encoded_id = kek_id.encode("ascii")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring["keys"][kek_id]).encrypt(nonce, plaintext, _FIELD_AAD + context)
    return bytes([_WRAP_VERSION, len(encoded_id)]) + encoded_id + nonce + sealed


def unseal(blob: bytes, *, context: bytes, ring: dict | None = None) -> bytes:
    ring = ring or keyring()
    blob = bytes(blob)
    try:
        version, id_len = blob[0], blob[1]
        kek_id = blob[2 : 2 + id_len].decode("ascii")
    except (IndexError, UnicodeDecodeError):
        raise IntegrityError("A sealed field is malformed.") from None
    if version != _WRAP_VERSION:
        raise IntegrityError("A sealed field is malformed.")
    kek = ring["keys"].get(kek_id)
    if kek is None:
        raise KeyringError(f"Key-encryption key {kek_id!r} is not in the keyring.")
    rest = blob[2 + id_len :]
    try:
        return AESGCM(kek).decrypt(rest[:NONCE_BYTES], rest[NONCE_BYTES:], _FIELD_AAD + context)
    except InvalidTag:
        raise IntegrityError("A sealed field was altered or belongs to another record.") from None

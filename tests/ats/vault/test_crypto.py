from __future__ import annotations

import io
import os
import uuid

import pytest

from ats.vault import crypto

CHUNK = 4096  # small chunks, so that a few KiB make several records


@pytest.fixture
def ring():
    return {"active": "k2", "keys": {"k1": os.urandom(32), "k2": os.urandom(32)}}


def encrypt(plaintext: bytes, document_id: uuid.UUID, ring: dict):
    data_key, data_key_id = crypto.new_data_key()
    wrapped = crypto.wrap_data_key(data_key, data_key_id, document_id=document_id, ring=ring)
    ciphertext = crypto.encrypt_bytes(
        plaintext,
        data_key=data_key,
        data_key_id=data_key_id,
        document_id=document_id,
        chunk_size=CHUNK,
    )
    return ciphertext, wrapped


def decrypt(ciphertext: bytes, blob: bytes, document_id: uuid.UUID, ring: dict) -> bytes:
    data_key, data_key_id = crypto.unwrap_data_key(blob, document_id=document_id, ring=ring)
    return b"".join(
        crypto.decrypt_stream(
            io.BytesIO(ciphertext),
            data_key=data_key,
            data_key_id=data_key_id,
            document_id=document_id,
        )
    )


def record(ciphertext: bytes, index: int) -> slice:
    start = crypto.HEADER_BYTES + index * (CHUNK + crypto.RECORD_OVERHEAD)
    return slice(start, start + CHUNK + crypto.RECORD_OVERHEAD)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 7])
def test_it_round_trips_every_size(size, ring):
    plaintext, document_id = os.urandom(size), uuid.uuid4()
    ciphertext, wrapped = encrypt(plaintext, document_id, ring)
    assert len(ciphertext) == crypto.ciphertext_size(size, CHUNK)
    assert decrypt(ciphertext, wrapped.blob, document_id, ring) == plaintext


def test_the_stream_reader_gives_the_same_bytes_to_small_and_large_reads(ring):
    plaintext, document_id = os.urandom(3 * CHUNK + 100), uuid.uuid4()
    data_key, data_key_id = crypto.new_data_key()
    outputs = []
    for source in (plaintext, io.BytesIO(plaintext)):
        reader = crypto.EncryptingReader(
            source,
            data_key=data_key,
            data_key_id=data_key_id,
            document_id=document_id,
            chunk_size=CHUNK,
        )
        outputs.append(b"".join(iter(lambda r=reader: r.read(777), b"")))
    blob = crypto.wrap_data_key(data_key, data_key_id, document_id=document_id, ring=ring).blob
    for ciphertext in outputs:
        assert decrypt(ciphertext, blob, document_id, ring) == plaintext


@pytest.mark.parametrize("size", [0, 1, CHUNK, 3 * CHUNK + 100])
def test_blocks_give_the_ciphertext_that_read_gives(size, ring):
    """What a local store writes (views of the reader's buffer, no copies) is the
    whole ciphertext, as read() gives it."""
    plaintext, document_id = os.urandom(size), uuid.uuid4()
    data_key, data_key_id = crypto.new_data_key()

    def reader(source):
        return crypto.EncryptingReader(
            source,
            data_key=data_key,
            data_key_id=data_key_id,
            document_id=document_id,
            chunk_size=CHUNK,
        )

    from_blocks = b"".join(bytes(block) for block in reader(plaintext).blocks())
    assert len(from_blocks) == crypto.ciphertext_size(size, CHUNK)
    blob = crypto.wrap_data_key(data_key, data_key_id, document_id=document_id, ring=ring).blob
    assert decrypt(from_blocks, blob, document_id, ring) == plaintext
    partly_read = reader(plaintext)  # blocks() continues where read() stopped
    rest = partly_read.read(5) + b"".join(bytes(block) for block in partly_read.blocks())
    assert decrypt(rest, blob, document_id, ring) == plaintext


def test_the_ciphertext_hides_the_plaintext(ring):
    plaintext = b"Curriculum vitae of Zoe Nunez, born 1990. " * 200
    ciphertext, _ = encrypt(plaintext, uuid.uuid4(), ring)
    assert b"Zoe Nunez" not in ciphertext
    assert b"Curriculum" not in ciphertext


def test_one_flipped_bit_fails_to_decrypt(ring):
    document_id = uuid.uuid4()
    ciphertext, wrapped = encrypt(os.urandom(3 * CHUNK), document_id, ring)
    for position in (0, 5, crypto.HEADER_BYTES + 3, len(ciphertext) // 2, len(ciphertext) - 1):
        tampered = bytearray(ciphertext)
        tampered[position] ^= 0x01
        with pytest.raises(crypto.IntegrityError):
            decrypt(bytes(tampered), wrapped.blob, document_id, ring)


def test_a_file_truncated_by_one_chunk_fails_to_decrypt(ring):
    document_id = uuid.uuid4()
    ciphertext, wrapped = encrypt(os.urandom(3 * CHUNK), document_id, ring)
    truncated = ciphertext[: record(ciphertext, 2).start]
    with pytest.raises(crypto.IntegrityError, match="chunk 1 failed authentication"):
        decrypt(truncated, wrapped.blob, document_id, ring)
    with pytest.raises(crypto.IntegrityError):
        decrypt(ciphertext[:-1], wrapped.blob, document_id, ring)
    with pytest.raises(crypto.IntegrityError, match="truncated"):
        decrypt(ciphertext[:10], wrapped.blob, document_id, ring)


def test_two_swapped_chunks_fail_to_decrypt(ring):
    document_id = uuid.uuid4()
    ciphertext, wrapped = encrypt(os.urandom(3 * CHUNK + 10), document_id, ring)
    swapped = bytearray(ciphertext)
    swapped[record(ciphertext, 0)], swapped[record(ciphertext, 1)] = (
        ciphertext[record(ciphertext, 1)],
        ciphertext[record(ciphertext, 0)],
    )
    with pytest.raises(crypto.IntegrityError, match="chunk 0"):
        decrypt(bytes(swapped), wrapped.blob, document_id, ring)


def test_trailing_data_fails_to_decrypt(ring):
    document_id = uuid.uuid4()
    ciphertext, wrapped = encrypt(os.urandom(2 * CHUNK), document_id, ring)
    with pytest.raises(crypto.IntegrityError):
        decrypt(ciphertext + b"\0" * 40, wrapped.blob, document_id, ring)


def test_the_wrapped_keys_of_two_documents_swapped_fail_to_unwrap(ring):
    first, second = uuid.uuid4(), uuid.uuid4()
    ciphertext_1, wrapped_1 = encrypt(b"first document", first, ring)
    ciphertext_2, wrapped_2 = encrypt(b"second document", second, ring)
    with pytest.raises(crypto.IntegrityError, match="does not belong to it"):
        decrypt(ciphertext_1, wrapped_2.blob, first, ring)
    with pytest.raises(crypto.IntegrityError, match="does not belong to it"):
        decrypt(ciphertext_2, wrapped_1.blob, second, ring)


def test_a_file_of_another_document_fails_to_decrypt(ring):
    first, second = uuid.uuid4(), uuid.uuid4()
    ciphertext_1, _ = encrypt(b"first document", first, ring)
    _, wrapped_2 = encrypt(b"second document", second, ring)
    with pytest.raises(crypto.IntegrityError, match="not encrypted with this document's data key"):
        decrypt(ciphertext_1, wrapped_2.blob, second, ring)


def test_a_missing_key_encryption_key_is_named_in_the_error(ring):
    document_id = uuid.uuid4()
    ciphertext, wrapped = encrypt(b"cv", document_id, ring)
    without_k2 = {"active": "k1", "keys": {"k1": ring["keys"]["k1"]}}
    with pytest.raises(crypto.KeyringError, match=r"'k2'.*not in the keyring"):
        decrypt(ciphertext, wrapped.blob, document_id, without_k2)


def test_a_wrong_key_under_the_right_id_fails_clearly(ring):
    document_id = uuid.uuid4()
    ciphertext, wrapped = encrypt(b"cv", document_id, ring)
    wrong = {"active": "k2", "keys": {"k2": os.urandom(32)}}
    with pytest.raises(crypto.IntegrityError, match="not the key that wrapped it"):
        decrypt(ciphertext, wrapped.blob, document_id, wrong)


def test_rewrapping_moves_a_data_key_to_the_active_key_without_touching_the_file(ring):
    document_id = uuid.uuid4()
    old_ring = {"active": "k1", "keys": ring["keys"]}
    ciphertext, wrapped = encrypt(b"a cv", document_id, old_ring)
    assert wrapped.kek_id == "k1"
    rewrapped = crypto.rewrap(wrapped.blob, document_id=document_id, ring=ring)
    assert rewrapped.kek_id == "k2" == crypto.wrapped_kek_id(rewrapped.blob)
    assert decrypt(ciphertext, rewrapped.blob, document_id, ring) == b"a cv"


def test_a_malformed_wrapped_key_is_an_integrity_error(ring):
    with pytest.raises(crypto.IntegrityError, match="malformed"):
        crypto.unwrap_data_key(b"\x01", document_id=uuid.uuid4(), ring=ring)

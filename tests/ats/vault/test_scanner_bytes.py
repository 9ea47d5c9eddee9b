"""scanner.scan_bytes: an upload held in memory sent to clamd in one sendmsg() on a
socket whose timeouts the kernel enforces. The same verdicts as scan_stream, and a
scanner that stops reading or never answers is unavailable (the document pending),
never a verdict."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from ats.vault import scanner
from tests import services

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MiB = 1024 * 1024


@pytest.fixture(params=["kernel timeouts", "python timeouts"])
def timeouts(request, monkeypatch):
    """Both ways of sending: the kernel's timeouts (Linux) and Python's (elsewhere)."""
    if request.param == "python timeouts":
        monkeypatch.setattr(scanner, "_use_kernel_timeouts", lambda sock, timeout: False)
    return request.param


@pytest.fixture
def clamd(settings):
    host, port = services.clamd_address()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = host, port, ""


def test_the_eicar_string_is_infected(clamd, timeouts):
    result = scanner.scan_bytes(EICAR)
    assert result.verdict is scanner.Verdict.INFECTED
    assert "EICAR" in result.signature.upper()


def test_the_eicar_string_after_many_chunks_is_infected(clamd, timeouts):
    """Past the first INSTREAM chunk and past what the socket buffers hold at once."""
    result = scanner.scan_bytes(bytearray(os.urandom(12 * MiB + 3)) + EICAR)
    assert result.verdict is scanner.Verdict.INFECTED


@pytest.mark.parametrize("size", [1, scanner.CHUNK, scanner.CHUNK + 1, 10 * MiB])
def test_clean_data_of_any_size_is_clean(clamd, timeouts, size):
    assert scanner.scan_bytes(memoryview(os.urandom(size))).verdict is scanner.Verdict.CLEAN


def test_a_stopped_scanner_is_unavailable(settings, timeouts):
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = (
        "127.0.0.1",
        services.free_port(),
        "",
    )
    with pytest.raises(scanner.ScannerUnavailable):
        scanner.scan_bytes(b"hello")


class SilentServer:
    """Accepts connections and then neither reads nor answers (or reads everything and
    never answers)."""

    def __init__(self, *, read: bool) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.read, self.held = read, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn = self.listener.accept()[0]
            except OSError:
                return
            self.held.append(conn)
            if self.read:
                threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    @staticmethod
    def _drain(conn: socket.socket) -> None:
        try:
            while conn.recv(MiB):
                pass
        except OSError:
            return

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.mark.parametrize(
    ("read", "size"),
    [(False, 64 * MiB), (True, 3 * MiB), (False, 10)],
    ids=["never reads a large upload", "reads and never answers", "never answers"],
)
def test_a_silent_scanner_times_out_as_unavailable(settings, timeouts, read, size):
    server = SilentServer(read=read)
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = "127.0.0.1", server.port, ""
    settings.CLAMD_TIMEOUT = 1
    started = time.monotonic()
    try:
        with pytest.raises(scanner.ScannerUnavailable):
            scanner.scan_bytes(bytes(size))
    finally:
        server.close()
    assert time.monotonic() - started < 10


def test_a_scanner_that_hangs_up_mid_upload_is_unavailable(settings, timeouts):
    """As clamd does past its StreamMaxLength: never a clean verdict."""
    listener = socket.create_server(("127.0.0.1", 0))

    def read_a_little_and_hang_up() -> None:
        conn = listener.accept()[0]
        conn.recv(64 * 1024)
        conn.close()

    threading.Thread(target=read_a_little_and_hang_up, daemon=True).start()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = (
        "127.0.0.1",
        listener.getsockname()[1],
        "",
    )
    settings.CLAMD_TIMEOUT = 5
    try:
        result = scanner.scan_bytes(bytes(16 * MiB))
    except scanner.ScannerUnavailable:
        result = None
    finally:
        listener.close()
    assert result is None or result.verdict is scanner.Verdict.ERROR

from __future__ import annotations

import io
import socket
import threading

import pytest

from ats.vault import scanner
from tests import services

# The standard anti-virus test file, assembled so that no scanner flags this source.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture
def clamd(settings):
    host, port = services.clamd_address()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = host, port, ""
    return host, port


def test_clamd_reports_the_eicar_string_as_infected(clamd):
    result = scanner.scan_stream(io.BytesIO(EICAR))
    assert result.verdict is scanner.Verdict.INFECTED
    assert "EICAR" in result.signature.upper()


def test_clamd_reports_a_clean_buffer_as_clean(clamd):
    result = scanner.scan_stream(io.BytesIO(b"%PDF-1.4\nA perfectly ordinary CV.\n" * 5000))
    assert result.verdict is scanner.Verdict.CLEAN


def test_clamd_answers_ping(clamd):
    scanner.ping()


def test_a_stopped_scanner_is_unavailable(settings):
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = (
        "127.0.0.1",
        services.free_port(),
        "",
    )
    with pytest.raises(scanner.ScannerUnavailable):
        scanner.scan_stream(io.BytesIO(b"hello"))


def test_a_scanner_that_never_answers_times_out(settings):
    """A server that accepts the connection and then says nothing."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = (
        "127.0.0.1",
        listener.getsockname()[1],
        "",
    )
    settings.CLAMD_TIMEOUT = 1
    try:
        with pytest.raises(scanner.ScannerUnavailable):
            scanner.scan_stream(io.BytesIO(b"hello"))
    finally:
        for conn in accepted:
            conn.close()
        listener.close()

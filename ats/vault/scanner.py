"""ClamAV through clamd's INSTREAM command.

The clamd client library connects before it sets its socket timeout and sends in
1 KiB pieces with send() (which may send less than asked); the subclasses below set
the timeout first and stream larger chunks with sendall(). Anything other than an
explicit clean answer is treated as not clean.
"""

from __future__ import annotations

import enum
import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO

import clamd
from django.conf import settings

CHUNK = 1024 * 1024


class Verdict(enum.Enum):
    CLEAN = "clean"
    INFECTED = "infected"
    ERROR = "error"  # scanned but not explicitly clean: size limit, parse error, ...


@dataclass(frozen=True)
class ScanResult:
    verdict: Verdict
    signature: str = ""  # a signature name, never file content


class ScannerUnavailable(Exception):
    """clamd could not be reached or did not answer in time."""


class _StreamingMixin:
    timeout: float | None

    def instream(self, buff: BinaryIO) -> dict:
        self._init_socket()
        try:
            self._send_command("INSTREAM")
            while chunk := buff.read(CHUNK):
                self.clamd_socket.sendall(struct.pack("!L", len(chunk)) + chunk)
            self.clamd_socket.sendall(struct.pack("!L", 0))
            result = self._recv_response()
            if result == "INSTREAM size limit exceeded. ERROR":
                raise clamd.BufferTooLongError(result)
            filename, reason, status = self._parse_response(result)
            return {filename: (status, reason)}
        finally:
            self._close_socket()


class NetworkScanner(_StreamingMixin, clamd.ClamdNetworkSocket):
    def _init_socket(self) -> None:
        try:
            self.clamd_socket = socket.create_connection(
                (self.host, self.port), timeout=self.timeout
            )
        except OSError as exc:
            raise clamd.ConnectionError(self._error_message(exc)) from exc


class UnixScanner(_StreamingMixin, clamd.ClamdUnixSocket):
    def _init_socket(self) -> None:
        try:
            self.clamd_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.clamd_socket.settimeout(self.timeout)
            self.clamd_socket.connect(self.unix_socket)
        except OSError as exc:
            raise clamd.ConnectionError(self._error_message(exc)) from exc


def is_configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def client(timeout: float | None = None) -> NetworkScanner | UnixScanner:
    timeout = timeout if timeout is not None else settings.CLAMD_TIMEOUT
    if settings.CLAMD_SOCKET:
        return UnixScanner(path=settings.CLAMD_SOCKET, timeout=timeout)
    return NetworkScanner(host=settings.CLAMD_HOST, port=settings.CLAMD_PORT, timeout=timeout)


def ping(timeout: float = 3) -> None:
    """Raise ScannerUnavailable unless clamd answers PONG."""
    try:
        answer = client(timeout).ping()
    except (clamd.ConnectionError, OSError) as exc:
        raise ScannerUnavailable(type(exc).__name__) from None
    if answer != "PONG":
        raise ScannerUnavailable("unexpected answer")


def scan_stream(stream: BinaryIO) -> ScanResult:
    """Scan a stream; raises ScannerUnavailable when clamd cannot be asked."""
    try:
        answer = client().instream(stream)
    except clamd.BufferTooLongError:
        return ScanResult(Verdict.ERROR, "size limit")
    except clamd.ResponseError:
        return ScanResult(Verdict.ERROR, "unreadable answer")
    except (clamd.ConnectionError, OSError) as exc:
        # Covers timeouts and a broken pipe at clamd's StreamMaxLength.
        raise ScannerUnavailable(type(exc).__name__) from None
    status, signature = answer.get("stream", ("ERROR", None))
    if status == "OK" and signature is None:
        return ScanResult(Verdict.CLEAN)
    if status == "FOUND":
        return ScanResult(Verdict.INFECTED, signature or "")
    return ScanResult(Verdict.ERROR, "unexpected answer")

"""ClamAV through clamd's INSTREAM command.

The clamd client library connects before it sets its socket timeout and sends in
1 KiB pieces with send() (which may send less than asked); the subclasses below set
the timeout first and stream larger chunks with sendall(). Anything other than an
explicit clean answer is treated as not clean.

An upload held in memory (scan_bytes) is sent without copying and in one system call:
its INSTREAM chunks as a list of views handed to sendmsg() on a blocking socket whose
timeouts the kernel enforces (SO_SNDTIMEO, SO_RCVTIMEO). The thread that sends then
does not need Python's interpreter lock until clamd has it all, so the intake's
validation, which runs meanwhile in the caller's thread, does not hold the upload back.
"""

from __future__ import annotations

import enum
import socket
import struct
import sys
from dataclasses import dataclass
from typing import BinaryIO

import clamd
from django.conf import settings

CHUNK = 1024 * 1024
_IOV_MAX = 1024  # buffers per sendmsg() (Linux's UIO_MAXIOV)


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

    def instream_bytes(self, data: bytes | bytearray | memoryview) -> dict:
        self._init_socket()
        try:
            view = memoryview(data).cast("B")
            buffers: list[bytes | memoryview] = [b"nINSTREAM\n"]
            for start in range(0, len(view), CHUNK):
                chunk = view[start : start + CHUNK]
                buffers += [struct.pack("!L", len(chunk)), chunk]
            buffers.append(struct.pack("!L", 0))
            if _use_kernel_timeouts(self.clamd_socket, self.timeout):
                _sendmsg_all(self.clamd_socket, buffers)
            else:
                for buffer in buffers:
                    self.clamd_socket.sendall(buffer)
            result = _receive_line(self.clamd_socket)
            if result == "INSTREAM size limit exceeded. ERROR":
                raise clamd.BufferTooLongError(result)
            filename, reason, status = self._parse_response(result)
            return {filename: (status, reason)}
        finally:
            self._close_socket()


def _use_kernel_timeouts(sock: socket.socket, timeout: float | None) -> bool:
    """Make the socket blocking with its timeouts enforced by the kernel: the upload
    must reach clamd, and its answer come back, within `timeout` seconds each (a
    receive that times out fails with EAGAIN, an OSError as Python's own timeout is).
    False, the socket left with Python's timeout, where the options cannot be set."""
    if timeout is None or not sys.platform.startswith("linux"):
        return False
    seconds = int(timeout)
    interval = struct.pack("@ll", seconds, int((timeout - seconds) * 1_000_000))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, interval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, interval)
    except OSError:
        return False
    sock.settimeout(None)
    return True


def _sendmsg_all(sock: socket.socket, buffers: list[bytes | memoryview]) -> None:
    """Send every buffer, in one sendmsg() per UIO_MAXIOV buffers. A blocking sendmsg()
    returns before the end only when its timeout ran out (clamd stopped reading, or
    read too slowly to take the upload within the timeout): that is a timeout, as
    Python's own would be, and not a reason to wait once more."""
    while buffers:
        batch = buffers[:_IOV_MAX]
        sent = sock.sendmsg(batch)
        if sent < sum(len(memoryview(buffer)) for buffer in batch):
            raise TimeoutError("clamd did not take the upload in time")
        del buffers[:_IOV_MAX]


def _receive_line(sock: socket.socket) -> str:
    """clamd's one-line answer. Not the library's makefile().readline(): its reader
    takes a timed-out receive on a blocking socket (EAGAIN) for the end of the answer,
    where this raises (ScannerUnavailable, not a verdict)."""
    answer = bytearray()
    while not answer.endswith(b"\n"):
        part = sock.recv(4096)
        if not part:
            break
        answer += part
    return answer.decode("utf-8", "replace").strip()


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
    return _scan(lambda scanner: scanner.instream(stream))


def scan_bytes(data: bytes | bytearray | memoryview) -> ScanResult:
    """Scan an upload held in memory (see the module's docstring); raises
    ScannerUnavailable when clamd cannot be asked."""
    return _scan(lambda scanner: scanner.instream_bytes(data))


def _scan(instream) -> ScanResult:
    try:
        answer = instream(client())
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

"""The reference centre's HTTP side: connections, deadlines, lengths, injected faults.

Before a byte of a body is read (RFC 9112 §6.3 and the API's limits):

- the request target is at most ``Limits.max_target_length`` (else 414);
- a POST carries a ``Content-Length`` of plain digits (else 411 without one, 400
  for a negative or garbled one, 411 for ``Transfer-Encoding``);
- the service *admits* the request: a known route, a length within that route's
  cap (else 413), and for RFC 9421 requests a valid signature, since it covers the
  body's digest rather than the body (else 401/403).

An early refusal is answered with ``Connection: close``; what the client is still
sending is read and thrown away for ``Limits.linger_s`` so it sees the answer
rather than a reset, and nothing of it is kept.  Every read has a deadline
(:class:`_DeadlineReader`), every write a timeout, and at most
``Limits.max_connections`` connections are served at once: more are answered 503
with ``Retry-After`` and closed.

:class:`FaultPlan` injects latency, errors, throttling, dropped and reset
connections and slow bodies, so the sync worker can be tested against the network
it will meet.
"""

from __future__ import annotations

import io
import json
import logging
import math
import random
import re
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from kiosk.central.reference.limits import Limits

log = logging.getLogger(__name__)
_DIGITS = re.compile(r"^[0-9]{1,12}$")
_BUFFER = 8192
_CHUNK = 64 * 1024


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(
    status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    return Response(status, json.dumps(payload).encode("utf-8"), dict(headers or {}))


def error(
    status: int, code: str, detail: str = "", headers: dict[str, str] | None = None
) -> Response:
    """The API's error body: ``{"error": code, "detail": text}``."""
    return json_response(status, {"error": code, "detail": detail}, headers)


@dataclass
class FaultPlan:
    """What goes wrong, per request, at random (seeded for reproducible tests)."""

    latency_s: float = 0.0
    error_rate: float = 0.0  # 503 before doing anything
    throttle_rate: float = 0.0  # 429 with Retry-After
    retry_after_s: int = 1
    drop_rate: float = 0.0  # the request is processed, then the connection closes silently
    reset_rate: float = 0.0  # TCP reset before any processing
    slow_body_s: float = 0.0  # the response body trickles out over this long
    seed: int | None = None
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate


class Service(Protocol):
    """What the transport needs of :class:`kiosk.central.reference.server.CentralService`."""

    faults: FaultPlan
    limits: Limits

    def admit(
        self, method: str, target: str, headers: dict[str, str], length: int
    ) -> Any: ...  # an admission, or the Response refusing the request

    def handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        admission: Any = None,
    ) -> Response: ...


class _DeadlineReader(io.RawIOBase):
    """The socket's input with a deadline for the whole of what is being read, not per
    ``recv``: a client sending one byte a second still runs out of time.

    ``arm(first_s, then_s)``: the first byte must come within ``first_s``; once it has,
    the rest within ``then_s`` of it (``None``: the same deadline).  ``budget`` bounds
    the bytes taken from the socket until the next ``arm``.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.deadline = math.inf
        self.then_s: float | None = None
        self.budget = math.inf

    def readable(self) -> bool:
        return True

    def arm(self, first_s: float, then_s: float | None = None, budget: float = math.inf) -> None:
        self.deadline = time.monotonic() + first_s
        self.then_s = then_s
        self.budget = budget

    def readinto(self, buffer: Any) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("read deadline passed")
        if self.budget <= 0:
            raise TimeoutError("request head too large")
        view = memoryview(buffer)
        if self.budget < len(view):
            view = view[: int(self.budget)]
        self.sock.settimeout(remaining)
        received = self.sock.recv_into(view)
        self.budget -= received
        if received and self.then_s is not None:
            self.deadline = min(self.deadline, time.monotonic() + self.then_s)
            self.then_s = None
        return received


def _fields(message: Any) -> dict[str, str]:
    """Lower-case field names -> their field lines' values trimmed and joined (RFC 9110 §5.3)."""
    names = {name.lower() for name in message.keys()}
    return {
        name: ", ".join(str(v).strip(" \t") for v in message.get_all(name, [])) for name in names
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: the kiosk reuses its connection

    def setup(self) -> None:
        limits = self.server.service.limits
        if isinstance(self.request, ssl.SSLSocket):  # the handshake too has a deadline
            self.request.settimeout(limits.header_timeout_s)
            self.request.do_handshake()
        super().setup()
        # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK add 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile.close()
        self._reader = _DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader, _BUFFER)
        self._served = 0

    def handle_one_request(self) -> None:
        limits = self.server.service.limits
        head_budget = limits.max_head_bytes + _BUFFER
        if self._served == 0:
            self._reader.arm(limits.header_timeout_s, budget=head_budget)
        else:
            self._reader.arm(limits.idle_timeout_s, limits.header_timeout_s, head_budget)
        self._served += 1
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("central_request", extra={"fields": {"line": format % args}})

    def _serve(self, method: str) -> None:
        service, faults = self.server.service, self.server.service.faults
        limits = service.limits
        if faults.roll(faults.reset_rate):
            self._reset()
            return
        headers = _fields(self.headers)
        if len(self.path) > limits.max_target_length:
            self._refuse(error(414, "target_too_long"))
            return
        length = self._content_length(method, headers)
        if isinstance(length, Response):
            self._refuse(length)
            return
        try:
            admission = service.admit(method, self.path, headers, length)
        except Exception:  # a bug: answer, so the kiosk retries later instead of hanging
            log.exception("central_admission_failed")
            admission = error(500, "internal")
        if isinstance(admission, Response):
            self._refuse(admission)
            return
        self._reader.arm(limits.body_timeout_s + length / limits.min_body_rate)
        try:
            body = self._read_body(length)
        except (TimeoutError, ConnectionError):
            self.close_connection = True  # a body that does not come is not waited for
            return
        if faults.latency_s:
            time.sleep(faults.latency_s)
        if faults.roll(faults.error_rate):
            self._send(error(503, "unavailable", "injected fault"))
            return
        if faults.roll(faults.throttle_rate):
            self._send(error(429, "slow_down", headers={"Retry-After": str(faults.retry_after_s)}))
            return
        try:
            response = service.handle(method, self.path, headers, body, admission)
        except Exception:  # a bug: answer, so the kiosk retries later instead of hanging
            log.exception("central_handler_failed")
            response = error(500, "internal")
        if faults.roll(faults.drop_rate):
            self.close_connection = True  # processed, but the kiosk never hears back
            return
        self._send(response)

    @staticmethod
    def _content_length(method: str, headers: dict[str, str]) -> int | Response:
        if "transfer-encoding" in headers:
            return error(411, "length_required", "send a Content-Length, not chunks")
        value = headers.get("content-length")
        if value is None:
            if method == "POST":
                return error(411, "length_required", "a POST needs a Content-Length")
            return 0
        if not _DIGITS.match(value):  # negative, signed, garbled or several different
            return error(400, "bad_length", "Content-Length: expected a number of bytes")
        return int(value)

    def _read_body(self, length: int) -> bytes:
        chunks, left = [], length
        while left:
            chunk = self.rfile.read(min(left, _CHUNK))
            if not chunk:
                raise ConnectionError("the body ended early")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _refuse(self, response: Response) -> None:
        """Answer before reading the body, then close without keeping what still comes."""
        self._send(response, close=True)
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + self.server.service.limits.linger_s
            while (remaining := deadline - time.monotonic()) > 0:
                self.connection.settimeout(remaining)
                if not self.connection.recv(_CHUNK):
                    break
        except OSError:
            pass

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _send(self, response: Response, close: bool = False) -> None:
        self.connection.settimeout(self.server.service.limits.write_timeout_s)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if "Content-Type" not in response.headers:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        slow = self.server.service.faults.slow_body_s
        if slow and response.body:
            pieces = 10
            step = max(1, len(response.body) // pieces)
            for i in range(0, len(response.body), step):
                self.wfile.write(response.body[i : i + step])
                self.wfile.flush()
                time.sleep(slow / pieces)
        else:
            self.wfile.write(response.body)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


_BUSY = b'{"error": "busy", "detail": "too many connections"}'


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of connections waits in the kernel, not refused
    service: Service

    def __init__(self, address: tuple[str, int], service: Service) -> None:
        self.service = service
        self._slots = threading.BoundedSemaphore(service.limits.max_connections)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._turn_away(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _turn_away(self, request: socket.socket) -> None:
        """On the accepting thread: a short answer that fits the socket buffer, then close."""
        try:
            request.settimeout(0.1)
            request.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                b"Content-Type: application/json\r\nConnection: close\r\n"
                b"Content-Length: " + str(len(_BUSY)).encode() + b"\r\n\r\n" + _BUSY
            )
        except OSError:
            pass
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client gone, a deadline passed, a failed TLS handshake: ordinary on a network.
        log.debug("central_connection_failed", exc_info=True)


class RunningCentral:
    """A central service listening on a port, in a background thread."""

    def __init__(
        self,
        service: Service,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.service = service
        self.httpd = _Server((host, port), service)
        if tls is not None:
            # The handshake happens on the connection's own thread, under its deadline,
            # not on the accepting thread where one slow client would stall everyone.
            self.httpd.socket = tls.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="central-service", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def start(self) -> RunningCentral:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


__all__ = ["FaultPlan", "Response", "RunningCentral", "error", "json_response"]

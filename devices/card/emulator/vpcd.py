"""Put the emulated chip behind vsmartcard's virtual reader, so the real pcscd sees it.

vpcd (the PC/SC driver of vsmartcard) listens on TCP 35963 (35964 for the
second reader); a card connects to it.  Each message is a 2-byte big-endian
length, then the payload: one byte is a control code (0 power off, 1 power
on, 2 reset, 4 "send the ATR"), anything longer is a command APDU answered
with a response APDU.  Closing the connection is pulling the card out.

Latency: without TCP_QUICKACK, re-armed after every send, Linux delays each
ACK by about 40 ms and every APDU pays it.  vpcd listens on all interfaces:
development and CI only, never on a kiosk.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from devices.card.emulator.chip import EmulatedChip

log = logging.getLogger(__name__)

DEFAULT_PORT = 35963
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


def _quickack(sock: socket.socket) -> None:
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def _read_exact(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


class VpcdCard:
    """Serves one chip to vpcd until :meth:`remove` is called."""

    def __init__(self, chip: EmulatedChip, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        self.chip = chip
        self.host = host
        self.port = port
        self.apdus = 0
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()

    def connect(self, timeout_s: float = 10.0) -> None:
        """Connect to vpcd, retrying until it listens (pcscd may still be starting)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or self._stop.is_set():
                    raise
                time.sleep(0.1)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _quickack(sock)
        self._sock = sock
        self.connected.set()

    def insert(self, timeout_s: float = 10.0) -> None:
        """Connect and serve in a background thread."""
        self.connect(timeout_s)
        self._thread = threading.Thread(target=self.serve, name="vpcd-card", daemon=True)
        self._thread.start()

    def serve(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            while not self._stop.is_set():
                header = _read_exact(sock, 2)
                if header is None:
                    return
                payload = _read_exact(sock, int.from_bytes(header, "big"))
                if payload is None:
                    return
                reply = self._handle(payload)
                if reply is not None:
                    sock.sendall(len(reply).to_bytes(2, "big") + reply)
                _quickack(sock)  # re-armed after every exchange
        except OSError:
            return
        finally:
            self.connected.clear()

    def _handle(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            code = payload[0]
            if code in (POWER_OFF, POWER_ON, RESET):
                self.chip.reset()
                return None
            if code == GET_ATR:
                return self.chip.atr
            return None
        if self.chip.silent:
            return None  # a silent chip: no answer, the connection stays open
        self.apdus += 1
        try:
            return self.chip.transmit(payload)
        except Exception:
            log.exception("emulated_chip_failed")
            return b"\x6f\x00"

    def remove(self) -> None:
        """Pull the card out: close the connection."""
        self._stop.set()
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None
        if self._thread is not None:
            self._thread.join(2)

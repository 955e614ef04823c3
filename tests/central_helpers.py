"""A reference central service on loopback and a kiosk talking to it (test helpers)."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.base.dossier import DossierCodes, DossierMeta
from kiosk.central.client import CentralClient
from kiosk.central.protocol import load_ed25519_private
from kiosk.central.reference.limits import Limits
from kiosk.central.reference.server import CentralService, RunningCentral
from offline_cache.outbox import Outbox
from offline_cache.sealing import seal

KIOSK_ID = "000.00.01.H01-K03"


@dataclass
class Central:
    service: CentralService
    running: RunningCentral
    credential: Path

    def client(self, **kwargs: object) -> CentralClient:
        return CentralClient(
            self.running.url, KIOSK_ID, load_ed25519_private(self.credential), **kwargs
        )


def start_central(root: Path, limits: Limits | None = None) -> Central:
    service = CentralService(root / "central")
    if limits is not None:
        service.limits = limits
    credential = root / "kiosk-credential.pem"
    service.register_kiosk(KIOSK_ID, credential)
    return Central(service, RunningCentral(service).start(), credential)


def queue_dossiers(
    outbox: Outbox, central: CentralService, count: int, extra: bytes = b""
) -> list[str]:
    """Queue ``count`` dossiers sealed for ``central`` like the kiosk does; returns codes."""
    codes = DossierCodes("000.00.01.H01", 3)
    made = []
    for i in range(count):
        when = datetime(2026, 11, 20, 8, 0, i % 60)

        def build(code: str, i: int = i, when: datetime = when) -> tuple[DossierMeta, bytes]:
            content = {
                "code": code,
                "citizen": {"id_number": f"0010900{i:05d}"},
                "answers": {"n": i, "attachment": extra.hex()},
            }
            box = seal(json.dumps(content).encode(), central.seal_key.public_key(), code.encode())
            return DossierMeta(code, "LT-KS-TT-BHYT", when, date(2026, 11, 25)), box

        made.append(outbox.submit(when.date(), lambda n, w=when: codes.code(w, n), build).code)
    return made


def seal_v1(content: bytes, recipient: X25519PublicKey, associated_data: bytes) -> bytes:
    """A box as kiosks made them before HPKE (``KS1``, the layout docs/central-api.md keeps)."""

    def raw(key: X25519PublicKey) -> bytes:
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = raw(ephemeral.public_key())
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + raw(recipient),
        info=b"vn-kiosk dossier seal v1",
    ).derive(ephemeral.exchange(recipient))
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, content, associated_data)
    return b"KS1" + ephemeral_public + nonce + ciphertext


# Raw HTTP on loopback, for what a well-behaved client would never send ----------------------
def connect(central: Central) -> socket.socket:
    url = urlsplit(central.running.url)
    return socket.create_connection((url.hostname, url.port), timeout=5)


def head(method: str, target: str, fields: dict[str, str]) -> bytes:
    lines = [
        f"{method} {target} HTTP/1.1",
        "Host: centre",
        *(f"{k}: {v}" for k, v in fields.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_of(sock: socket.socket, timeout: float = 3.0) -> tuple[int, bytes]:
    """The status code of the answer on ``sock``, and what came with it."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head_part, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head_part.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length and (chunk := sock.recv(4096)):
        body += chunk
    return int(data.split(b" ", 2)[1]), head_part + b"\r\n\r\n" + body


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return True

"""Secure messaging (ICAO 9303-11 §9.8), 3DES and AES.

A :class:`SecureMessaging` wraps a :class:`~devices.card.mrtd.apdu.Transport`:
every command is protected (DO85/DO87 for data, DO97 for Le, DO8E for the
MAC) and every response is checked (DO87, DO99, DO8E; a chip that leaves DO99
out has its status taken from the trailer once the MAC verifies).  A response whose MAC
does not verify, or that lacks one, ends the session with
:class:`SecureMessagingError`: the send sequence counter can no longer be
trusted, so nothing more may be sent under these keys.
"""

from __future__ import annotations

import hmac

from devices.card.mrtd import crypto
from devices.card.mrtd.apdu import Command, Response, Transport
from devices.card.mrtd.errors import SecureMessagingError
from devices.card.mrtd.tlv import iter_tlv, tlv


class SessionKeys:
    """KS_enc, KS_mac and the send sequence counter; ``wipe`` drops them."""

    def __init__(self, ks_enc: bytes, ks_mac: bytes, ssc: int, cipher: str) -> None:
        if cipher not in ("3DES", "AES"):
            raise ValueError(cipher)
        self.ks_enc = bytearray(ks_enc)
        self.ks_mac = bytearray(ks_mac)
        self.ssc = ssc
        self.cipher = cipher

    def __repr__(self) -> str:  # keys never reach a log
        return f"SessionKeys({self.cipher}, <keys>)"

    @property
    def block(self) -> int:
        return 8 if self.cipher == "3DES" else 16

    def ssc_bytes(self) -> bytes:
        return self.ssc.to_bytes(self.block, "big")

    def encrypt(self, data: bytes) -> bytes:
        if self.cipher == "3DES":
            return crypto.des3_encrypt(bytes(self.ks_enc), data)
        # 9303-11 §9.8.6.2: for AES the IV is E(KS_enc, SSC).
        iv = crypto.aes_ecb(bytes(self.ks_enc), self.ssc_bytes())
        return crypto.aes_encrypt(bytes(self.ks_enc), data, iv)

    def decrypt(self, data: bytes) -> bytes:
        if self.cipher == "3DES":
            return crypto.des3_decrypt(bytes(self.ks_enc), data)
        iv = crypto.aes_ecb(bytes(self.ks_enc), self.ssc_bytes())
        return crypto.aes_decrypt(bytes(self.ks_enc), data, iv)

    def mac(self, data: bytes) -> bytes:
        """MAC over SSC || data, padded (9303-11 §9.8.3)."""
        message = crypto.pad(self.ssc_bytes() + data, self.block)
        if self.cipher == "3DES":
            return crypto.retail_mac(bytes(self.ks_mac), message)
        return crypto.aes_cmac(bytes(self.ks_mac), message)

    def wipe(self) -> None:
        self.ks_enc[:] = bytes(len(self.ks_enc))
        self.ks_mac[:] = bytes(len(self.ks_mac))
        self.ssc = 0


def protect(keys: SessionKeys, command: Command) -> bytes:
    """Build the protected command APDU (9303-11 §9.8.4); increments the SSC."""
    cla = command.cla | 0x0C
    header = bytes((cla, command.ins, command.p1, command.p2))
    # The SSC counts this command before anything is computed: AES uses it for the IV too.
    keys.ssc += 1
    body = b""
    if command.data:
        encrypted = keys.encrypt(crypto.pad(command.data, keys.block))
        if command.ins & 1:  # odd INS: DO85 carries the cryptogram without indicator
            body += tlv(0x85, encrypted)
        else:
            body += tlv(0x87, b"\x01" + encrypted)
    if command.le is not None:
        if command.extended:  # two bytes; 0000 means 65536
            le = b"\x00\x00" if command.le >= 65536 else command.le.to_bytes(2, "big")
        else:  # one byte; 00 means 256
            le = b"\x00" if command.le >= 256 else command.le.to_bytes(1, "big")
        body += tlv(0x97, le)
    mac = keys.mac(crypto.pad(header, keys.block) + body)
    body += tlv(0x8E, mac)
    extended = len(body) > 255 or (command.le is not None and command.le > 256)
    if extended:
        return header + b"\x00" + len(body).to_bytes(2, "big") + body + b"\x00\x00"
    return header + bytes([len(body)]) + body + b"\x00"


def unprotect(keys: SessionKeys, raw: bytes) -> Response:
    """Check and decrypt a protected response (9303-11 §9.8.5); increments the SSC."""
    response = Response.parse(raw)
    keys.ssc += 1
    if not response.data:
        # A plain error status without SM objects (e.g. 6982, 6A82) is the card
        # refusing in the clear; it carries nothing to verify.
        if response.ok:
            raise SecureMessagingError("protected response without SM data objects")
        return response
    cryptogram: bytes | None = None
    sw: bytes | None = None
    mac: bytes | None = None
    macced = b""
    try:
        for item in iter_tlv(response.data):
            raw_item = tlv(item.tag, item.value)
            if item.tag in (0x87, 0x85):
                cryptogram = item.value[1:] if item.tag == 0x87 else item.value
                if item.tag == 0x87 and item.value[:1] != b"\x01":
                    raise SecureMessagingError("unknown padding indicator in DO87")
                macced += raw_item
            elif item.tag == 0x99:
                sw = item.value
                macced += raw_item
            elif item.tag == 0x8E:
                mac = item.value
            else:
                raise SecureMessagingError(f"unexpected data object {item.tag:X}")
    except SecureMessagingError:
        raise
    except Exception as exc:
        raise SecureMessagingError("malformed protected response") from exc
    if mac is None:
        raise SecureMessagingError("protected response lacks DO8E")
    if sw is not None and len(sw) != 2:
        raise SecureMessagingError("DO99 is not a status word")
    if not hmac.compare_digest(keys.mac(macced), mac):
        raise SecureMessagingError("response MAC does not verify")
    if sw is None:
        # Some chips leave DO'99 out (ISO 7816-4 §10.2 makes the processing status
        # conditional; 9303-11 §9.8.5 includes it): once DO'8E has verified over the
        # objects that are there, the status is the response trailer's, as JMRTD and
        # other readers take it.  The trailer is not covered by the MAC, so only a
        # verified response gets this far.
        sw = response.sw.to_bytes(2, "big")
    data = b""
    if cryptogram:
        if len(cryptogram) % keys.block:
            raise SecureMessagingError("cryptogram is not a whole number of blocks")
        try:
            data = crypto.unpad(keys.decrypt(cryptogram))
        except ValueError as exc:
            raise SecureMessagingError("bad padding in the decrypted response") from exc
    return Response(data, int.from_bytes(sw, "big"))


class SecureTransport:
    """A transport that protects commands and checks responses."""

    def __init__(self, inner: Transport, keys: SessionKeys) -> None:
        self.inner = inner
        self.keys = keys

    def send(self, command: Command) -> Response:
        return unprotect(self.keys, self.inner.transmit(protect(self.keys, command)))

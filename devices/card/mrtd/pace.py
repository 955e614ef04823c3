"""PACE v2 with ECDH generic mapping (ICAO 9303-11 §4.4; worked example G.1).

Supported: id-PACE-ECDH-GM-AES-CBC-CMAC-128/-192/-256 on brainpoolP256r1
(parameter 13) and NIST P-256 (parameter 12), with the MRZ or the CAN as
password.  The terminal side (:class:`PaceTerminal`) and the chip side
(:class:`PaceChip`, for the emulator) are pure and share the same steps.

The exchange (§4.4.4):

1. MSE:Set AT selects protocol, password and parameters.
2. GENERAL AUTHENTICATE 1: the chip sends z = E(K_pi, s); s is the nonce.
3. GA 2 (mapping): both sides exchange mapping keys; H = SK·PK_other and
   G~ = s·G + H.
4. GA 3 (key agreement): ephemeral keys on G~; K = x(SK·PK_other);
   KS_enc = KDF(K, 1), KS_mac = KDF(K, 2).
5. GA 4 (mutual authentication): each side sends the CMAC of the other's
   ephemeral public key in a 7F49 template (§4.4.3.4); SSC starts at 0.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from devices.card.mrtd import crypto
from devices.card.mrtd.apdu import Command, Response, Transport
from devices.card.mrtd.ec import PACE_CURVES, Curve
from devices.card.mrtd.errors import AccessControlError, ChipDataError, StatusWordError
from devices.card.mrtd.sm import SessionKeys
from devices.card.mrtd.tlv import iter_tlv, parse_tlv, tlv

PACE_PREFIX = "0.4.0.127.0.7.2.2.4"
ECDH_GM_AES = {
    "0.4.0.127.0.7.2.2.4.2.2": 128,
    "0.4.0.127.0.7.2.2.4.2.3": 192,
    "0.4.0.127.0.7.2.2.4.2.4": 256,
}
PASSWORD_MRZ, PASSWORD_CAN = 1, 2


def encode_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for value in parts[2:]:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def decode_oid(data: bytes) -> str:
    if not data:
        raise ChipDataError("empty OID")
    parts = [data[0] // 40, data[0] % 40]
    value = 0
    for byte in data[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


@dataclass(frozen=True)
class PaceInfo:
    oid: str
    version: int
    parameter_id: int | None

    @property
    def supported(self) -> bool:
        return self.oid in ECDH_GM_AES and self.parameter_id in PACE_CURVES


def parse_card_access(data: bytes) -> list[PaceInfo]:
    """EF.CardAccess: a SET of SecurityInfos; keep the PACEInfos (9303-11 §9.2.1)."""
    infos = []
    for item in parse_tlv(data, 0x31).children():
        if item.tag != 0x30:
            continue
        fields = item.children()
        if len(fields) < 2 or fields[0].tag != 0x06:
            continue
        oid = decode_oid(fields[0].value)
        if not oid.startswith(PACE_PREFIX) or fields[1].tag != 0x02:
            continue
        parameter = (
            int.from_bytes(fields[2].value, "big")
            if len(fields) > 2 and fields[2].tag == 0x02
            else None
        )
        infos.append(PaceInfo(oid, int.from_bytes(fields[1].value, "big"), parameter))
    return infos


def card_access_file(oid: str, parameter_id: int) -> bytes:
    info = tlv(0x06, encode_oid(oid)) + tlv(0x02, b"\x02") + tlv(0x02, bytes([parameter_id]))
    return tlv(0x31, tlv(0x30, info))


def password_key(password: bytes, password_type: int, key_bits: int) -> bytes:
    """K_pi = KDF(K, 3); K = SHA-1(MRZ information) for the MRZ, the CAN itself (§9.7.3)."""
    k = hashlib.sha1(password).digest() if password_type == PASSWORD_MRZ else password
    return crypto.kdf(k, 3, "AES", key_bits)


def _session(curve: Curve, shared: int, key_bits: int) -> SessionKeys:
    k = shared.to_bytes(curve.size, "big")
    return SessionKeys(
        crypto.kdf(k, 1, "AES", key_bits), crypto.kdf(k, 2, "AES", key_bits), 0, "AES"
    )


def auth_token(keys: SessionKeys, oid: str, other_public: bytes) -> bytes:
    """T = MAC(KS_mac, 7F49 { 06 OID, 86 public point }) (9303-11 §4.4.3.4)."""
    template = tlv(0x7F49, tlv(0x06, encode_oid(oid)) + tlv(0x86, other_public))
    return crypto.aes_cmac(bytes(keys.ks_mac), template)


def _random_scalar(curve: Curve) -> int:
    return int.from_bytes(os.urandom(curve.size + 8), "big") % (curve.n - 1) + 1


class PaceTerminal:
    """The reader's side.  Keys may be given (tests use the G.1 example's)."""

    def __init__(
        self,
        info: PaceInfo,
        password: bytes,
        password_type: int,
        map_key: int | None = None,
        ephemeral_key: int | None = None,
    ) -> None:
        if not info.supported or info.parameter_id is None:
            raise AccessControlError(f"PACE variant {info.oid}/{info.parameter_id} not supported")
        self.info = info
        self.curve = PACE_CURVES[info.parameter_id]
        self.key_bits = ECDH_GM_AES[info.oid]
        self.k_pi = password_key(password, password_type, self.key_bits)
        self.password_type = password_type
        self.map_key = map_key or _random_scalar(self.curve)
        self.ephemeral_key = ephemeral_key or _random_scalar(self.curve)
        self.nonce = 0
        self.generator: tuple[int, int] | None = None
        self.chip_ephemeral = b""
        self.keys: SessionKeys | None = None

    def mse_set_at(self) -> Command:
        data = (
            tlv(0x80, encode_oid(self.info.oid))
            + tlv(0x83, bytes([self.password_type]))
            + tlv(0x84, bytes([self.info.parameter_id or 0]))
        )
        return Command(0x00, 0x22, 0xC1, 0xA4, data)

    @staticmethod
    def general_authenticate(data: bytes, last: bool) -> Command:
        return Command(0x00 if last else 0x10, 0x86, 0x00, 0x00, tlv(0x7C, data), le=256)

    def decrypt_nonce(self, z: bytes) -> None:
        if not z or len(z) % 16:
            raise ChipDataError("PACE nonce is not a whole number of AES blocks")
        self.nonce = int.from_bytes(crypto.aes_decrypt(self.k_pi, z, bytes(16)), "big")

    def map_public(self) -> bytes:
        return self.curve.encode(self.curve.mul(self.map_key, self.curve.g))

    def map_generator(self, chip_map_public: bytes) -> tuple[int, int]:
        chip_point = self.curve.decode(chip_map_public)
        shared = self.curve.mul(self.map_key, chip_point)
        generator = self.curve.add(self.curve.mul(self.nonce, self.curve.g), shared)
        if generator is None:
            raise AccessControlError("PACE mapping produced the point at infinity")
        self.generator = generator
        return generator

    def ephemeral_public(self) -> bytes:
        return self.curve.encode(self.curve.mul(self.ephemeral_key, self.generator))

    def agree(self, chip_ephemeral: bytes) -> bytes:
        """Derive the session keys; returns the terminal's token T_IFD."""
        if chip_ephemeral == self.ephemeral_public():
            raise AccessControlError("the chip echoed our public key")  # 9303-11 §4.4.3.3.2
        point = self.curve.mul(self.ephemeral_key, self.curve.decode(chip_ephemeral))
        if point is None:
            raise AccessControlError("PACE key agreement failed")
        self.chip_ephemeral = chip_ephemeral
        self.keys = _session(self.curve, point[0], self.key_bits)
        return auth_token(self.keys, self.info.oid, chip_ephemeral)

    def check_chip_token(self, token: bytes) -> SessionKeys:
        assert self.keys is not None
        expected = auth_token(self.keys, self.info.oid, self.ephemeral_public())
        if not hmac.compare_digest(expected, token):
            raise AccessControlError("chip's PACE token does not verify")
        return self.keys


def _dynamic(response: Response, tag: int, step: str) -> bytes:
    if not response.ok:
        if response.sw >> 8 == 0x63:  # 63xx: the password did not match
            raise AccessControlError(f"PACE {step} refused ({response.sw:04X})")
        raise StatusWordError(response.sw, f"PACE {step}")
    template = parse_tlv(response.data, 0x7C)
    for item in iter_tlv(template.value):
        if item.tag == tag:
            return item.value
    raise ChipDataError(f"PACE {step}: data object {tag:02X} missing")


def perform_pace(
    transport: Transport, info: PaceInfo, password: bytes, password_type: int
) -> SessionKeys:
    terminal = PaceTerminal(info, password, password_type)

    def send(command: Command) -> Response:
        return Response.parse(transport.transmit(command.encode()))

    answer = send(terminal.mse_set_at())
    if not answer.ok:
        raise StatusWordError(answer.sw, "MSE:Set AT")
    terminal.decrypt_nonce(_dynamic(send(terminal.general_authenticate(b"", False)), 0x80, "nonce"))
    chip_map = _dynamic(
        send(terminal.general_authenticate(tlv(0x81, terminal.map_public()), False)),
        0x82,
        "mapping",
    )
    terminal.map_generator(chip_map)
    chip_eph = _dynamic(
        send(terminal.general_authenticate(tlv(0x83, terminal.ephemeral_public()), False)),
        0x84,
        "key agreement",
    )
    token = terminal.agree(chip_eph)
    chip_token = _dynamic(
        send(terminal.general_authenticate(tlv(0x85, token), True)), 0x86, "mutual authentication"
    )
    return terminal.check_chip_token(chip_token)


class PaceChip:
    """The chip's side of PACE, driven by the emulator's command handler."""

    def __init__(self, info: PaceInfo, passwords: dict[int, bytes]) -> None:
        self.info = info
        self.curve = PACE_CURVES[info.parameter_id or 13]
        self.key_bits = ECDH_GM_AES[info.oid]
        self.passwords = passwords
        self.reset()

    def reset(self) -> None:
        self.step = 0
        self.password_type = 0
        self.nonce = 0
        self.map_key = 0
        self.generator: tuple[int, int] | None = None
        self.ephemeral_key = 0
        self.terminal_ephemeral = b""
        self.keys: SessionKeys | None = None

    def set_at(self, data: bytes) -> int:
        self.reset()
        fields = {item.tag: item.value for item in iter_tlv(data)}
        if decode_oid(fields.get(0x80, b"\x00")) != self.info.oid:
            return 0x6A80
        self.password_type = fields.get(0x83, b"\x00")[0]
        if self.password_type not in self.passwords:
            return 0x6A88
        self.step = 1
        return 0x9000

    def general_authenticate(self, data: bytes) -> tuple[bytes, int]:
        try:
            inner = {item.tag: item.value for item in iter_tlv(parse_tlv(data, 0x7C).value)}
        except ChipDataError:
            self.reset()
            return b"", 0x6A80
        if self.step == 1:
            self.nonce = int.from_bytes(os.urandom(16), "big")
            k_pi = password_key(
                self.passwords[self.password_type], self.password_type, self.key_bits
            )
            z = crypto.aes_encrypt(k_pi, self.nonce.to_bytes(16, "big"), bytes(16))
            self.step = 2
            return tlv(0x7C, tlv(0x80, z)), 0x9000
        try:
            if self.step == 2 and 0x81 in inner:
                self.map_key = _random_scalar(self.curve)
                shared = self.curve.mul(self.map_key, self.curve.decode(inner[0x81]))
                self.generator = self.curve.add(self.curve.mul(self.nonce, self.curve.g), shared)
                self.step = 3
                public = self.curve.encode(self.curve.mul(self.map_key, self.curve.g))
                return tlv(0x7C, tlv(0x82, public)), 0x9000
            if self.step == 3 and 0x83 in inner:
                self.ephemeral_key = _random_scalar(self.curve)
                self.terminal_ephemeral = inner[0x83]
                point = self.curve.mul(self.ephemeral_key, self.curve.decode(inner[0x83]))
                assert point is not None
                self.keys = _session(self.curve, point[0], self.key_bits)
                self.step = 4
                public = self.curve.encode(self.curve.mul(self.ephemeral_key, self.generator))
                return tlv(0x7C, tlv(0x84, public)), 0x9000
            if self.step == 4 and 0x85 in inner and self.keys is not None:
                mine = self.curve.encode(self.curve.mul(self.ephemeral_key, self.generator))
                if not hmac.compare_digest(auth_token(self.keys, self.info.oid, mine), inner[0x85]):
                    self.reset()
                    return b"", 0x6300  # wrong password: the tokens differ
                token = auth_token(self.keys, self.info.oid, self.terminal_ephemeral)
                self.step = 5
                return tlv(0x7C, tlv(0x86, token)), 0x9000
        except (AccessControlError, AssertionError):
            self.reset()
            return b"", 0x6A80
        self.reset()
        return b"", 0x6985

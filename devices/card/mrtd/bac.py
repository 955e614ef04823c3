"""Basic Access Control (ICAO 9303-11 §4.3; worked example in Appendix D).

Two halves, both pure:

- :class:`BacTerminal` is the reader's side: derive K_enc/K_mac from the MRZ
  information (§4.3.2, §9.7.1), build EXTERNAL AUTHENTICATE from the chip's
  challenge, check the chip's answer, derive the session keys and SSC (§4.3.3).
- :func:`chip_answer` is the chip's side, used by the project's emulator.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from devices.card.mrtd import crypto
from devices.card.mrtd.apdu import Command, Transport
from devices.card.mrtd.errors import AccessControlError, SecureMessagingError, StatusWordError
from devices.card.mrtd.sm import SessionKeys

GET_CHALLENGE = Command(0x00, 0x84, 0x00, 0x00, le=8)


def basic_keys(mrz_information: str) -> tuple[bytes, bytes]:
    """K_enc and K_mac from the MRZ information (9303-11 §9.7.2, Appendix D.2)."""
    seed = hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]
    return crypto.kdf(seed, 1), crypto.kdf(seed, 2)


def session_keys(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SessionKeys:
    """9303-11 §4.3.3.3 / §9.8.2: seed = K.IFD xor K.IC; SSC = RND.IC[4:] || RND.IFD[4:]."""
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
    ssc = int.from_bytes(rnd_ic[4:8] + rnd_ifd[4:8], "big")
    return SessionKeys(crypto.kdf(seed, 1), crypto.kdf(seed, 2), ssc, "3DES")


class BacTerminal:
    def __init__(
        self, mrz_information: str, rnd_ifd: bytes | None = None, k_ifd: bytes | None = None
    ) -> None:
        self._k_enc, self._k_mac = basic_keys(mrz_information)
        self.rnd_ifd = rnd_ifd or os.urandom(8)
        self.k_ifd = k_ifd or os.urandom(16)
        self.rnd_ic = b""

    def external_authenticate(self, rnd_ic: bytes) -> Command:
        """9303-11 §4.3.4.1 / D.3: E_IFD = E(K_enc, RND.IFD || RND.IC || K.IFD), then its MAC."""
        if len(rnd_ic) != 8:
            raise AccessControlError("the chip's challenge is not 8 bytes")
        self.rnd_ic = rnd_ic
        e_ifd = crypto.des3_encrypt(self._k_enc, self.rnd_ifd + rnd_ic + self.k_ifd)
        m_ifd = crypto.retail_mac(self._k_mac, crypto.pad(e_ifd))
        return Command(0x00, 0x82, 0x00, 0x00, e_ifd + m_ifd, le=40)

    def complete(self, answer: bytes) -> SessionKeys:
        """Check E_IC || M_IC (§4.3.4.2) and derive the session keys."""
        if len(answer) != 40:
            raise AccessControlError("mutual authentication answer has the wrong length")
        e_ic, m_ic = answer[:32], answer[32:]
        expected = crypto.retail_mac(self._k_mac, crypto.pad(e_ic))
        if not hmac.compare_digest(expected, m_ic):
            raise AccessControlError("chip's authentication MAC does not verify")
        plain = crypto.des3_decrypt(self._k_enc, e_ic)
        if plain[:8] != self.rnd_ic or plain[8:16] != self.rnd_ifd:
            raise AccessControlError("chip did not return our challenge")
        return session_keys(self.k_ifd, plain[16:32], self.rnd_ic, self.rnd_ifd)

    def wipe(self) -> None:
        self._k_enc = self._k_mac = b""


def perform_bac(transport: Transport, mrz_information: str) -> SessionKeys:
    """Run BAC over ``transport`` (GET CHALLENGE, EXTERNAL AUTHENTICATE)."""
    from devices.card.mrtd.apdu import Response

    terminal = BacTerminal(mrz_information)
    try:
        challenge = Response.parse(transport.transmit(GET_CHALLENGE.encode()))
        if not challenge.ok or len(challenge.data) != 8:
            raise StatusWordError(challenge.sw, "GET CHALLENGE")
        answer = Response.parse(
            transport.transmit(terminal.external_authenticate(challenge.data).encode())
        )
        if answer.sw in (0x6300, 0x6982) or answer.sw >> 8 == 0x63:
            # 6300 (6982 on some chips): the chip could not verify us: wrong MRZ data.
            raise AccessControlError(f"EXTERNAL AUTHENTICATE refused ({answer.sw:04X})")
        if not answer.ok:
            raise StatusWordError(answer.sw, "EXTERNAL AUTHENTICATE")
        return terminal.complete(answer.data)
    finally:
        terminal.wipe()


def chip_answer(
    mrz_information: str, rnd_ic: bytes, k_ic: bytes, command_data: bytes
) -> tuple[bytes, SessionKeys]:
    """The chip's side of EXTERNAL AUTHENTICATE (for the emulator).

    Raises :class:`AccessControlError` when the terminal used other keys.
    """
    k_enc, k_mac = basic_keys(mrz_information)
    if len(command_data) != 40:
        raise AccessControlError("wrong EXTERNAL AUTHENTICATE length")
    e_ifd, m_ifd = command_data[:32], command_data[32:]
    if not hmac.compare_digest(crypto.retail_mac(k_mac, crypto.pad(e_ifd)), m_ifd):
        raise AccessControlError("terminal MAC does not verify")
    plain = crypto.des3_decrypt(k_enc, e_ifd)
    rnd_ifd, rnd_ic_echo, k_ifd = plain[:8], plain[8:16], plain[16:32]
    if rnd_ic_echo != rnd_ic:
        raise AccessControlError("terminal did not return the challenge")
    e_ic = crypto.des3_encrypt(k_enc, rnd_ic + rnd_ifd + k_ic)
    m_ic = crypto.retail_mac(k_mac, crypto.pad(e_ic))
    return e_ic + m_ic, session_keys(k_ifd, k_ic, rnd_ic, rnd_ifd)


__all__ = [
    "BacTerminal",
    "SecureMessagingError",
    "basic_keys",
    "chip_answer",
    "perform_bac",
    "session_keys",
]

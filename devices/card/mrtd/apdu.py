"""Command and response APDUs (ISO/IEC 7816-4 §5.1) and the transport seam."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from devices.card.mrtd.errors import ChipDataError

SW_OK = 0x9000


class Transport(Protocol):
    """Sends one command APDU and returns the full response APDU (data || SW1 SW2)."""

    def transmit(self, apdu: bytes) -> bytes: ...


@dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # None: no Le; 256 (short) / 65536 (extended) mean "all"

    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))

    @property
    def extended(self) -> bool:
        return len(self.data) > 255 or (self.le is not None and self.le > 256)

    def encode(self) -> bytes:
        """ISO 7816-4 §5.1: cases 1–4, short or extended length."""
        out = bytearray(self.header())
        if self.extended:
            if self.data:
                out += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                le = b"\x00\x00" if self.le >= 65536 else self.le.to_bytes(2, "big")
                out += le if self.data else b"\x00" + le
        else:
            if self.data:
                out += bytes([len(self.data)]) + self.data
            if self.le is not None:
                out.append(0 if self.le >= 256 else self.le)
        return bytes(out)


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @classmethod
    def parse(cls, raw: bytes) -> Response:
        if len(raw) < 2:
            raise ChipDataError("response shorter than a status word")
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    def encode(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


def select_applet(aid: bytes) -> Command:
    return Command(0x00, 0xA4, 0x04, 0x0C, aid)


def select_file(fid: int) -> Command:
    return Command(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))


def read_binary(offset: int, length: int, sfi: int | None = None) -> Command:
    """READ BINARY (ISO 7816-4 §11.3.3): by short file identifier at offset < 256, or offset."""
    if sfi is not None:
        if offset > 255:
            raise ValueError("an SFI read reaches offsets below 256 only")
        return Command(0x00, 0xB0, 0x80 | sfi, offset, le=length)
    if offset > 0x7FFF:
        # Offsets above 32767 need READ BINARY with odd INS (B1) and an offset DO 54.
        return Command(0x00, 0xB1, 0x00, 0x00, b"\x54\x03" + offset.to_bytes(3, "big"), le=length)
    return Command(0x00, 0xB0, offset >> 8, offset & 0xFF, le=length)

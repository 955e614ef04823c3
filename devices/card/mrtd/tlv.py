"""BER-TLV decoding for chip files (ISO/IEC 7816-4 §5.2, ICAO 9303-10 §4.2).

Hostile input is expected: every length is checked against the bytes that
are actually there before anything is sliced or allocated, and nesting depth
is bounded, so a truncated or forged file raises :class:`ChipDataError` and
never allocates without bound.  Messages give the byte offset; the caller
names the file (``EF.SOD: truncated TLV at byte 812: no length``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from devices.card.mrtd.errors import ChipDataError

MAX_DEPTH = 32


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    constructed: bool

    def children(self) -> list[Tlv]:
        if not self.constructed:
            raise ChipDataError(f"tag {self.tag:X} is primitive")
        return list(iter_tlv(self.value))

    def find(self, tag: int) -> Tlv | None:
        for child in self.children():
            if child.tag == tag:
                return child
        return None

    def require(self, tag: int) -> Tlv:
        found = self.find(tag)
        if found is None:
            raise ChipDataError(f"tag {tag:X} missing inside {self.tag:X}")
        return found


def read_tag(data: bytes, offset: int) -> tuple[int, bool, int]:
    """Return (tag, constructed, next offset)."""
    if offset >= len(data):
        raise ChipDataError(f"truncated TLV at byte {offset}: no tag")
    first = data[offset]
    constructed = bool(first & 0x20)
    tag = first
    offset += 1
    if first & 0x1F == 0x1F:  # multi-byte tag number
        for _ in range(3):
            if offset >= len(data):
                raise ChipDataError(f"truncated TLV at byte {offset}: tag")
            byte = data[offset]
            tag = (tag << 8) | byte
            offset += 1
            if not byte & 0x80:
                break
        else:
            raise ChipDataError(f"TLV tag at byte {offset} longer than 4 bytes")
    return tag, constructed, offset


def read_length(data: bytes, offset: int) -> tuple[int, int]:
    """Return (length, next offset); definite lengths only (DER as 9303 requires)."""
    if offset >= len(data):
        raise ChipDataError(f"truncated TLV at byte {offset}: no length")
    first = data[offset]
    offset += 1
    if first < 0x80:
        return first, offset
    count = first & 0x7F
    if count == 0 or count > 4:
        raise ChipDataError(f"TLV length form at byte {offset - 1} not supported")
    if offset + count > len(data):
        raise ChipDataError(f"truncated TLV at byte {offset}: length")
    length = int.from_bytes(data[offset : offset + count], "big")
    return length, offset + count


def read_tlv(data: bytes, offset: int = 0) -> tuple[Tlv, int]:
    start = offset
    tag, constructed, offset = read_tag(data, offset)
    length, offset = read_length(data, offset)
    end = offset + length
    if end > len(data):
        raise ChipDataError(
            f"TLV {tag:X} at byte {start} claims {length} bytes, only {len(data) - offset} there"
        )
    return Tlv(tag, bytes(data[offset:end]), constructed), end


def parse_tlv(data: bytes, expected_tag: int | None = None) -> Tlv:
    """Parse one TLV filling ``data`` (trailing padding of 00 or FF bytes is tolerated)."""
    tlv, end = read_tlv(data)
    if expected_tag is not None and tlv.tag != expected_tag:
        raise ChipDataError(f"expected tag {expected_tag:X}, found {tlv.tag:X}")
    if any(b not in (0x00, 0xFF) for b in data[end:]):
        raise ChipDataError(f"unexpected bytes after the TLV, from byte {end}")
    return tlv


def iter_tlv(data: bytes) -> Iterator[Tlv]:
    offset = 0
    while offset < len(data):
        if data[offset] in (0x00, 0xFF) and all(b in (0x00, 0xFF) for b in data[offset:]):
            return  # padding
        tlv, offset = read_tlv(data, offset)
        yield tlv


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def encode_tag(tag: int) -> bytes:
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")


def tlv(tag: int, value: bytes) -> bytes:
    """Encode one TLV."""
    return encode_tag(tag) + encode_length(len(value)) + value


def walk(data: bytes, depth: int = 0) -> Iterator[Tlv]:
    """Every TLV in ``data``, depth first (bounded depth)."""
    if depth > MAX_DEPTH:
        raise ChipDataError("TLV nesting too deep")
    for item in iter_tlv(data):
        yield item
        if item.constructed:
            yield from walk(item.value, depth + 1)

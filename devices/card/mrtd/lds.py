"""Parsers for the LDS1 files (ICAO 9303-10 §4.6, §4.7) and the Vietnamese DG13.

Every parser takes the raw file bytes and returns a plain value or raises
:class:`~devices.card.mrtd.errors.ChipDataError`; sizes are bounded before
anything is decoded (a hostile DG2 cannot make us decode a gigapixel image).
"""

from __future__ import annotations

import functools
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.mrz import MrzInfo, parse_mrz
from devices.card.mrtd.tlv import Tlv, parse_tlv

# File identifiers and short file identifiers (9303-10 Table 38).
EF_COM = (0x011E, 0x1E)
EF_SOD = (0x011D, 0x1D)
EF_CARD_ACCESS = (0x011C, 0x1C)
DG_FILES = {n: (0x0100 + n, n) for n in range(1, 17)}
DG_TAGS = {
    0x61: 1,
    0x75: 2,
    0x63: 3,
    0x76: 4,
    0x65: 5,
    0x66: 6,
    0x67: 7,
    0x68: 8,
    0x69: 9,
    0x6A: 10,
    0x6B: 11,
    0x6C: 12,
    0x6D: 13,
    0x6E: 14,
    0x6F: 15,
    0x70: 16,
}

T = TypeVar("T")


def names_file(name: str) -> Callable[[Callable[[bytes], T]], Callable[[bytes], T]]:
    """A parser's errors name the file it parses: "DG2: holds no JPEG…" (no personal data)."""

    def wrap(parse: Callable[[bytes], T]) -> Callable[[bytes], T]:
        @functools.wraps(parse)
        def named(data: bytes) -> T:
            try:
                return parse(data)
            except ChipDataError as exc:
                raise exc.at(name) from None

        return named

    return wrap


MAX_FILE_BYTES = 256 * 1024  # no LDS1 file of an ID card comes near this
MAX_IMAGE_SIDE = 4096
MAX_IMAGE_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class ComFile:
    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]


@names_file("EF.COM")
def parse_com(data: bytes) -> ComFile:
    """EF.COM (tag 60): LDS version 5F01, Unicode version 5F36, tag list 5C."""
    com = parse_tlv(data, 0x60)
    lds = com.find(0x5F01)
    uni = com.find(0x5F36)
    tags = com.require(0x5C).value
    # Advisory: a tag no data group has is skipped (some chips list odd bytes here).
    groups = [DG_TAGS[tag] for tag in tags if tag in DG_TAGS]
    return ComFile(
        lds.value.decode("ascii", "replace") if lds else "",
        uni.value.decode("ascii", "replace") if uni else "",
        tuple(groups),
    )


@names_file("DG1")
def parse_dg1(data: bytes) -> MrzInfo:
    """DG1 (tag 61): the MRZ in 5F1F."""
    mrz = parse_tlv(data, 0x61).require(0x5F1F).value
    try:
        text = mrz.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ChipDataError("DG1 MRZ is not ASCII") from exc
    if len(text) == 90:
        text = "\n".join(text[i : i + 30] for i in range(0, 90, 30))
    elif len(text) == 88:
        text = "\n".join(text[i : i + 44] for i in range(0, 88, 44))
    return parse_mrz(text)


# DG2 ------------------------------------------------------------------------------

JPEG_SOI = b"\xff\xd8\xff"
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_CODESTREAM = b"\xff\x4f\xff\x51"


@dataclass(frozen=True)
class FaceImage:
    image: bytes = field(repr=False)
    mime: str  # image/jpeg or image/jp2
    width: int
    height: int


@names_file("DG2")
def parse_dg2(data: bytes) -> FaceImage:
    """DG2 (tag 75, or its template 7F61 alone): the first facial image (9303-10 §4.7.2).

    The biometric data block (5F2E, or 7F2E when it is itself TLV-structured)
    starts with the ISO 19794-5 header "FAC\\0"; rather than trusting every
    length in it, the image is located by its own signature, as field readers do.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ChipDataError("DG2 is larger than any chip photo")
    outer = parse_tlv(data)
    if outer.tag == 0x7F61:
        template = outer  # some chips leave out the outer tag 75: the template alone
    elif outer.tag == 0x75:
        template = outer.require(0x7F61)
    else:
        raise ChipDataError(f"expected tag 75 or 7F61, found {outer.tag:X}")
    block: bytes | None = None
    for info in template.children():
        if info.tag == 0x7F60:
            for part in info.children():
                if part.tag in (0x5F2E, 0x7F2E):
                    block = part.value
                    break
        if block is not None:
            break
    if block is None:
        raise ChipDataError("DG2 holds no biometric data block")
    if not block.startswith(b"FAC\x00"):
        raise ChipDataError("DG2 biometric data is not an ISO 19794-5 face record")
    starts = [
        i
        for i in (block.find(JPEG_SOI), block.find(JP2_SIGNATURE), block.find(J2K_CODESTREAM))
        if i >= 0
    ]
    if not starts:
        raise ChipDataError("DG2 holds no JPEG or JPEG 2000 image")
    image = block[min(starts) :]
    mime = "image/jpeg" if image.startswith(JPEG_SOI) else "image/jp2"
    width, height = image_size(image)
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE) or (
        width * height > MAX_IMAGE_PIXELS
    ):
        raise ChipDataError(f"DG2 image claims {width}x{height} pixels: refused")
    return FaceImage(image, mime, width, height)


def image_size(image: bytes) -> tuple[int, int]:
    """Width and height from the image header, without decoding the image."""
    if image.startswith(JPEG_SOI):
        offset = 2
        while offset + 4 <= len(image):
            if image[offset] != 0xFF:
                raise ChipDataError("corrupt JPEG header")
            marker = image[offset + 1]
            if marker == 0xFF:
                offset += 1
                continue
            (length,) = struct.unpack(">H", image[offset + 2 : offset + 4])
            if marker in (
                0xC0,
                0xC1,
                0xC2,
                0xC3,
                0xC5,
                0xC6,
                0xC7,
                0xC9,
                0xCA,
                0xCB,
                0xCD,
                0xCE,
                0xCF,
            ):
                if offset + 9 > len(image):
                    break
                height, width = struct.unpack(">HH", image[offset + 5 : offset + 9])
                return width, height
            if length < 2:
                raise ChipDataError("corrupt JPEG segment")
            offset += 2 + length
        raise ChipDataError("JPEG without a frame header")
    # JPEG 2000: the SIZ marker segment follows the codestream's SOC (ISO 15444-1 §A.5.1).
    soc = image.find(b"\xff\x4f\xff\x51")
    siz = soc + 2 if soc >= 0 else -1
    if siz >= 0 and siz + 22 <= len(image):
        xsiz, ysiz, x0, y0 = struct.unpack(">IIII", image[siz + 6 : siz + 22])
        return xsiz - x0, ysiz - y0
    raise ChipDataError("JPEG 2000 without a SIZ header")


# DG13 (Vietnam) ---------------------------------------------------------------------

DG13_FIELDS = {
    1: "id_number",
    2: "full_name",
    3: "date_of_birth",
    4: "sex",
    5: "nationality",
    6: "ethnicity",
    7: "religion",
    8: "place_of_origin",
    9: "place_of_residence",
    10: "identifying_marks",
    11: "date_of_issue",
    12: "date_of_expiry",
    13: "parents",
    14: "spouse",
}
# Fields 15 and 16: the old 9-digit ID number in one, another value in the other;
# public sources disagree on which, so the old number is whichever holds 9 digits.
OLD_ID_FIELDS = (15, 16)
MAX_DG13_FIELD = 64  # field numbers above this are not fields (a stray INTEGER)
_STRING_TAGS = (0x0C, 0x13, 0x16, 0x1E)  # UTF8String, PrintableString, IA5String, BMPString


def _text(item: Tlv) -> str:
    if item.tag == 0x1E:
        return item.value.decode("utf-16-be", "replace")
    return item.value.decode("utf-8", "replace")


def _strings(item: Tlv, depth: int = 0) -> list[str]:
    if depth > 4:
        raise ChipDataError("DG13 nesting too deep")
    if item.tag in _STRING_TAGS:
        return [_text(item)]
    if item.constructed:
        out: list[str] = []
        for child in item.children():
            out += _strings(child, depth + 1)
        return out
    return []


@names_file("DG13")
def parse_dg13(data: bytes) -> dict[str, str | list[str]]:
    """DG13 (tag 6D): Vietnamese personal data, parsed by field number, never by position.

    Layout (per public field readers, unconfirmed by a specification):
    ``6D { 30 { INTEGER 1, OID 1.0.10646.1.0.8, SET { 30 { INTEGER n, value } … } } }``.
    Any SEQUENCE whose first element is a small INTEGER is taken as field n;
    absent fields are simply missing.  The old 9-digit ID number comes from field 15
    or 16, whichever holds one (``old_id_number``).  Fields no description names are
    kept as ``field_<n>`` (their text, empty when they hold none): never fatal.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ChipDataError("DG13 too large")
    root = parse_tlv(data, 0x6D)
    fields: dict[str, str | list[str]] = {}
    stack: list[tuple[Tlv, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > 8:
            raise ChipDataError("DG13 nesting too deep")
        if not node.constructed:
            continue
        children = node.children()
        if (
            node.tag == 0x30
            and len(children) >= 2
            and children[0].tag == 0x02
            and len(children[0].value) == 1
        ):
            number = children[0].value[0]
            name = DG13_FIELDS.get(number)
            if name and children[1].tag != 0x06:
                values = [s for c in children[1:] for s in _strings(c)]
                if number in (13, 14):
                    fields[name] = values
                elif values:
                    fields[name] = values[0]
                continue
            if 1 <= number <= MAX_DG13_FIELD and children[1].tag != 0x06:
                # Not a field we use (15, 16 and any a newer card adds): its text kept.
                fields[f"field_{number}"] = _lenient_text(children[1:])
                continue
        stack.extend((child, depth + 1) for child in reversed(children))
    if "id_number" not in fields:
        raise ChipDataError("DG13 has no ID number")
    for number in OLD_ID_FIELDS:
        value = fields.get(f"field_{number}")
        if isinstance(value, str) and re.fullmatch(r"\d{9}", value.strip()):
            fields["old_id_number"] = value.strip()
            break
    return fields


def _lenient_text(items: list[Tlv]) -> str:
    """The text inside a field we do not use; whatever it holds, never an error."""
    try:
        return " ".join(s for item in items for s in _strings(item))
    except ChipDataError:
        return ""


def parse_vn_date(text: str) -> date | None:
    """Dates in DG13 are dd/mm/yyyy (unconfirmed); also accept yyyymmdd and ddmmyyyy."""
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y%m%d", "%d%m%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"[Kk]hông thời hạn|[Kk]hong thoi han", text):
        return None  # cards issued at 58 or later do not expire
    raise ChipDataError("DG13 date in an unknown format")


# DG15 ---------------------------------------------------------------------------------


@names_file("DG15")
def parse_dg15(data: bytes) -> bytes:
    """DG15 (tag 6F): the active authentication public key (SubjectPublicKeyInfo, DER)."""
    return parse_tlv(data, 0x6F).value


__all__ = [
    "DG_FILES",
    "EF_COM",
    "EF_SOD",
    "ComFile",
    "FaceImage",
    "parse_com",
    "parse_dg1",
    "parse_dg2",
    "parse_dg13",
    "parse_dg15",
]

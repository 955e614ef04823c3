"""Card profile → LDS files, with an EF.SOD signed by the test document signer.

An ordinary TD3 passport (no DG13) comes from :func:`build_passport`.  The
tampered profiles the tests need come from the same builder:

- ``altered``: DG13 is changed after the SOD was signed (hash mismatch);
- ``untrusted``: the SOD is signed by a document signer no trusted CSCA issued;
- ``clone``: the chip's active-authentication key does not match DG15;
- ``altered_certificate``: one byte of the document signer's certificate inside
  EF.SOD is changed (the tag of its subject's common name);
- ``no_sod``: the chip has no EF.SOD at all (nothing to check the data against).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devices.card.emulator.pki import TestPki, create_test_pki
from devices.card.mrtd.aa import ID_AA
from devices.card.mrtd.ca import build_dg14_ca_infos
from devices.card.mrtd.lds import DG_TAGS
from devices.card.mrtd.mrz import cccd_td1, parse_mrz, passport_td3
from devices.card.mrtd.pace import PaceInfo, card_access_file, encode_oid
from devices.card.mrtd.sod import LDS_SECURITY_OBJECT_OID, DataGroupHash, LdsSecurityObject
from devices.card.mrtd.tlv import tlv
from devices.card.qr import NO_EXPIRY
from kiosk.base.identity import CitizenIdentity

DG13_OID = bytes.fromhex("060628D316010008")  # 1.0.10646.1.0.8
PACE_ECDH_GM_AES_128 = "0.4.0.127.0.7.2.2.4.2.2"


@dataclass
class ChipContent:
    """Everything the emulated chip holds."""

    files: dict[str | int, bytes]
    mrz: str
    can: str
    aa_key: ec.EllipticCurvePrivateKey | None = field(default=None, repr=False)
    pace: PaceInfo | None = None
    ca_key: ec.EllipticCurvePrivateKey | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return "ChipContent(<personal data>)"

    @property
    def mrz_information(self) -> str:
        """The BAC seed text of this chip's MRZ (what the chip checks the terminal against)."""
        return parse_mrz(self.mrz).bac_seed_text


def dg13_field(number: int, *values: str) -> bytes:
    """One DG13 field: SEQUENCE { INTEGER number, UTF8String (or a SEQUENCE of them) }."""
    if len(values) == 1:
        value = tlv(0x0C, values[0].encode("utf-8"))
    else:
        value = tlv(0x30, b"".join(tlv(0x0C, v.encode("utf-8")) for v in values))
    return tlv(0x30, tlv(0x02, bytes([number])) + value)


def build_dg13(identity: CitizenIdentity, parents: tuple[str, str] = ("", "")) -> bytes:
    def d(value: object) -> str:
        return value.strftime("%d/%m/%Y") if value else "Không thời hạn"  # type: ignore[attr-defined]

    fields = [
        dg13_field(1, identity.id_number),
        dg13_field(2, identity.full_name),
        dg13_field(3, d(identity.date_of_birth)),
        dg13_field(4, identity.sex),
        dg13_field(5, identity.nationality),
        dg13_field(6, identity.ethnicity),
        dg13_field(7, "Không"),
        dg13_field(8, identity.place_of_origin),
        dg13_field(9, identity.place_of_residence),
        dg13_field(10, "Nốt ruồi cách 2 cm dưới đuôi mắt trái"),
        dg13_field(11, d(identity.date_of_issue)),
        dg13_field(12, d(identity.date_of_expiry)),
    ]
    if any(parents):
        fields.append(dg13_field(13, *parents))
    body = tlv(0x02, b"\x01") + DG13_OID + tlv(0x31, b"".join(fields))
    return tlv(0x6D, tlv(0x30, body))


def face_record(jpeg: bytes, width: int, height: int) -> bytes:
    """An ISO/IEC 19794-5 (2005) record with one frontal JPEG image."""
    image_info = (
        bytes([1, 0])
        + width.to_bytes(2, "big")
        + height.to_bytes(2, "big")
        + bytes([1, 0])
        + bytes(4)
    )  # full frontal, JPEG, size, 24-bit RGB, unknown source/device/quality
    facial = bytes(2) + bytes([2, 0, 0]) + bytes(3) + bytes(2) + bytes(3) + bytes(3) + image_info
    facial = (len(facial) + 4 + len(jpeg)).to_bytes(4, "big") + facial + jpeg
    header = b"FAC\x00" + b"010\x00"
    return header + (len(header) + 6 + len(facial)).to_bytes(4, "big") + b"\x00\x01" + facial


def build_dg2(photo: bytes, quality: int = 90) -> bytes:
    import cv2  # when a chip is built (a card placed), not when the kiosk starts
    import numpy as np

    image = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("the profile photo is not an image")
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the photo")
    height, width = image.shape[:2]
    record = face_record(jpeg.tobytes(), width, height)
    header = tlv(0xA1, tlv(0x80, b"\x01\x01") + tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x00\x08"))
    bit = tlv(0x7F60, header + tlv(0x5F2E, record))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + bit))


def build_sod(files: dict[int, bytes], pki: TestPki) -> bytes:
    """CMS SignedData over the LDS security object (9303-10 §4.6.2), signed by the DS."""
    lso = LdsSecurityObject(
        {
            "version": 0,
            "hash_algorithm": {"algorithm": "sha256"},
            "data_group_hash_values": [
                DataGroupHash(
                    {"data_group_number": n, "data_group_hash_value": hashlib.sha256(data).digest()}
                )
                for n, data in sorted(files.items())
            ],
        }
    ).dump()
    signed_attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": [LDS_SECURITY_OBJECT_OID]}),
            cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(lso).digest()]}),
        ]
    )
    signature = pki.ds_key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
    ds = asn1_x509.Certificate.load(pki.ds.public_bytes(serialization.Encoding.DER))
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": ds.issuer, "serial_number": ds.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signature": signature,
        }
    )
    signed = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": LDS_SECURITY_OBJECT_OID,
                "content": core.ParsableOctetString(lso),
            },
            "certificates": [ds],
            "signer_infos": [signer],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed})
    return tlv(0x77, info.dump())


def _chip_keys_and_groups(
    photo: bytes,
) -> tuple[dict[int, bytes], ec.EllipticCurvePrivateKey, ec.EllipticCurvePrivateKey]:
    """DG2, DG14 and DG15 with the chip's active and chip authentication keys."""
    dg2 = build_dg2(photo)
    aa_key = ec.generate_private_key(ec.SECP256R1())
    dg15 = tlv(
        0x6F,
        aa_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    # DG14: ActiveAuthenticationInfo names the AA signature (ECDSA plain, SHA-256).
    aa_info = tlv(
        0x30,
        tlv(0x06, encode_oid(ID_AA))
        + tlv(0x02, b"\x01")
        + tlv(0x06, encode_oid("0.4.0.127.0.7.1.1.4.1.3")),
    )
    ca_key = ec.generate_private_key(ec.SECP256R1())
    dg14 = tlv(0x6E, tlv(0x31, aa_info + build_dg14_ca_infos(ca_key.public_key())))
    return {2: dg2, 14: dg14, 15: dg15}, aa_key, ca_key


def build_com(groups: dict[int, bytes]) -> bytes:
    """EF.COM listing the data groups present (9303-10 §4.6.1)."""
    tags = {number: tag for tag, number in DG_TAGS.items()}
    return tlv(
        0x60,
        tlv(0x5F01, b"0107")
        + tlv(0x5F36, b"040000")
        + tlv(0x5C, bytes(tags[n] for n in (1, 2, 13, 14, 15) if n in groups)),
    )


def build_chip(
    identity: CitizenIdentity,
    pki: TestPki,
    can: str = "",
    tamper: str | None = None,
    parents: tuple[str, str] = ("", ""),
    pace_parameter: int | None = None,
) -> ChipContent:
    """All files of a CCCD chip for ``identity``, signed by ``pki``'s document signer."""
    surname, _, given = identity.full_name.partition(" ")
    expiry = identity.date_of_expiry or NO_EXPIRY
    sex = {"Nữ": "F", "Nam": "M"}.get(identity.sex, "<")
    mrz = cccd_td1(identity.id_number, identity.date_of_birth, expiry, sex, surname, given)
    dg13 = build_dg13(identity, parents)
    content = _signed_chip(identity, mrz, {13: dg13}, pki, tamper, can or identity.id_number[-6:])
    if tamper == "altered":
        # A forger makes the holder ten years younger: same length, different hash.
        born = identity.date_of_birth.strftime("%d/%m/%Y").encode()
        younger = identity.date_of_birth.replace(year=identity.date_of_birth.year + 10)
        content.files[13] = dg13.replace(born, younger.strftime("%d/%m/%Y").encode())
    if pace_parameter is not None:
        # PACE on the CCCD (CAN = last 6 digits of the ID number) is reported by one
        # source only: a profile option, so both paths are exercised.
        content.pace = PaceInfo(PACE_ECDH_GM_AES_128, 2, pace_parameter)
        content.files["CardAccess"] = card_access_file(content.pace.oid, pace_parameter)
    return content


def build_passport(
    identity: CitizenIdentity,
    pki: TestPki,
    document_number: str = "L898902C",
    issuing_state: str | None = None,
    tamper: str | None = None,
) -> ChipContent:
    """An ordinary ICAO TD3 passport chip (9303-4): DG1, DG2, DG14, DG15, no DG13.

    Issued by the state of ``pki``'s CSCA unless ``issuing_state`` says otherwise:
    passive authentication checks that the MRZ's state is its CSCA's country.
    """
    if issuing_state is None:
        from devices.card.mrtd.countries import alpha3

        issuing_state = alpha3(pki.csca.subject)
    surname, _, given = identity.full_name.partition(" ")
    sex = {"Nữ": "F", "Nam": "M"}.get(identity.sex, "<")
    expiry = identity.date_of_expiry or NO_EXPIRY
    mrz = passport_td3(
        document_number,
        issuing_state,
        issuing_state,
        identity.date_of_birth,
        expiry,
        sex,
        surname,
        given,
    )
    return _signed_chip(identity, mrz, {}, pki, tamper, "")


def _signed_chip(
    identity: CitizenIdentity,
    mrz: str,
    extra: dict[int, bytes],
    pki: TestPki,
    tamper: str | None,
    can: str,
) -> ChipContent:
    dg1 = tlv(0x61, tlv(0x5F1F, mrz.replace("\n", "").encode("ascii")))
    chip_groups, aa_key, ca_key = _chip_keys_and_groups(bytes(identity.photo or b""))
    groups = {1: dg1, **extra, **chip_groups}
    signer = create_test_pki("Untrusted") if tamper == "untrusted" else pki
    sod = build_sod(groups, signer)
    if tamper == "clone":
        # The data was copied, the keys inside the chip cannot be: DG14/DG15 no longer match.
        aa_key = ec.generate_private_key(ec.SECP256R1())
        ca_key = ec.generate_private_key(ec.SECP256R1())
    if tamper == "altered_certificate":
        sod = alter_signer_certificate(sod, signer)
    files: dict[str | int, bytes] = {"COM": build_com(groups), **groups, "SOD": sod}
    if tamper == "no_sod":
        del files["SOD"]
    return ChipContent(files, mrz, can, aa_key, None, ca_key)


def resign(content: ChipContent, pki: TestPki) -> None:
    """A new EF.SOD over the chip's data groups as they are now (after a profile changed one)."""
    groups = {k: v for k, v in content.files.items() if isinstance(k, int)}
    if "SOD" in content.files:
        content.files["SOD"] = build_sod(groups, pki)


def alter_signer_certificate(sod: bytes, pki: TestPki) -> bytes:
    """EF.SOD with one byte of its document signer certificate changed.

    The tag of the subject's common name turns from UTF8String into a context-specific
    tag: the certificate still splits into its parts, but its subject no longer parses
    (what made the X.509 library raise ValueError in passive authentication).
    """
    der = pki.ds.public_bytes(serialization.Encoding.DER)
    name = pki.ds.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    text = str(name).encode("utf-8")
    at = der.index(bytes([0x0C, len(text)]) + text)
    start = sod.index(der)
    altered = bytearray(sod)
    altered[start + at] ^= 0x80
    return bytes(altered)

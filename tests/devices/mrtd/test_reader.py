from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest

from devices.card.access import AccessKey
from devices.card.base import CardRemovedError, ReadStep
from devices.card.emulator.builder import build_chip
from devices.card.emulator.chip import EmulatedChip
from devices.card.mrtd.errors import AccessControlError, SecureMessagingError
from devices.card.mrtd.reader import SHORT_CHUNK, ChipReader
from devices.card.mrtd.sod import PaStatus, passive_authentication
from tests.devices.mrtd.scripted import ScriptedTransport
from tests.helpers import key_for


def groups(files) -> dict[int, bytes]:
    return {k: v for k, v in files.files.items() if isinstance(k, int)}


def test_full_read_with_extended_length_reads_dg2_in_few_apdus(pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    steps: list[ReadStep] = []
    reader = ChipReader(chip, steps.append)
    files = reader.read_all(key_for(card))
    assert files.access_control == "BAC"
    assert set(files.files) == {"COM", 1, 2, 13, 14, 15, "SOD"}
    assert reader.stats.apdus_per_step["DG2"] == 2  # the header, then the rest in one go
    assert reader.stats.apdus <= 20
    assert steps == list(ReadStep)
    assert passive_authentication(files.files["SOD"], groups(files), [pki.csca]).status is (
        PaStatus.VERIFIED
    )


def test_a_card_without_extended_length_is_read_in_short_chunks(pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    chip.refuse_extended = True
    reader = ChipReader(chip)
    files = reader.read_all(key_for(card))
    assert reader.chunk == SHORT_CHUNK
    dg2_size = len(files.files[2])
    assert reader.stats.apdus_per_step["DG2"] >= dg2_size // SHORT_CHUNK


def test_a_wrong_key_is_an_access_error(pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    wrong = key_for(card, expiry=date(2044, 3, 14))
    with pytest.raises(AccessControlError) as raised:
        ChipReader(chip).read_all(wrong)
    assert raised.value.message_key == "card.error.access_denied"


def test_a_bad_response_mac_ends_the_read(pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    chip.corrupt_mac = True
    with pytest.raises(SecureMessagingError):
        ChipReader(chip).read_all(key_for(card))


def test_bac_is_enforced_by_the_emulator(pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    reader = ChipReader(chip)
    reader.select_application()
    with pytest.raises(SecureMessagingError, match="6982"):
        reader.read_file(0x01)  # no data in the clear


@pytest.mark.parametrize(
    ("tamper", "trusted", "status"),
    [
        (None, True, PaStatus.VERIFIED),
        (None, False, PaStatus.SIGNER_NOT_TRUSTED),
        ("untrusted", True, PaStatus.SIGNER_NOT_TRUSTED),
        ("altered", True, PaStatus.DATA_ALTERED),
    ],
)
def test_passive_authentication_tells_genuine_from_tampered(pki, card, tamper, trusted, status):
    chip = EmulatedChip(build_chip(card.identity(), pki, tamper=tamper))
    files = ChipReader(chip).read_all(key_for(card))
    result = passive_authentication(
        files.files["SOD"], groups(files), [pki.csca] if trusted else []
    )
    assert result.status is status


def test_wrong_le_is_retried_with_the_length_the_card_gives() -> None:
    transport = ScriptedTransport(
        [
            ("00B09E0008", "6C05"),
            ("00B09E0005", "6003AABBCC9000"),
        ]
    )
    assert ChipReader(transport).read_file(0x1E) == bytes.fromhex("6003AABBCC")


def test_a_missing_optional_file_is_none_and_a_missing_required_one_an_error() -> None:
    # Before any file has been read by SFI, 6A82 may be a chip without SFIs: the
    # file is selected by its identifier once; once SFIs have worked, 6A82 is absence.
    transport = ScriptedTransport(
        [
            ("00B08E0008", "6A82"),
            ("00A4020C02010E", "6A82"),
            ("00B09E0008", "6003AABBCC9000"),
            ("00B08E0008", "6A82"),
        ]
    )
    reader = ChipReader(transport)
    assert reader.read_file(0x0E, optional=True) is None
    assert reader.read_file(0x1E) == bytes.fromhex("6003AABBCC")
    assert reader.file_access == "sfi"
    with pytest.raises(Exception, match="not found"):
        reader.read_file(0x0E)


def test_the_card_pulled_out_mid_read_raises_card_removed(pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    pulled = threading.Event()

    class Flaky:
        calls = 0

        def transmit(self, apdu: bytes) -> bytes:
            self.calls += 1
            if self.calls > 8:
                pulled.set()
                raise CardRemovedError("card removed")
            return chip.transmit(apdu)

    with pytest.raises(CardRemovedError):
        ChipReader(Flaky()).read_all(key_for(card))
    assert pulled.is_set()


def test_access_key_never_prints_its_secret(card) -> None:
    key = key_for(card)
    assert card.id_number[3:] not in repr(key)
    assert replace(key, can="123456") != key


@pytest.mark.parametrize("parameter", [12, 13])
def test_pace_is_used_when_the_card_offers_it_with_the_mrz_or_the_can(pki, card, parameter):
    content = build_chip(card.identity(), pki, pace_parameter=parameter)
    for key in (key_for(card), AccessKey(can=content.can)):
        reader = ChipReader(EmulatedChip(content))
        files = reader.read_all(key)
        assert files.access_control == "PACE"
        assert passive_authentication(files.files["SOD"], groups(files), [pki.csca]).status is (
            PaStatus.VERIFIED
        )


def test_a_wrong_can_is_an_access_error(pki, card) -> None:
    content = build_chip(card.identity(), pki, pace_parameter=13)
    with pytest.raises(AccessControlError):
        ChipReader(EmulatedChip(content)).read_all(AccessKey(can="999999"))


def test_a_bac_only_card_cannot_be_opened_with_the_can(pki, card) -> None:
    with pytest.raises(AccessControlError, match="no PACE"):
        ChipReader(EmulatedChip(build_chip(card.identity(), pki))).read_all(AccessKey(can="1"))


def test_active_authentication_tells_the_genuine_chip_from_a_clone(pki, card) -> None:
    from devices.card.chipread import read_identity

    genuine = read_identity(
        EmulatedChip(build_chip(card.identity(), pki)), key_for(card), [pki.csca]
    )
    assert genuine.active_authentication == "verified"
    assert genuine.chip_authentication == "verified"
    assert genuine.authenticity == "verified"
    clone = read_identity(
        EmulatedChip(build_chip(card.identity(), pki, tamper="clone")), key_for(card), [pki.csca]
    )
    # The copied data is intact (passive authentication passes) but the key is not there.
    assert clone.authenticity == "verified"
    assert clone.active_authentication == "failed"
    assert clone.chip_authentication == "failed"


def test_rsa_active_authentication_follows_iso_9796_2() -> None:
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from devices.card.mrtd.aa import verify

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    size = 128
    challenge = bytes(range(8))
    m1 = bytes(range(100, 100 + size - 2 - 20))  # the recoverable part (chip's nonce)
    f = b"\x6a" + m1 + hashlib.sha1(m1 + challenge).digest() + b"\xbc"
    numbers = key.private_numbers()
    signature = pow(int.from_bytes(f, "big"), numbers.d, numbers.public_numbers.n)
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert verify(spki, challenge, signature.to_bytes(size, "big"), "sha256")
    assert not verify(spki, bytes(8), signature.to_bytes(size, "big"), "sha256")


def test_no_apdu_key_or_personal_data_reaches_a_log(pki, card, caplog) -> None:
    import logging

    from devices.card.chipread import read_identity

    content = build_chip(card.identity(), pki)
    with caplog.at_level(logging.DEBUG):
        result = read_identity(EmulatedChip(content), key_for(card), [pki.csca])
    text = "\n".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    secrets = [
        card.id_number,
        card.full_name,
        content.mrz.split("\n")[0],
        content.files[13].hex(),
        content.files[13][:16].hex().upper(),
    ]
    assert result.identity.full_name == card.full_name
    for secret in secrets:
        assert secret not in text


def test_chip_authentication_restarts_secure_messaging_with_new_keys(pki, card) -> None:
    from devices.card.mrtd.ca import CaStatus, chip_authentication

    chip = EmulatedChip(build_chip(card.identity(), pki))
    reader = ChipReader(chip)
    files = reader.read_all(key_for(card))
    old_keys = reader.secure.keys  # type: ignore[union-attr]
    status = chip_authentication(reader.send, reader.switch_keys, files.files[14])
    assert status is CaStatus.VERIFIED
    assert bytes(old_keys.ks_enc) == bytes(16)  # the BAC keys were wiped
    assert reader.secure.keys.cipher == "AES"  # type: ignore[union-attr]
    assert reader.read_file(0x01) == files.files[1]  # reading goes on under the new keys


def test_a_card_without_chip_authentication_is_not_checked(pki, card) -> None:
    from devices.card.mrtd.ca import CaStatus, chip_authentication

    assert chip_authentication(lambda c: None, lambda k: None, None) is CaStatus.NOT_CHECKED


def test_a_card_without_sod_or_hiding_a_listed_group_is_not_genuine(pki, card) -> None:
    from devices.card.base import NotGenuineError
    from devices.card.chipread import read_identity

    no_sod = build_chip(card.identity(), pki)
    del no_sod.files["SOD"]
    assert read_identity(EmulatedChip(no_sod), key_for(card), [pki.csca]).authenticity == (
        "not_checked"
    )  # and the kiosk refuses not_checked (tests/kiosk)
    hiding = build_chip(card.identity(), pki)
    del hiding.files[15]  # a clone dodging active authentication
    with pytest.raises(NotGenuineError, match="DG15"):
        read_identity(EmulatedChip(hiding), key_for(card), [pki.csca])


def test_a_reader_refusing_extended_apdus_under_sm_restarts_in_short_ones(pki, card) -> None:
    from devices.card.mrtd.errors import ExtendedLengthRefusedError

    chip = EmulatedChip(build_chip(card.identity(), pki))

    class ShortOnlyReader:
        def transmit(self, apdu: bytes) -> bytes:
            if len(apdu) > 5 and apdu[4] == 0:
                raise ExtendedLengthRefusedError("driver has no extended length")
            return chip.transmit(apdu)

    reader = ChipReader(ShortOnlyReader())
    files = reader.read_all(key_for(card))
    assert reader.chunk == SHORT_CHUNK
    assert passive_authentication(files.files["SOD"], groups(files), [pki.csca]).status is (
        PaStatus.VERIFIED
    )


def test_a_jpeg_2000_chip_photo_reaches_the_screen_as_png(pki, card) -> None:
    import cv2
    import numpy as np

    from devices.card.chipread import read_identity
    from devices.card.emulator import builder

    image = cv2.imdecode(np.frombuffer(card.photo, np.uint8), cv2.IMREAD_COLOR)
    ok, jp2 = cv2.imencode(".jp2", image)
    assert ok
    identity = card.identity()
    content = build_chip(identity, pki)
    record = builder.face_record(jp2.tobytes(), image.shape[1], image.shape[0])
    header = builder.tlv(0xA1, builder.tlv(0x80, b"\x01\x01"))
    dg2 = builder.tlv(
        0x75,
        builder.tlv(
            0x7F61,
            builder.tlv(0x02, b"\x01") + builder.tlv(0x7F60, header + builder.tlv(0x5F2E, record)),
        ),
    )
    groups_ = {n: content.files[n] for n in (1, 13, 14, 15)} | {2: dg2}
    content.files[2] = dg2
    content.files["SOD"] = builder.build_sod(groups_, pki)
    result = read_identity(EmulatedChip(content), key_for(card), [pki.csca])
    assert bytes(result.identity.photo or b"").startswith(b"\x89PNG")
    assert result.authenticity == "verified"

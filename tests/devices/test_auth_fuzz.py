"""Hostile EF.SOD and signer certificates through the whole authentication path.

A card whose EF.SOD carried a document signer certificate altered by one byte
made passive authentication raise ValueError from the X.509 library: the kiosk
treated it as a crash, never as "not genuine".  Every failure inside passive,
active and chip authentication is now a verdict; these tests mutate EF.SOD and
the certificate (flips, truncations, insertions) and run everything the kiosk
runs, then its own decision (see tests/devices/auth_fuzz.py).
"""

from __future__ import annotations

import logging
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.card.base import CardRemovedError, NotGenuineError
from devices.card.chipread import read_identity
from devices.card.emulator.builder import build_chip
from devices.card.emulator.chip import EmulatedChip
from devices.card.mrtd.aa import AaStatus, active_authentication
from devices.card.mrtd.apdu import Response
from devices.card.mrtd.ca import CaStatus, chip_authentication
from devices.card.mrtd.sod import PaStatus, passive_authentication
from tests.devices.auth_fuzz import KINDS, TARGETS, Card, Mutation, check, outcome, replace_nested
from tests.helpers import key_for

EXAMPLES = int(os.environ.get("AUTH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def genuine() -> Card:
    return Card.build()


@pytest.fixture(autouse=True)
def quiet_refusals(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)  # each refusal logs its reason at WARNING


def groups(card: Card) -> dict[int, bytes]:
    return {k: v for k, v in card.content.files.items() if isinstance(k, int)}


def test_the_unmodified_card_is_verified(genuine: Card) -> None:
    assert outcome(genuine, genuine.content.files["SOD"]) == "verified"


def test_a_signer_certificate_altered_by_one_byte_is_not_genuine(pki, card) -> None:
    # The defect as found: the X.509 library raised ValueError from the DS certificate.
    content = build_chip(card.identity(), pki, tamper="altered_certificate")
    with pytest.raises(NotGenuineError, match="document signer certificate") as raised:
        read_identity(EmulatedChip(content), key_for(card), [pki.csca])
    assert raised.value.message_key == "card.error.not_genuine"


@FUZZ
@given(
    mutation=st.builds(
        Mutation,
        target=st.sampled_from(TARGETS),
        kind=st.sampled_from(KINDS),
        position=st.integers(0, 1100),
        value=st.integers(1, 255),
    )
)
def test_a_mutated_sod_or_signer_certificate_is_refused_or_unreadable_never_a_crash(
    genuine: Card, mutation: Mutation
) -> None:
    result = check(genuine, mutation)  # raises on a crash, or if a changed EF.SOD passed
    assert result == "verified" or result.startswith(("refused:", "unreadable:")), result


@pytest.mark.parametrize("mask", [0x20, 0x81])
def test_every_byte_of_the_signer_certificate_changed_is_never_verified(
    genuine: Card, mask: int
) -> None:
    sod, certificate = genuine.content.files["SOD"], genuine.certificate
    start = sod.index(certificate)
    verdicts = set()
    for position in range(len(certificate)):
        changed = bytearray(certificate)
        changed[position] ^= mask
        mutated = replace_nested(sod, start, start + len(certificate), bytes(changed))
        result = passive_authentication(mutated, groups(genuine), [genuine.pki.csca])
        verdicts.add(result.status)
    # Refused by the kiosk either way: not checkable (the signer's name or number changed)
    # or altered.  Never "verified", never "signer not trusted" (which may be accepted).
    assert verdicts <= {PaStatus.DATA_ALTERED, PaStatus.NOT_CHECKED}


def test_every_byte_of_the_sod_flipped_is_never_verified(genuine: Card) -> None:
    sod = genuine.content.files["SOD"]
    verdicts = set()
    for position in range(len(sod)):
        mutated = bytearray(sod)
        mutated[position] ^= 0x20 if position % 2 else 0x81
        result = passive_authentication(bytes(mutated), groups(genuine), [genuine.pki.csca])
        verdicts.add(result.status)
    assert verdicts <= {PaStatus.DATA_ALTERED, PaStatus.NOT_CHECKED}


def test_a_refusal_is_logged_with_its_reason_and_no_personal_data(
    genuine: Card, card, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    mutated = Mutation("certificate", "flip", 200, 0x80)
    check(genuine, mutated)
    lines = [f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records]
    assert any("passive_authentication" in line and "data_altered" in line for line in lines)
    text = "\n".join(lines)
    for secret in (card.id_number, card.full_name, card.place_of_residence):
        assert secret not in text


# Active and chip authentication: whatever the chip answers ----------------------------


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), sw=st.sampled_from([0x9000, 0x6300, 0x6A80, 0x6988]))
def test_active_authentication_of_any_answer_is_a_verdict(genuine: Card, data, sw) -> None:
    dg15, dg14 = genuine.content.files[15], genuine.content.files[14]
    status = active_authentication(lambda _c: Response(data, sw), dg15, dg14)
    assert status in (AaStatus.FAILED, AaStatus.VERIFIED)  # VERIFIED: a forged signature


@settings(max_examples=100, deadline=None)
@given(answers=st.lists(st.tuples(st.binary(max_size=80), st.sampled_from([0x9000, 0x6A80]))))
def test_chip_authentication_of_any_answers_is_a_verdict(genuine: Card, answers) -> None:
    replies = iter(answers)

    def send(_command):
        data, sw = next(replies, (b"", 0x6A80))
        return Response(data, sw)

    status = chip_authentication(send, lambda _keys: None, genuine.content.files[14])
    assert status in (CaStatus.FAILED, CaStatus.VERIFIED)


@pytest.mark.parametrize("failure", [ValueError("a library bug"), IndexError(), TypeError()])
def test_an_exception_inside_active_or_chip_authentication_means_failed(
    genuine: Card, failure: Exception
) -> None:
    def send(_command):
        raise failure

    dg14, dg15 = genuine.content.files[14], genuine.content.files[15]
    assert active_authentication(send, dg15, dg14) is AaStatus.FAILED
    assert chip_authentication(send, lambda _keys: None, dg14) is CaStatus.FAILED


def test_a_card_taken_off_during_authentication_is_not_called_a_clone(genuine: Card) -> None:
    def send(_command):
        raise CardRemovedError("card removed")

    dg14, dg15 = genuine.content.files[14], genuine.content.files[15]
    with pytest.raises(CardRemovedError):
        active_authentication(send, dg15, dg14)
    with pytest.raises(CardRemovedError):
        chip_authentication(send, lambda _keys: None, dg14)


def test_a_dg14_vouched_for_but_unreadable_fails_chip_authentication(genuine: Card) -> None:
    assert chip_authentication(lambda _c: None, lambda _k: None, b"\x6e\x05\x31\x03") is (
        CaStatus.FAILED
    )

"""ICAO 9303-11 Appendix G.1 (PACE, ECDH generic mapping, brainpoolP256r1), byte for byte."""

import pytest

from devices.card.mrtd.ec import BRAINPOOL_P256R1, NIST_P256
from devices.card.mrtd.errors import AccessControlError
from devices.card.mrtd.pace import (
    PASSWORD_CAN,
    PASSWORD_MRZ,
    PaceChip,
    PaceInfo,
    PaceTerminal,
    card_access_file,
    parse_card_access,
    password_key,
)

H = bytes.fromhex
CARD_ACCESS = H("31143012060A04007F0007020204020202010202010D")
MRZ = b"T22000129364081251010318"


def g1_terminal() -> PaceTerminal:
    [info] = parse_card_access(CARD_ACCESS)
    return PaceTerminal(
        info,
        MRZ,
        PASSWORD_MRZ,
        map_key=0x7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99,
        ephemeral_key=0xA73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595,
    )


def test_card_access_offers_ecdh_gm_aes_128_on_brainpool() -> None:
    [info] = parse_card_access(CARD_ACCESS)
    assert info == PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13) and info.supported
    assert card_access_file(info.oid, 13) == CARD_ACCESS


def test_g1_password_key_and_nonce() -> None:
    assert password_key(MRZ, PASSWORD_MRZ, 128) == H("89DED1B26624EC1E634C1989302849DD")
    terminal = g1_terminal()
    assert terminal.mse_set_at().encode() == H("0022C1A412800A04007F0007020204020283010184010D")
    terminal.decrypt_nonce(H("95A3A016522EE98D01E76CB6B98B42C3"))
    assert terminal.nonce == 0x3F00C4D39D153F2B2A214A078D899B22


def test_g1_mapping_key_agreement_and_tokens() -> None:
    terminal = g1_terminal()
    terminal.decrypt_nonce(H("95A3A016522EE98D01E76CB6B98B42C3"))
    assert terminal.map_public() == H(
        "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
        "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"
    )
    generator = terminal.map_generator(
        H(
            "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
            "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"
        )
    )
    assert generator == (
        0x8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2,
        0x8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522,
    )
    assert terminal.ephemeral_public() == H(
        "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
        "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462"
    )
    token = terminal.agree(
        H(
            "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
            "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
        )
    )
    assert token == H("C2B0BD78D94BA866")
    keys = terminal.check_chip_token(H("3ABB9674BCE93C08"))
    assert bytes(keys.ks_enc) == H("F5F0E35C0D7161EE6724EE513A0D9A7F")
    assert bytes(keys.ks_mac) == H("FE251C7858B356B24514B3BD5F4297D1")
    assert keys.ssc == 0 and keys.cipher == "AES"


def test_a_forged_chip_token_is_refused() -> None:
    terminal = g1_terminal()
    terminal.decrypt_nonce(H("95A3A016522EE98D01E76CB6B98B42C3"))
    terminal.map_generator(
        H(
            "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
            "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"
        )
    )
    terminal.agree(
        H(
            "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
            "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
        )
    )
    with pytest.raises(AccessControlError):
        terminal.check_chip_token(bytes(8))


def test_a_point_off_the_curve_is_refused() -> None:
    terminal = g1_terminal()
    with pytest.raises(AccessControlError, match="curve"):
        terminal.map_generator(b"\x04" + bytes(64))


@pytest.mark.parametrize("curve", [BRAINPOOL_P256R1, NIST_P256])
def test_curve_arithmetic_is_consistent(curve) -> None:
    assert curve.contains(curve.g)
    assert curve.mul(curve.n, curve.g) is None
    two = curve.add(curve.g, curve.g)
    assert curve.mul(2, curve.g) == two and curve.contains(two)


@pytest.mark.parametrize("parameter", [12, 13])
@pytest.mark.parametrize(("password", "kind"), [(MRZ, PASSWORD_MRZ), (b"012345", PASSWORD_CAN)])
def test_terminal_and_emulated_chip_agree(parameter: int, password: bytes, kind: int) -> None:
    info = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, parameter)
    chip = PaceChip(info, {PASSWORD_MRZ: MRZ, PASSWORD_CAN: b"012345"})
    terminal = PaceTerminal(info, password, kind)
    assert chip.set_at(terminal.mse_set_at().data) == 0x9000
    answer, sw = chip.general_authenticate(b"\x7c\x00")
    assert sw == 0x9000
    terminal.decrypt_nonce(answer[4:])
    answer, sw = chip.general_authenticate(b"\x7c\x43\x81\x41" + terminal.map_public())
    terminal.map_generator(answer[4:])
    answer, sw = chip.general_authenticate(b"\x7c\x43\x83\x41" + terminal.ephemeral_public())
    token = terminal.agree(answer[4:])
    answer, sw = chip.general_authenticate(b"\x7c\x0a\x85\x08" + token)
    assert sw == 0x9000
    keys = terminal.check_chip_token(answer[4:])
    assert bytes(keys.ks_enc) == bytes(chip.keys.ks_enc)  # type: ignore[union-attr]


def test_a_wrong_can_is_refused_by_the_chip() -> None:
    info = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
    chip = PaceChip(info, {PASSWORD_CAN: b"012345"})
    terminal = PaceTerminal(info, b"999999", PASSWORD_CAN)
    chip.set_at(terminal.mse_set_at().data)
    answer, _ = chip.general_authenticate(b"\x7c\x00")
    terminal.decrypt_nonce(answer[4:])
    answer, _ = chip.general_authenticate(b"\x7c\x43\x81\x41" + terminal.map_public())
    try:
        terminal.map_generator(answer[4:])
    except AccessControlError:
        return  # a wrong nonce can even map off the group: refused either way
    answer, _ = chip.general_authenticate(b"\x7c\x43\x83\x41" + terminal.ephemeral_public())
    token = terminal.agree(answer[4:])
    _answer, sw = chip.general_authenticate(b"\x7c\x0a\x85\x08" + token)
    assert sw == 0x6300

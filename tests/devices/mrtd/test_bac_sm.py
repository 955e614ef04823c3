"""ICAO 9303-11 Appendix D worked example, byte for byte."""

import pytest

from devices.card.mrtd import crypto
from devices.card.mrtd.apdu import read_binary, select_file
from devices.card.mrtd.bac import BacTerminal, basic_keys, chip_answer
from devices.card.mrtd.errors import AccessControlError, SecureMessagingError
from devices.card.mrtd.sm import SessionKeys, protect, unprotect

H = bytes.fromhex
MRZ_INFO = "L898902C<369080619406236"
RND_IC, RND_IFD = H("4608F91988702212"), H("781723860C06C226")
K_IFD, K_IC = H("0B795240CB7049B01C19B33E32804F0B"), H("0B4F80323EB3191CB04970CB4052790B")


def test_d2_key_derivation() -> None:
    k_enc, k_mac = basic_keys(MRZ_INFO)
    assert k_enc == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert k_mac == H("7962D9ECE03D1ACD4C76089DCE131543")


def test_d3_mutual_authentication_and_session_keys() -> None:
    terminal = BacTerminal(MRZ_INFO, RND_IFD, K_IFD)
    command = terminal.external_authenticate(RND_IC)
    assert command.data == H(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7"
    )
    assert command.encode()[:5] == H("0082000028")
    answer, chip_keys = chip_answer(MRZ_INFO, RND_IC, K_IC, command.data)
    assert answer == H(
        "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"
    )
    keys = terminal.complete(answer)
    assert bytes(keys.ks_enc) == H("979EC13B1CBFE9DCD01AB0FED307EAE5")
    assert bytes(keys.ks_mac) == H("F1CB1F1FB5ADF208806B89DC579DC1F8")
    assert keys.ssc == 0x887022120C06C226 == chip_keys.ssc


def test_wrong_mrz_is_refused_by_the_chip_and_a_forged_answer_by_the_terminal() -> None:
    terminal = BacTerminal("L898902C<369080619406237", RND_IFD, K_IFD)
    command = terminal.external_authenticate(RND_IC)
    with pytest.raises(AccessControlError):
        chip_answer(MRZ_INFO, RND_IC, K_IC, command.data)
    good = BacTerminal(MRZ_INFO, RND_IFD, K_IFD)
    good.external_authenticate(RND_IC)
    with pytest.raises(AccessControlError):
        good.complete(bytes(40))


def appendix_d_keys() -> SessionKeys:
    return SessionKeys(
        H("979EC13B1CBFE9DCD01AB0FED307EAE5"),
        H("F1CB1F1FB5ADF208806B89DC579DC1F8"),
        0x887022120C06C226,
        "3DES",
    )


def test_d4_protected_select_and_read_binary() -> None:
    keys = appendix_d_keys()
    assert protect(keys, select_file(0x011E)) == H(
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"
    )
    assert unprotect(keys, H("990290008E08FA855A5D4C50A8ED9000")).sw == 0x9000
    assert protect(keys, read_binary(0, 4)) == H("0CB000000D9701048E08ED6705417E96BA5500")
    first = unprotect(keys, H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
    assert first.data == H("60145F01")
    assert protect(keys, read_binary(4, 0x12)) == H("0CB000040D9701128E082EA28A70F3C7B53500")
    assert keys.ssc == 0x887022120C06C22B


def test_a_bad_response_mac_ends_the_session() -> None:
    keys = appendix_d_keys()
    protect(keys, select_file(0x011E))
    with pytest.raises(SecureMessagingError, match="MAC"):
        unprotect(keys, H("990290008E08FA855A5D4C50A8EE9000"))


def test_a_response_without_mac_is_refused() -> None:
    keys = appendix_d_keys()
    protect(keys, read_binary(0, 4))
    with pytest.raises(SecureMessagingError):
        unprotect(keys, H("8709019FF0EC34F9922651990290009000"))


def test_aes_secure_messaging_round_trips_between_terminal_and_chip() -> None:
    terminal = SessionKeys(bytes(range(16)), bytes(range(16, 32)), 0, "AES")
    chip = SessionKeys(bytes(range(16)), bytes(range(16, 32)), 0, "AES")
    apdu = protect(terminal, read_binary(0, 8))
    assert apdu[:4] == H("0CB00000")
    chip.ssc += 2  # the chip counted the command, then the response (the AES IV)
    body = b"\x87\x11\x01" + chip.encrypt(crypto.pad(b"\x60\x14\x5f\x01", 16)) + H("99029000")
    response = body + b"\x8e\x08" + chip.mac(body) + H("9000")
    assert unprotect(terminal, response).data == H("60145F01")


def test_session_keys_never_print_and_wipe() -> None:
    keys = appendix_d_keys()
    assert "979E" not in repr(keys)
    keys.wipe()
    assert bytes(keys.ks_enc) == bytes(16) and keys.ssc == 0

"""The fee's VietQR code, scanned from its image as a banking app would, field by field,
and checked against examples published with two VietQR implementations."""

import pytest
import zxingcpp

from kiosk.catalogue.load import load_catalogue
from kiosk.payment import (
    PaymentRequest,
    VietQrError,
    crc16_ccitt_false,
    fee_for,
    fee_request,
    parse_payload,
    vietqr_payload,
)
from kiosk.payment.qr import qr_image
from kiosk.runtime.config import KioskConfig

# Published payloads (a PHP VietQR library's README; a payOS payment link's response),
# each with the CRC its issuer computed.  Built here from the same values, byte for byte.
PUBLISHED = [
    (
        PaymentRequest("970416", "257678859", 1000, "Chuyen tien"),
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "5303704540410005802VN62150811Chuyen tien6304BBB8",
    ),
    (
        PaymentRequest("970422", "VQRQABRLS0448", 2000, "18f8746b181045f0a2ce"),
        "00020101021238570010A000000727012700069704220113VQRQABRLS04480208QRIBFTTA"
        "5303704540420005802VN6224082018f8746b181045f0a2ce63040FC0",
    ),
]
# Static codes (no amount) as banks print them, for the CRC alone.
PUBLISHED_STATIC = [
    "00020101021138540010A00000072701240006970422011009119673630208QRIBFTTA53037045802VN63046ad9",
    "00020101021138570010A00000072701270006970405011322082054793800208QRIBFTTA53037045802VN630497A6",
]


def scan(payload: str) -> str:
    """Render the code as the screen does and read it back with a barcode reader."""
    result = zxingcpp.read_barcode(qr_image(payload, module_px=6))
    assert result is not None and result.format == zxingcpp.BarcodeFormat.QRCode
    return result.text


def test_crc_is_ccitt_false() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogue's check value


@pytest.mark.parametrize(("request_", "published"), PUBLISHED)
def test_built_exactly_as_the_published_examples(request_: PaymentRequest, published: str) -> None:
    assert vietqr_payload(request_) == published
    assert scan(published) == published


@pytest.mark.parametrize("published", PUBLISHED_STATIC)
def test_published_static_codes_pass_the_crc_check(published: str) -> None:
    assert parse_payload(published)["01"] == "11"


def test_the_fee_code_scanned_carries_every_field() -> None:
    request = PaymentRequest("970436", "0011001234567", 20000, "DEMO01-261120-K010001")
    fields = parse_payload(scan(vietqr_payload(request)))
    assert (
        fields
        == {
            "00": "01",  # payload format
            "01": "12",  # with an amount
            "38": {
                "00": "A000000727",  # NAPAS
                "01": {"00": "970436", "01": "0011001234567"},
                "02": "QRIBFTTA",  # transfer to an account
            },
            "53": "704",  # đồng
            "54": "20000",
            "58": "VN",
            "62": {"08": "DEMO01-261120-K010001"},  # the dossier code as the reference
            "63": f"{crc16_ccitt_false(vietqr_payload(request)[:-4].encode()):04X}",
        }
    )


def test_a_changed_character_fails_the_crc() -> None:
    payload = vietqr_payload(PaymentRequest("970436", "0011001234567", 20000, "X"))
    with pytest.raises(VietQrError, match="CRC"):
        parse_payload(payload.replace("20000", "90000"))


@pytest.mark.parametrize(
    "bad",
    [
        {"bank_bin": "97043"},
        {"account": "0011-00"},
        {"purpose": "Lệ phí"},  # banks' apps drop diacritics: refused rather than mangled
        {"purpose": "x" * 26},
        {"amount_vnd": -1},
    ],
)
def test_values_a_bank_would_reject_are_refused(bad: dict[str, object]) -> None:
    values: dict[str, object] = {
        "bank_bin": "970436",
        "account": "0011001234567",
        "amount_vnd": 1,
        "purpose": "X",
    }
    with pytest.raises(VietQrError):
        PaymentRequest(**{**values, **bad})  # type: ignore[arg-type]


def test_the_amount_follows_the_citizens_answers() -> None:
    residence = load_catalogue().procedure("CT-TT")
    assert fee_for(residence, {}) == 20000
    assert fee_for(residence, {"fee_exempt": "yes"}) == 0
    settings = KioskConfig().replace(payment={"account": "0011001234567"}).payment
    request = fee_request(settings, fee_for(residence, {}), "DEMO01-261120-K010001")
    assert request is not None and request.amount_vnd == 20000
    assert fee_request(settings, 0, "DEMO01-261120-K010001") is None  # free: nothing to pay
    assert fee_request(KioskConfig().payment, 20000, "DEMO01-261120-K010001") is None  # no account

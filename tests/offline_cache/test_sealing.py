import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from offline_cache.sealing import SealError, open_sealed, seal

CONTENT = "Hồ sơ khai sinh: Trần Minh Khôi".encode()


def test_sealed_content_opens_only_with_the_central_key() -> None:
    central = X25519PrivateKey.generate()
    box = seal(CONTENT, central.public_key(), b"DEMO01-261120-K010001")
    assert CONTENT not in box and "Khôi".encode() not in box
    assert open_sealed(box, central, b"DEMO01-261120-K010001") == CONTENT
    with pytest.raises(SealError):
        open_sealed(box, X25519PrivateKey.generate(), b"DEMO01-261120-K010001")


def test_each_box_uses_a_fresh_key() -> None:
    central = X25519PrivateKey.generate()
    a = seal(CONTENT, central.public_key(), b"x")
    b = seal(CONTENT, central.public_key(), b"x")
    assert a[3:35] != b[3:35] and a != b


@pytest.mark.parametrize("mutate", ["flip", "truncate", "other_code", "junk"])
def test_tampered_or_misfiled_boxes_do_not_open(mutate: str) -> None:
    central = X25519PrivateKey.generate()
    box = seal(CONTENT, central.public_key(), b"CODE-1")
    code = b"CODE-1"
    if mutate == "flip":
        box = box[:-1] + bytes([box[-1] ^ 1])
    elif mutate == "truncate":
        box = box[:40]
    elif mutate == "other_code":
        code = b"CODE-2"
    else:
        box = b"hello"
    with pytest.raises(SealError):
        open_sealed(box, central, code)

"""Telex and VNI composition: names and places as citizens type them."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.ime import ACCENTED, InputMethod, compose, type_text

TELEX = [
    ("Nguyeenx", "Nguyễn"),
    ("dduowngf", "đường"),
    ("Vieetj Nam", "Việt Nam"),
    ("Nguyeenx Thij Minh Khai", "Nguyễn Thị Minh Khai"),
    ("Phuwowngf Beens Thanhf", "Phường Bến Thành"),
    ("Thuwaf Thieen Huees", "Thừa Thiên Huế"),
    ("DDawks Lawks", "Đắk Lắk"),
    ("Quangr Nam", "Quảng Nam"),
    ("Khanhs Hoaf", "Khánh Hòa"),
    ("Traanf Minh Khooi", "Trần Minh Khôi"),
    ("nguwowif", "người"),
    ("nguoiwf", "người"),  # w after the whole "uoi": both letters take the horn
    ("tuowngf", "tường"),
    ("thuyeenf", "thuyền"),
    ("quys", "quý"),  # qu is a consonant: the tone goes on y
    ("gias", "giá"),  # gi is a consonant
    ("giuwax", "giữa"),
    ("gif", "gì"),  # gi alone: i is the vowel
    ("ngoaif", "ngoài"),
    ("muaf", "mùa"),
    ("thuyr", "thủy"),  # classic style, as on the ID card
    ("khoer", "khỏe"),
    ("hoafn", "hoàn"),  # the tone moves when the word closes
    ("DDaf Nawngx", "Đà Nẵng"),
    ("VIEETJ NAM", "VIỆT NAM"),
    ("Hoof Chis Minh", "Hồ Chí Minh"),
]

UNDO = [
    ("ass", "as"),  # the tone key again: no tone, the letter itself
    ("Vieetjj", "Viêtj"),  # only the tone is undone
    ("aaa", "aa"),
    ("ddd", "dd"),
    ("aww", "aw"),
    ("hoaz", "hoaz"),  # no tone to remove: z is a letter
    ("hoafz", "hoa"),  # z removes the tone
    ("asf", "à"),  # another tone replaces the first
]

LITERAL = [
    ("bs", "bs"),  # no vowel: a tone key is just a letter
    ("0912345678", "0912345678"),  # digits in Telex
    ("12/03/1990", "12/03/1990"),
    ("Số 5, ngox 10", "Số 5, ngõ 10"),  # punctuation ends a word
]

VNI = [
    ("Vie65t", "Việt"),
    ("Vie65t Nam", "Việt Nam"),
    ("Nguye64n", "Nguyễn"),
    ("d9u7o7ng2", "đường"),
    ("duong92", "đuòng"),  # without 7 there is no horn: what was typed
    ("D9a81k La81k", "Đắk Lắk"),
    ("ho2a", "hòa"),
    ("a11", "a1"),
    ("a66", "a6"),
    ("hoa20", "hoa"),
]


@pytest.mark.parametrize(("keys", "expected"), TELEX + UNDO + LITERAL)
def test_telex(keys: str, expected: str) -> None:
    assert type_text(keys, InputMethod.TELEX) == expected


@pytest.mark.parametrize(("keys", "expected"), VNI)
def test_vni(keys: str, expected: str) -> None:
    assert type_text(keys, InputMethod.VNI) == expected


def test_composition_works_on_the_word_before_the_caret_only() -> None:
    assert compose("Số nhà 5, Hang", "f", InputMethod.TELEX) == "Số nhà 5, Hàng"
    assert compose("", "s", InputMethod.TELEX) == "s"
    with pytest.raises(ValueError):
        compose("a", "ss", InputMethod.TELEX)


def test_output_is_nfc_even_when_the_text_was_not() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị")
    text = compose(decomposed, "s", InputMethod.TELEX)
    assert text == unicodedata.normalize("NFC", text)


def test_accented_letters_layout_has_every_tone_of_every_vowel() -> None:
    assert ACCENTED["a"] == ("a", "á", "à", "ả", "ã", "ạ")
    assert ACCENTED["ư"][4] == "ữ"
    assert ACCENTED["d"] == ("d", "đ")
    assert len(ACCENTED) == 13
    for forms in ACCENTED.values():
        assert all(unicodedata.is_normalized("NFC", f) and len(f) == 1 for f in forms)


TONE_KEYS = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
SHAPES = {"â": "aa", "ê": "ee", "ô": "oo", "ă": "aw", "ơ": "ow", "ư": "uw", "đ": "dd"}
SYLLABLES = [
    "nguyễn",
    "trần",
    "lê",
    "phạm",
    "hoàng",
    "huỳnh",
    "phan",
    "vũ",
    "võ",
    "đặng",
    "bùi",
    "đỗ",
    "hồ",
    "ngô",
    "dương",
    "lý",
    "thị",
    "văn",
    "minh",
    "ngọc",
    "hương",
    "thủy",
    "tuấn",
    "dũng",
    "quỳnh",
    "giang",
    "khánh",
    "xuân",
    "thắng",
    "phượng",
    "chiến",
    "hà",
    "nội",
    "huế",
    "cần",
    "thơ",
    "đà",
    "nẵng",
    "lắk",
    "quảng",
    "ninh",
    "sóc",
    "trăng",
    "bến",
    "thành",
    "phường",
    "xã",
    "đường",
    "ngõ",
    "tổ",
    "thôn",
    "ấp",
]


def telex_keys(syllable: str) -> str:
    """How a Telex user types ``syllable``: letters with shapes, then the tone at the end."""
    keys, tone = "", ""
    for char in unicodedata.normalize("NFD", syllable):
        if char in TONE_KEYS:
            tone = TONE_KEYS[char]
        elif unicodedata.combining(char):
            base = unicodedata.normalize("NFC", keys[-1] + char)
            keys = keys[:-1] + SHAPES[base]
        elif char == "đ":
            keys += "dd"
        else:
            keys += char
    return keys.replace("uwow", "uow") + tone


@given(st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=4), st.booleans())
def test_any_name_typed_in_telex_comes_out_right(words: list[str], capital: bool) -> None:
    expected = " ".join(w.capitalize() if capital else w for w in words)
    keys = " ".join(
        telex_keys(w).capitalize() if capital else telex_keys(w) for w in words
    ).replace("Dd", "DD")
    assert type_text(keys) == expected

"""Telex and VNI composition: what a citizen types, what the field shows."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.forms.ime import ACCENTED, InputMethod, compose, type_text

TELEX, VNI = InputMethod.TELEX, InputMethod.VNI

# Names and addresses as they appear on ID cards and forms, and what is typed for them.
TELEX_WORDS = [
    ("Nguyeenx Thij Minh Khai", "Nguyễn Thị Minh Khai"),
    ("Phuwowngf Beesn Thanhf", "Phường Bến Thành"),
    ("Thuwaf Thieen Huees", "Thừa Thiên Huế"),
    ("DDawks Lawks", "Đắk Lắk"),
    ("Quangr Nam", "Quảng Nam"),
    ("Khanhs Hoaf", "Khánh Hòa"),
    ("Vieetj Nam", "Việt Nam"),
    ("Traanf Hungw DDaoj", "Trần Hưng Đạo"),
    ("Tp. Hoof Chis Minh", "Tp. Hồ Chí Minh"),
    ("12 Lys Thuwowngf Kieetj", "12 Lý Thường Kiệt"),
    ("Baf Rija - Vungx Tauf", "Bà Rịa - Vũng Tàu"),
    ("Quaanj Hai Baf Truwng", "Quận Hai Bà Trưng"),
    ("Hoangf Vawn Thuj", "Hoàng Văn Thụ"),
    ("Lee Thij Hoongf Gaams", "Lê Thị Hồng Gấm"),
    ("Phamj DDuwsc Huy", "Phạm Đức Huy"),
    ("Ddoox Thij Thuyr", "Đỗ Thị Thủy"),
    ("Buif Xuaan Khoa", "Bùi Xuân Khoa"),
    ("Ngoo Quyeenf", "Ngô Quyền"),
    ("Chaau DDoocs", "Châu Đốc"),
    ("Kieen Giang", "Kiên Giang"),
    ("Caafn Thow", "Cần Thơ"),
    ("Ngheej An", "Nghệ An"),
    ("Quarng Ngaix", "Quảng Ngãi"),
    ("Ngox 5 ngachs 12 ngowf", "Ngõ 5 ngách 12 ngờ"),
    ("khoer", "khỏe"),
    ("giuwax", "giữa"),
    ("nguwowif", "người"),
    ("nguoiwf", "người"),
    ("dduowngf", "đường"),
    ("tuowngf", "tường"),
    ("thuyeenf", "thuyền"),
    ("ruwowuj", "rượu"),
    ("khuyru", "khuỷu"),
    ("xoays", "xoáy"),
    ("khuaays", "khuấy"),
    ("ngoawtj", "ngoặt"),
    ("thuowr", "thuở"),
    ("giowf", "giờ"),
    ("gif", "gì"),
    ("gieets", "giết"),
    ("quoocs", "quốc"),
]


@pytest.mark.parametrize(("keys", "expected"), TELEX_WORDS)
def test_telex_gives_the_vietnamese_text(keys: str, expected: str) -> None:
    assert type_text(keys, TELEX) == expected


VNI_WORDS = [
    ("Nguye64n Thi5 Minh Khai", "Nguyễn Thị Minh Khai"),
    ("Phu7o7ng2 Be6n1 Tha2nh", "Phường Bến Thành"),
    ("Thu7a2 Thie6n Hue61", "Thừa Thiên Huế"),
    ("D9a81k La81k", "Đắk Lắk"),
    ("Qua3ng Nam", "Quảng Nam"),
    ("Kha1nh Hoa2", "Khánh Hòa"),
    ("Vie65t Nam", "Việt Nam"),
    ("Vie6t5 Nam", "Việt Nam"),
    ("d9u7o7ng2", "đường"),
    ("ngu7o7i2", "người"),
    ("qu1y", "quý"),
    ("gia1", "giá"),
    ("giu7a4", "giữa"),
    ("thuy3", "thủy"),
    ("Ca6n2 Tho7", "Cần Thơ"),
]


@pytest.mark.parametrize(("keys", "expected"), VNI_WORDS)
def test_vni_gives_the_vietnamese_text(keys: str, expected: str) -> None:
    assert type_text(keys, VNI) == expected


@pytest.mark.parametrize(
    ("keys", "method", "expected"),
    [
        ("ass", TELEX, "as"),
        ("Vieetjj", TELEX, "Viêtj"),  # only the tone goes: the ê was another key
        ("aaa", TELEX, "aa"),
        ("eee", TELEX, "ee"),
        ("ooo", TELEX, "oo"),
        ("ddd", TELEX, "dd"),
        ("aww", TELEX, "aw"),
        ("uww", TELEX, "uw"),
        ("uoww", TELEX, "uow"),
        ("a11", VNI, "a1"),
        ("a66", VNI, "a6"),
        ("a88", VNI, "a8"),
        ("u77", VNI, "u7"),
        ("d99", VNI, "d9"),
        ("Vie65t5", VNI, "Viêt5"),
    ],
)
def test_repeating_a_key_undoes_it_and_types_the_key(
    keys: str, method: InputMethod, expected: str
) -> None:
    assert type_text(keys, method) == expected


@pytest.mark.parametrize(
    ("keys", "method", "expected"),
    [
        ("az", TELEX, "az"),  # no tone to remove
        ("asz", TELEX, "a"),
        ("Nguyeenxz", TELEX, "Nguyên"),
        ("a10", VNI, "a"),
        ("a0", VNI, "a0"),
    ],
)
def test_z_and_0_remove_the_tone(keys: str, method: InputMethod, expected: str) -> None:
    assert type_text(keys, method) == expected


@pytest.mark.parametrize(
    ("keys", "method", "expected"),
    [
        ("bs", TELEX, "bs"),  # no vowel: s is a letter
        ("b1", VNI, "b1"),
        ("s", TELEX, "s"),
        ("1", VNI, "1"),
        ("a1", TELEX, "a1"),  # digits are digits in Telex
        ("12a", TELEX, "12a"),
        ("mw", TELEX, "mw"),
        ("xd", TELEX, "xd"),  # đ only begins a word
        ("a-s", TELEX, "a-s"),  # the word ended at the dash
        ("a s", TELEX, "a s"),
        ("cas.s", TELEX, "cá.s"),
    ],
)
def test_keys_that_do_not_apply_are_typed_as_they_are(
    keys: str, method: InputMethod, expected: str
) -> None:
    assert type_text(keys, method) == expected


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("Nguyeenx", "Nguyễn"),
        ("DDaf", "Đà"),
        ("Ddaf", "Đà"),
        ("VIEETJ", "VIỆT"),
        ("NGUWOWIF", "NGƯỜI"),
        ("HOAF", "HÒA"),
        ("QUANGR NAM", "QUẢNG NAM"),
        ("AAA", "AA"),
        ("ASS", "AS"),
    ],
)
def test_capitals_are_kept(keys: str, expected: str) -> None:
    assert type_text(keys, TELEX) == expected


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        # Classic placement, as on the ID card: oa, oe, uy open take the tone on the first vowel.
        ("hoaf", "hòa"),
        ("hoef", "hòe"),
        ("thuyr", "thủy"),
        ("mias", "mía"),
        ("cuar", "của"),
        ("hoaif", "hoài"),
        # A final consonant pulls it to the last vowel; a shape mark takes it first.
        ("hoanf", "hoàn"),
        ("hoafn", "hoàn"),  # the tone moves as the word grows
        ("thuyeenf", "thuyền"),
        ("thuyefen", "thuyền"),
        ("tuowfng", "tường"),
        ("huyts", "huýt"),
        ("cuwar", "cửa"),
        ("ruwowuj", "rượu"),
        # qu and gi are consonants.
        ("quys", "quý"),
        ("quaf", "quà"),
        ("gias", "giá"),
        ("giuwax", "giữa"),
        ("ginf", "gìn"),
    ],
)
def test_the_tone_sits_where_the_rules_put_it(keys: str, expected: str) -> None:
    assert type_text(keys, TELEX) == expected


def test_uo_with_a_horn_is_uo_at_the_end_and_uo_horned_before_a_letter() -> None:
    assert type_text("dduow") == "đuơ"  # as in thuở, huơ
    assert type_text("dduown") == "đươn"


def test_compose_works_on_the_word_before_the_caret_only() -> None:
    assert compose("Họ tên: Nguyên", "x", TELEX) == "Họ tên: Nguyễn"
    assert compose("Việt ", "s", TELEX) == "Việt s"
    assert compose("", "a", TELEX) == "a"
    assert compose("", "s", TELEX) == "s"


def test_typing_key_by_key_gives_the_same_text_as_type_text() -> None:
    text = ""
    for key in "Vieetj Nam":
        text = compose(text, key, TELEX)
    assert text == "Việt Nam" == type_text("Vieetj Nam", TELEX)


def test_decomposed_text_before_the_caret_is_accepted_and_nfc_comes_out() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễ")
    assert compose(decomposed, "n", TELEX) == "Nguyễn"


def test_compose_takes_one_key() -> None:
    with pytest.raises(ValueError, match="one key"):
        compose("a", "as", TELEX)


def test_accented_forms_cover_every_vowel_and_d() -> None:
    assert set(ACCENTED) == set("aăâeêioôơuưy") | {"d"}
    assert ACCENTED["a"] == ("a", "á", "à", "ả", "ã", "ạ")
    assert ACCENTED["ê"] == ("ê", "ế", "ề", "ể", "ễ", "ệ")
    assert ACCENTED["d"] == ("d", "đ")
    for base, forms in ACCENTED.items():
        assert len(forms) == (2 if base == "d" else 6)
        assert all(unicodedata.is_normalized("NFC", form) and len(form) == 1 for form in forms)


# Round trip: a word, the keys a Telex / VNI typist presses for it, the word again.

SHAPES = {"â": "a6", "ă": "a8", "ê": "e6", "ô": "o6", "ơ": "o7", "ư": "u7", "đ": "d9"}
TONE_KEYS = {"\u0301": ("s", "1"), "\u0300": ("f", "2"), "\u0309": ("r", "3")}
TONE_KEYS |= {"\u0303": ("x", "4"), "\u0323": ("j", "5")}


def encode(word: str, method: InputMethod) -> str:
    """The keys for ``word``: each letter with its shape key, the tone key at the end."""
    keys, tone = [], ""
    for char in unicodedata.normalize("NFD", word):
        if char in TONE_KEYS:
            tone = TONE_KEYS[char][method is VNI]
            continue
        keys.append(char)
    text = unicodedata.normalize("NFC", "".join(keys))
    out = []
    for char in text:
        shape = SHAPES.get(char.lower())
        if shape is None:
            out.append(char)
            continue
        base = char if shape[0] == char.lower() else shape[0]
        base = base.upper() if char.isupper() else base
        if method is VNI:
            out.append(base + shape[1])
        else:
            mark = {"6": shape[0], "7": "w", "8": "w", "9": "d"}[shape[1]]
            out.append(base + (mark.upper() if char.isupper() else mark))
    return "".join(out) + tone


WORD_LIST = sorted(
    {word for _keys, text in TELEX_WORDS for word in text.split() if word.isalpha()}
    | set(
        "Hà Nội Hải Phòng Đà Nẵng Huế Sài Gòn Bình Dương Đồng Nai Lâm Đồng Gia Lai Kon Tum "
        "Sơn La Lào Cai Yên Bái Điện Biên Lai Châu Tuyên Quang Hà Giang Cao Bằng Lạng Sơn "
        "Thái Nguyên Bắc Ninh Hưng Yên Ninh Bình Thanh Hóa Hà Tĩnh Quảng Trị Phú Yên "
        "Khánh Hòa Bình Thuận Tây Ninh Long An Tiền Giang Bến Tre Vĩnh Long Trà Vinh "
        "Sóc Trăng Bạc Liêu Cà Mau An Giang Đồng Tháp Hậu Giang phường xã thị trấn quận "
        "huyện tỉnh thành phố đường số nhà ngõ hẻm ấp thôn bản khu phố tổ dân phố "
        "Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Thị Văn Hữu Đức "
        "Thủy Tuyết Hương Ngọc Phương Hạnh Dũng Cường Thắng Quý Giàu Giữa Người Rượu Khuỷu "
        "Nguyễn Xuân Thu Hiếu Nghĩa Trung Quốc Việt Lương Trương Khoa Hòe Thúy Uyên Duyên".split()
    )
)


@pytest.mark.parametrize("method", [TELEX, VNI])
@given(data=st.data())
def test_every_word_typed_in_its_keys_comes_back(method: InputMethod, data: st.DataObject) -> None:
    word = data.draw(st.sampled_from(WORD_LIST))
    word = data.draw(st.sampled_from([word, word.lower(), word.upper()]))
    assert type_text(encode(word, method), method) == word


def test_the_encoder_agrees_with_the_hand_table() -> None:
    assert encode("Nguyễn", TELEX) == "Nguyeenx"
    assert encode("Đắk", TELEX) == "DDawks"
    assert encode("Việt", VNI) == "Vie6t5"
    assert encode("người", TELEX) == "nguwowif"
    assert encode("ĐƯỜNG", TELEX) == "DDUWOWNGf"


@given(st.text(alphabet="adeiouwyngtschSFRXJZ0123456789 .-ĐƯ", max_size=24))
def test_any_keys_give_nfc_text_and_keep_the_words_before(keys: str) -> None:
    for method in (TELEX, VNI):
        text = type_text(keys, method)
        assert unicodedata.is_normalized("NFC", text)
        before = type_text("Hà Nội, ", method) if method is TELEX else "Hà Nội, "
        assert type_text(keys, method, start="Hà Nội, ").startswith(before)


@given(st.text(max_size=12), st.characters())
def test_compose_never_fails_on_any_text(text: str, key: str) -> None:
    for method in (TELEX, VNI):
        assert isinstance(compose(text, key, method), str)

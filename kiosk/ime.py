"""Vietnamese typing without a Vietnamese keyboard: Telex and VNI composition (no Qt).

The on-screen keyboard (and a physical one) sends plain keys; :func:`compose`
turns the text before the caret plus one key into the new text before the
caret, the way Unikey does:

- Telex: ``aa`` â, ``ee`` ê, ``oo`` ô, ``aw`` ă, ``ow`` ơ, ``uw`` ư (``uow`` ươ),
  ``dd`` đ; tones ``s`` sắc, ``f`` huyền, ``r`` hỏi, ``x`` ngã, ``j`` nặng, ``z``
  removes the tone.
- VNI: ``6`` circumflex, ``7`` horn, ``8`` breve, ``9`` đ; tones ``1``–``5``,
  ``0`` removes the tone.

A modifier may come anywhere after the vowel it changes (``tranf`` → ``trần``
needs ``traanf``; ``Nguyeenx`` → ``Nguyễn``).  Repeating a key undoes it and
types the key itself (``ass`` → ``as``, ``aaa`` → ``aa``, ``ddd`` → ``dd``).
A key that changes nothing is typed as it is.

Tone placement follows the classic orthography printed on the ID card
(``hòa``, ``thủy``, ``khỏe``): a vowel carrying a diacritic takes the tone
(``ươ`` on ``ơ``); otherwise, before a final consonant the last vowel of the
cluster, in an open two-vowel cluster the first, in a three-vowel one the
middle.  ``qu`` and ``gi`` (before another vowel) are consonants.  The tone
moves when the word grows (``hòa`` + ``n`` → ``hoàn``).  Output is NFC.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class InputMethod(StrEnum):
    TELEX = "telex"
    VNI = "vni"


# Combining marks: the five tones, and the three shape marks.
TONE_MARKS = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc huyền hỏi ngã nặng
CIRCUMFLEX, BREVE, HORN = "\u0302", "\u0306", "\u031b"

TELEX_TONES = {"s": 1, "f": 2, "r": 3, "x": 4, "j": 5, "z": 0}
VNI_TONES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "0": 0}
VOWELS = frozenset("aăâeêioôơuưy")

ACCENTED: dict[str, tuple[str, ...]] = {
    base: tuple(unicodedata.normalize("NFC", base + mark) for mark in ("", *TONE_MARKS))
    for base in ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
}
ACCENTED["d"] = ("d", "đ")
"""Each base letter's forms for the "accented letters" keyboard (plain first)."""


class _Letter:
    """One letter of the word being typed: its toneless form, case and tone."""

    __slots__ = ("base", "tone", "upper")

    def __init__(self, char: str) -> None:
        self.upper = char != char.lower()
        decomposed = unicodedata.normalize("NFD", char.lower())
        self.tone = 0
        for index, mark in enumerate(TONE_MARKS, start=1):
            if mark in decomposed:
                self.tone = index
                decomposed = decomposed.replace(mark, "")
        self.base = unicodedata.normalize("NFC", decomposed)

    @property
    def plain(self) -> str:
        """The letter without any mark (``ơ`` → ``o``); ``đ`` stays ``đ``."""
        if self.base == "đ":
            return "đ"
        return unicodedata.normalize("NFD", self.base)[0]

    @property
    def shape(self) -> str:
        """The shape mark (circumflex, breve, horn) or ''."""
        decomposed = unicodedata.normalize("NFD", self.base)
        return decomposed[1:] if self.base != "đ" else ""

    def set_shape(self, mark: str) -> None:
        self.base = unicodedata.normalize("NFC", self.plain + mark)

    @property
    def is_vowel(self) -> bool:
        return self.base in VOWELS

    def render(self, tone: int) -> str:
        text = self.base
        if tone:
            text = unicodedata.normalize("NFC", text + TONE_MARKS[tone - 1])
        return text.upper() if self.upper else text


def _is_letter(char: str) -> bool:
    return char.isalpha()


def _split_word(text: str) -> tuple[str, str]:
    """(everything before the word, the word) — the word is the trailing run of letters."""
    end = len(text)
    start = end
    while start > 0 and _is_letter(text[start - 1]):
        start -= 1
    return text[:start], text[start:]


def _vowel_cluster(letters: list[_Letter]) -> list[int]:
    """Indexes of the word's vowel nucleus (``qu`` and ``gi`` + vowel are consonants)."""
    indexes = [i for i, letter in enumerate(letters) if letter.is_vowel]
    if not indexes:
        return []
    # The first contiguous run of vowels.
    run = [indexes[0]]
    for i in indexes[1:]:
        if i == run[-1] + 1:
            run.append(i)
        else:
            break
    first = run[0]
    if len(run) > 1 and first > 0:
        before = letters[first - 1].base
        if (before == "q" and letters[first].plain == "u") or (
            before == "g" and letters[first].base == "i"
        ):
            run = run[1:]
    return run


def _tone_position(letters: list[_Letter]) -> int | None:
    cluster = _vowel_cluster(letters)
    if not cluster:
        return None
    marked = [i for i in cluster if letters[i].shape]
    if marked:
        return marked[-1]  # ươ: on ơ; otherwise the one vowel with a diacritic
    if len(cluster) == 1:
        return cluster[0]
    closed = cluster[-1] + 1 < len(letters)
    if closed:
        return cluster[-1]
    if len(cluster) == 2:
        return cluster[0]
    return cluster[1]


def _render(letters: list[_Letter]) -> str:
    tone = max((letter.tone for letter in letters), default=0)
    for letter in letters:
        letter.tone = 0
    position = _tone_position(letters) if tone else None
    if tone and position is None:
        position = len(letters) - 1
    return "".join(letter.render(tone if i == position else 0) for i, letter in enumerate(letters))


def _word_tone(letters: list[_Letter]) -> int:
    return max((letter.tone for letter in letters), default=0)


def _apply_tone(letters: list[_Letter], tone: int, key: str) -> str | None:
    """The word with ``tone`` (0 removes); ``None`` when the key does not apply."""
    if not _vowel_cluster(letters):
        return None
    current = _word_tone(letters)
    if tone == 0:
        if current == 0:
            return None
        for letter in letters:
            letter.tone = 0
        return _render(letters)
    if current == tone:  # the same key again: undo, and type the key itself
        for letter in letters:
            letter.tone = 0
        return _render(letters) + key
    for letter in letters:
        letter.tone = 0
    letters[0].tone = tone  # _render moves it to its place
    return _render(letters)


def _apply_shape(letters: list[_Letter], targets: dict[str, str], key: str) -> str | None:
    """Put a shape mark on the last vowel it fits (``targets``: plain vowel → mark)."""
    cluster = _vowel_cluster(letters) or [i for i, x in enumerate(letters) if x.is_vowel]
    # "uo" + horn → "ươ" (both letters), as in đường, người.
    if HORN in targets.values():
        pair = [i for i in cluster if letters[i].plain in "uo"]
        if len(pair) == 2 and pair[1] == pair[0] + 1:
            u, o = letters[pair[0]], letters[pair[1]]
            if u.plain == "u" and o.plain == "o":
                if u.shape == HORN and o.shape == HORN:  # undo
                    u.set_shape("")
                    o.set_shape("")
                    return _render(letters) + key
                if not (u.shape or o.shape) or (u.shape == HORN) != (o.shape == HORN):
                    u.set_shape(HORN)
                    o.set_shape(HORN)
                    return _render(letters)
    for i in reversed(cluster):
        letter = letters[i]
        mark = targets.get(letter.plain)
        if mark is None:
            continue
        if letter.shape == mark:  # undo: the plain vowel and the key itself
            letter.set_shape("")
            return _render(letters) + key
        letter.set_shape(mark)
        return _render(letters)
    return None


def _apply_d(letters: list[_Letter], key: str) -> str | None:
    if not letters:
        return None
    first = letters[0]
    if first.base == "d":
        first.base = "đ"
        return _render(letters)
    if first.base == "đ":
        first.base = "d"
        return _render(letters) + key
    return None


def _telex(letters: list[_Letter], key: str) -> str | None:
    lower = key.lower()
    if lower in TELEX_TONES:
        return _apply_tone(letters, TELEX_TONES[lower], key)
    if lower in "aeo":
        return _apply_shape(letters, {lower: CIRCUMFLEX}, key)
    if lower == "w":
        return _apply_shape(letters, {"a": BREVE, "o": HORN, "u": HORN}, key)
    if lower == "d":
        return _apply_d(letters, key)
    return None


def _vni(letters: list[_Letter], key: str) -> str | None:
    if key in VNI_TONES:
        return _apply_tone(letters, VNI_TONES[key], key)
    if key == "6":
        return _apply_shape(letters, {"a": CIRCUMFLEX, "e": CIRCUMFLEX, "o": CIRCUMFLEX}, key)
    if key == "7":
        return _apply_shape(letters, {"o": HORN, "u": HORN}, key)
    if key == "8":
        return _apply_shape(letters, {"a": BREVE}, key)
    if key == "9":
        return _apply_d(letters, key)
    return None


def compose(text_before_caret: str, key: str, method: InputMethod) -> str:
    """The text before the caret after typing ``key`` (one character) with ``method``."""
    if len(key) != 1:
        raise ValueError("compose takes one key at a time")
    head, word = _split_word(unicodedata.normalize("NFC", text_before_caret))
    if word:
        letters = [_Letter(c) for c in word]
        composed = (_telex if method is InputMethod.TELEX else _vni)(letters, key)
        if composed is not None:
            return head + composed
    if _is_letter(key) and word:
        # A plain letter joins the word; a tone already there may have to move.
        letters = [_Letter(c) for c in word + key]
        if _word_tone(letters):
            return head + _render(letters)
    return unicodedata.normalize("NFC", head + word + key)


def type_text(keys: str, method: InputMethod = InputMethod.TELEX, start: str = "") -> str:
    """Feed ``keys`` one by one (tests, the keyboard's self-check)."""
    text = start
    for key in keys:
        text = compose(text, key, method)
    return text


__all__ = ["ACCENTED", "InputMethod", "compose", "type_text"]

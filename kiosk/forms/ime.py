"""Vietnamese typing without a Vietnamese keyboard: Telex and VNI composition (no Qt).

The on-screen keyboard (and a physical one) sends plain keys; :func:`compose`
turns the text before the caret plus one key into the new text before the
caret, the way Unikey does, so it serves any text field:

- Telex: ``aa`` â, ``ee`` ê, ``oo`` ô, ``aw`` ă, ``ow`` ơ, ``uw`` ư (``uow`` ươ),
  ``dd`` đ; tones ``s`` sắc, ``f`` huyền, ``r`` hỏi, ``x`` ngã, ``j`` nặng, ``z``
  removes the tone.
- VNI: ``6`` circumflex, ``7`` horn, ``8`` breve, ``9`` đ; tones ``1`` sắc,
  ``2`` huyền, ``3`` hỏi, ``4`` ngã, ``5`` nặng, ``0`` removes the tone.

A mark may come anywhere after the vowel it changes (``Nguyeenx`` → ``Nguyễn``,
``Vie65t`` → ``Việt``).  Repeating a key undoes what it did and types the key
itself: ``ass`` → ``as``, ``Vieetjj`` → ``Viêtj`` (only the tone goes),
``aaa`` → ``aa``, ``aww`` → ``aw``, ``ddd`` → ``dd``.  A key that changes
nothing (no vowel in the word; a Telex digit) is typed as it is.  The word is
the run of letters before the caret: anything else (space, digit, ``.``) ends it.

Tone placement follows the classic orthography printed on the citizen ID card
(``hòa``, ``thủy``, ``khỏe``, not ``hoà``/``thuỷ``/``khoẻ``):

1. a vowel with a shape mark (â ê ô ơ ư ă) takes the tone; in ``ươ`` the ``ơ``;
2. otherwise, with a final consonant after the vowels, the last vowel (``hoàn``);
3. otherwise, of two vowels the first (``hòa``, ``thủy``, ``mía``), of three the
   middle (``hoài``, ``khuỷu``).

``qu`` and ``gi`` before another vowel are consonants (``quý``, ``giá``,
``giữa``).  The tone moves as the word grows (``hòa`` + ``n`` → ``hoàn``).
``uơ`` with nothing after it stays ``uơ`` (``thuở``, ``huơ``); once a letter
follows it becomes ``ươ`` (``đường``, ``người``): an open ``ươ`` is not a
Vietnamese syllable.  Output is NFC, as stored and as printed.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class InputMethod(StrEnum):
    TELEX = "telex"
    VNI = "vni"


# Combining marks (Unicode NFD): the five tones, then the three shape marks.
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
"""Each base letter's forms for the "accented letters" keyboard: plain, then the five tones
(sắc, huyền, hỏi, ngã, nặng); ``d`` has ``đ``."""


class _Letter:
    """One letter of the word being typed: its toneless lower-case form, case and tone."""

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
        return unicodedata.normalize("NFD", self.base)[0]

    @property
    def shape(self) -> str:
        """The shape mark (circumflex, breve, horn) or ``''``."""
        return unicodedata.normalize("NFD", self.base)[1:]

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


def _split_word(text: str) -> tuple[str, str]:
    """(everything before the word, the word): the word is the trailing run of letters."""
    start = len(text)
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return text[:start], text[start:]


def _vowel_cluster(letters: list[_Letter]) -> list[int]:
    """Indexes of the word's vowel nucleus (``qu`` and ``gi`` + vowel are consonants)."""
    indexes = [i for i, letter in enumerate(letters) if letter.is_vowel]
    if not indexes:
        return []
    run = [indexes[0]]  # a Vietnamese syllable has one run of vowels: take the first
    for i in indexes[1:]:
        if i != run[-1] + 1:
            break
        run.append(i)
    first = run[0]
    if len(run) > 1 and first > 0:
        before = letters[first - 1].base
        if (before == "q" and letters[first].plain == "u") or (
            before == "g" and letters[first].base == "i"
        ):
            run = run[1:]
    return run


def _horn_pair(letters: list[_Letter], cluster: list[int]) -> tuple[int, int] | None:
    """Indexes of ``u``/``ư`` followed by ``o``/``ơ`` in the nucleus, if any."""
    for i in cluster:
        if i + 1 in cluster and letters[i].plain == "u" and letters[i + 1].plain == "o":
            return i, i + 1
    return None


def _tone_position(letters: list[_Letter], cluster: list[int]) -> int:
    marked = [i for i in cluster if letters[i].shape]
    if marked:
        return marked[-1]  # ươ: on ơ; otherwise the one vowel with a shape mark
    if len(cluster) == 1:
        return cluster[0]
    if cluster[-1] + 1 < len(letters):  # a final consonant
        return cluster[-1]
    return cluster[0] if len(cluster) == 2 else cluster[1]


def _word_tone(letters: list[_Letter]) -> int:
    return max((letter.tone for letter in letters), default=0)


def _render(letters: list[_Letter], tone: int | None = None) -> str:
    """The word, its ``tone`` (default: the one it has) on the vowel the rules choose."""
    tone = _word_tone(letters) if tone is None else tone
    cluster = _vowel_cluster(letters)
    pair = _horn_pair(letters, cluster)
    if pair is not None and letters[pair[1]].shape == HORN:
        # uơ at the end of the word (thuở), ươ before another letter (đường).
        letters[pair[0]].set_shape(HORN if pair[1] + 1 < len(letters) else "")
    position = _tone_position(letters, cluster) if tone and cluster else None
    return "".join(letter.render(tone if i == position else 0) for i, letter in enumerate(letters))


def _apply_tone(letters: list[_Letter], tone: int, key: str) -> str | None:
    """The word with ``tone`` (0 removes it); ``None`` when the key does not apply."""
    if not _vowel_cluster(letters):
        return None
    current = _word_tone(letters)
    if tone == 0:
        return _render(letters, 0) if current else None
    if current == tone:  # the same key again: undo, and type the key itself
        return _render(letters, 0) + key
    return _render(letters, tone)


def _apply_shape(letters: list[_Letter], targets: dict[str, str], key: str) -> str | None:
    """Put a shape mark on the last vowel it fits (``targets``: plain vowel → mark)."""
    cluster = _vowel_cluster(letters)
    if HORN in targets.values():
        pair = _horn_pair(letters, cluster)
        if pair is not None:
            u, o = letters[pair[0]], letters[pair[1]]
            if o.shape == HORN:  # ươ / uơ again: undo
                u.set_shape("")
                o.set_shape("")
                return _render(letters) + key
            if not o.shape:
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
    """đ: only the first letter of a Vietnamese word can be one."""
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
    if lower in ("a", "e", "o"):
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
    """The text before the caret after typing ``key`` (one character) with ``method``.

    Pure and stateless: everything it needs is in the text, so the caret may
    move, or the field be edited by other means, between two keys.
    """
    if len(key) != 1:
        raise ValueError("compose takes one key at a time")
    head, word = _split_word(unicodedata.normalize("NFC", text_before_caret))
    if word:
        letters = [_Letter(c) for c in word]
        composed = (_telex if method is InputMethod.TELEX else _vni)(letters, key)
        if composed is not None:
            return head + composed
        letters = [_Letter(c) for c in word + key]
        if key.isalpha() and (_word_tone(letters) or any(x.base == "ơ" for x in letters)):
            # A plain letter joins the word: the tone, and the ư of ươ, may have to move.
            return head + _render(letters)
    return unicodedata.normalize("NFC", head + word + key)


def type_text(keys: str, method: InputMethod = InputMethod.TELEX, start: str = "") -> str:
    """Feed ``keys`` one by one after ``start``, as if typed (tests, the kiosk's self-check)."""
    text = start
    for key in keys:
        text = compose(text, key, method)
    return text


__all__ = ["ACCENTED", "InputMethod", "compose", "type_text"]

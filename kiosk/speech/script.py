"""Each screen's spoken text, and the privacy rule for the loudspeaker.

A screen is said in a few short phrases: its title, the one instruction, any notice
or error, the choices of a question, the values already filled in, and what the
main button does.  A phrase is *personal* when it carries a citizen's value (a name,
an ID number, an address, an answer typed).  Through the loudspeaker, whoever stands
near the kiosk hears it: personal phrases are left out (one sentence says they are
read in the headset), and so is any phrase that happens to contain one of the
session's personal values (``needles``), whatever screen built it.  In headset mode
everything is said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kiosk.speech.reading import speakable

Translate = Callable[..., str]
MIN_NEEDLE = 4
"""Shorter values ('Nam', 'Nữ') would silence ordinary words; the longer ones identify."""


@dataclass(frozen=True)
class Phrase:
    text: str
    personal: bool = False


@dataclass(frozen=True)
class ScreenParts:
    """What a screen shows that is worth saying (read from the screen by the UI)."""

    title: str = ""
    instruction: str = ""
    notices: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    """(caption, value) filled in (from the card, or typed): always personal."""
    main_button: str = ""


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".?!:…" else text + "."


def screen_script(parts: ScreenParts, tr: Translate) -> list[Phrase]:
    """The phrases of one screen, in the order a listener needs them."""
    phrases = [Phrase(_sentence(t)) for t in (parts.title, parts.instruction) if t.strip()]
    phrases += [Phrase(_sentence(t)) for t in (*parts.errors, *parts.notices) if t.strip()]
    if parts.choices:
        phrases.append(Phrase(tr("speech.choices", choices="; ".join(parts.choices))))
    for caption, value in parts.values:
        caption = caption.strip().rstrip(":").strip()
        if value.strip():
            text = tr("speech.value", label=caption, value=value) if caption else _sentence(value)
            phrases.append(Phrase(text, personal=True))
    if parts.main_button.strip():
        phrases.append(Phrase(tr("speech.main_button", label=parts.main_button.strip())))
    return phrases


def personal_needles(values: Iterable[str]) -> list[str]:
    """The session's values worth looking for in a phrase (long enough to identify)."""
    found = {v.strip() for v in values if v and len(v.strip()) >= MIN_NEEDLE}
    return sorted(found, key=len, reverse=True)


def spoken_text(
    phrases: Iterable[Phrase],
    language: str,
    tr: Translate,
    *,
    headset: bool,
    needles: Iterable[str] = (),
) -> str:
    """The text handed to the engine: through the loudspeaker without anything personal
    (and one sentence saying so), into a headset all of it; numbers, dates and codes
    written as they are said."""
    needles = list(needles)
    said: list[str] = []
    withheld = False
    for phrase in phrases:
        personal = phrase.personal or any(n in phrase.text for n in needles)
        if personal and not headset:
            withheld = True
            continue
        said.append(phrase.text)
    if withheld:
        said.append(tr("speech.withheld"))
    return speakable(" ".join(said), language)

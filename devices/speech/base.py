"""The speech interface: say a text (never blocking the caller), cut it off.

A speaker plays one text at a time: a new :meth:`Speaker.say` cuts off what was
being said (the citizen moved on), :meth:`Speaker.stop` cuts it off with nothing
new.  ``headset`` says where the sound goes; the kiosk decides *what* may be said
there (personal values only into a headset), the speaker only routes it.

Threading contract: ``say`` and ``stop`` may be called from any thread and return
at once; the engine runs on the speaker's own thread.  ``headset_changed`` (bool)
fires from the speaker's thread when a headset is plugged in or pulled out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kiosk.base.events import Signal

VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")
"""espeak-ng's Northern, Central and Southern Vietnamese voices."""
ENGLISH_VOICE = "en-gb"


@dataclass(frozen=True)
class Voice:
    """How the kiosk speaks: slower than an engine's default for elderly listeners."""

    vietnamese: str = "vi"
    english: str = ENGLISH_VOICE
    rate_wpm: int = 140  # espeak-ng's default is 175 words a minute
    volume: int = 100  # espeak-ng's amplitude, 0-200 (100 is its default)

    def for_language(self, language: str) -> str:
        return self.vietnamese if language == "vi" else self.english


@dataclass(frozen=True)
class Utterance:
    """One text handed to the engine (what the simulator keeps, for tests to read)."""

    text: str
    language: str
    headset: bool


class Speaker(Protocol):
    headset_changed: Signal

    def say(self, text: str, language: str, *, headset: bool) -> None: ...

    def stop(self) -> None: ...

    def chime(self) -> None:
        """Sound the call chime (a citizen asked for staff); never cut off by speech."""

    def forget(self) -> None:
        """The visit ended: nothing of what was said may be kept (it may have been personal)."""

    def close(self) -> None: ...


class SilentSpeaker:
    """No speech (no engine installed): the kiosk works on without a voice."""

    def __init__(self) -> None:
        self.headset_changed = Signal("headset_changed")

    def say(self, text: str, language: str, *, headset: bool) -> None:
        """Nothing is said."""

    def stop(self) -> None:
        """Nothing to cut off."""

    def chime(self) -> None:
        """No sound."""

    def forget(self) -> None:
        """Nothing kept."""

    def close(self) -> None:
        """Nothing to release."""

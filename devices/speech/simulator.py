"""A simulated speaker: records what was said, in order, and what was cut off.

Tests read :attr:`SimulatedSpeaker.transcript` to assert the words a citizen heard
(and where: loudspeaker or headset); :meth:`plug_headset` stands in for the jack.
"""

from __future__ import annotations

import threading

from devices.speech.base import Utterance
from kiosk.base.events import Signal


class SimulatedSpeaker:
    def __init__(self) -> None:
        self.headset_changed = Signal("headset_changed")
        self._lock = threading.Lock()
        self.transcript: list[Utterance] = []
        self.cut_off = 0  # how many times speech was cut off (a new text or stop)
        self.speaking: Utterance | None = None  # until the next say or stop
        self.chimes = 0  # call chimes sounded

    def say(self, text: str, language: str, *, headset: bool) -> None:
        with self._lock:
            if self.speaking is not None:
                self.cut_off += 1
            self.speaking = Utterance(text, language, headset)
            self.transcript.append(self.speaking)

    def stop(self) -> None:
        with self._lock:
            if self.speaking is not None:
                self.cut_off += 1
            self.speaking = None

    def chime(self) -> None:
        with self._lock:
            self.chimes += 1

    def plug_headset(self, plugged: bool) -> None:
        """A headset was plugged into (or pulled from) the kiosk's jack."""
        self.headset_changed.emit(plugged)

    def forget(self) -> None:
        """The visit ended: its transcript goes (a headset's may hold personal values)."""
        with self._lock:
            self.speaking = None
            self.transcript.clear()

    def close(self) -> None:
        self.forget()

    def clear(self) -> None:
        self.forget()

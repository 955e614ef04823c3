"""espeak-ng in its own process, driven from the speaker's own thread.

``say`` only hands the text over: the speaker's thread starts ``espeak-ng`` (which
plays through the default sound output) and waits for it; ``stop`` or a newer
``say`` kills the process at once, from whatever thread calls it, so speech is cut
off the moment the screen changes and the GUI thread never waits for the engine.

Where the sound goes (loudspeaker or headset) is the sound system's routing: on a
kiosk's jack, plugging a headset in mutes the loudspeaker (ALSA's auto-mute).  The
text is passed on stdin, never on the command line (no other process may read a
personal value from ``/proc``).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

from devices.speech.base import Voice
from devices.speech.chime import ChimePlayer
from kiosk.base.events import Signal

log = logging.getLogger(__name__)

ENGINE = "espeak-ng"


def engine_path() -> str | None:
    """Where espeak-ng is installed (None: not installed)."""
    return shutil.which(ENGINE)


def command(voice: Voice, language: str, wav: Path | None = None) -> list[str]:
    """The engine's command line for ``language`` (the text comes on stdin)."""
    args = [
        engine_path() or ENGINE,
        "-v",
        voice.for_language(language),
        "-s",
        str(voice.rate_wpm),
        "-a",
        str(voice.volume),
        "-b",
        "1",  # the input is UTF-8
        "--stdin",
    ]
    if wav is not None:
        args += ["-w", str(wav)]
    return args


def render_wav(text: str, language: str, wav: Path, voice: Voice | None = None) -> Path:
    """Synthesise ``text`` into a WAV file (a technician's check, and the tests)."""
    subprocess.run(
        command(voice or Voice(), language, wav),
        input=text.encode("utf-8"),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return wav


class EspeakSpeaker:
    def __init__(
        self,
        voice: Voice | None = None,
        output: Path | None = None,
        chime: ChimePlayer | None = None,
    ) -> None:
        self.voice = voice or Voice()
        self.chime_player = chime or ChimePlayer()
        self.output = output  # a WAV file instead of the sound card (tests, a technician)
        self.headset_changed = Signal("headset_changed")
        self._cond = threading.Condition()
        self._pending: tuple[str, str] | None = None  # (text, language) not started yet
        self._process: subprocess.Popen[bytes] | None = None
        self._closed = False
        self._failed_once = False
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    def say(self, text: str, language: str, *, headset: bool) -> None:
        with self._cond:
            self._kill()
            self._pending = (text, language)
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._pending = None
            self._kill()

    def chime(self) -> None:
        """The call chime, played beside speech (a new screen's words do not cut it off)."""
        self.chime_player.ring()

    def forget(self) -> None:
        """Nothing is kept once said; what was not said yet goes."""
        self.stop()

    @property
    def speaking(self) -> bool:
        with self._cond:
            return self._pending is not None or (
                self._process is not None and self._process.poll() is None
            )

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._pending = None
            self._kill()
            self._cond.notify_all()
        self._thread.join(2.0)
        self.chime_player.close()

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                text, language = self._pending  # type: ignore[misc]
                self._pending = None
                try:
                    self._process = subprocess.Popen(
                        command(self.voice, language, self.output),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                except OSError as exc:
                    if not self._failed_once:  # once: a kiosk without sound must not flood
                        self._failed_once = True
                        log.warning("speech_engine_failed", extra={"fields": {"error": str(exc)}})
                    continue
                process = self._process
            try:  # outside the lock: stop() must be able to kill it meanwhile
                process.communicate(text.encode("utf-8"), timeout=300)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            text = ""  # the idle thread keeps no citizen's words
            with self._cond:
                if self._process is process:
                    self._process = None

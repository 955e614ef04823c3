"""The call chime: a soft two-note "ding-dong" the kiosk sounds when a citizen calls
for a staff member, so someone nearby looks up even before the call reaches a screen.

The sound is made here (a WAV written once, no asset to lose) and played by the
system's player (``play`` from sox, else ``aplay`` from alsa-utils) in its own
process, waited for on a thread of its own: :meth:`ChimePlayer.ring` returns at once
and never raises.  A kiosk without a player or a sound card stays silent and says so
once in the log; the call itself does not depend on the chime.
"""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
import tempfile
import threading
import wave
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

RATE = 22050
NOTES = ((659.25, 0.45), (523.25, 0.7))  # E5 then C5, the usual door chime
LOUDNESS = 0.35  # of full scale: audible across a hall, not startling at the kiosk


def write_chime(path: Path) -> Path:
    """The chime as a 16-bit mono WAV: each note struck, then fading away."""
    samples = array("h")
    for frequency, seconds in NOTES:
        count = int(RATE * seconds)
        for i in range(count):
            t = i / RATE
            attack = min(1.0, i / (0.01 * RATE))  # no click at the start of a note
            decay = math.exp(-4.0 * t / seconds)
            tone = math.sin(2 * math.pi * frequency * t) + 0.3 * math.sin(
                4 * math.pi * frequency * t
            )
            samples.append(int(32767 * LOUDNESS * attack * decay * tone / 1.3))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    return path


def player_command(wav: Path) -> list[str] | None:
    """How this machine plays a WAV file (None: no player installed)."""
    if (play := shutil.which("play")) is not None:
        return [play, "-q", str(wav)]
    if (aplay := shutil.which("aplay")) is not None:
        return [aplay, "-q", str(wav)]
    return None


class ChimePlayer:
    """Rings the chime without making the caller wait; one ring at a time."""

    def __init__(self, command: Callable[[Path], Sequence[str] | None] = player_command) -> None:
        self._command = command
        self._lock = threading.Lock()
        self._wav: Path | None = None
        self._ringing: threading.Thread | None = None
        self._warned = False
        self.rung = 0  # rings that played to the end (a technician's check, the tests)

    def ring(self) -> None:
        with self._lock:
            if self._ringing is not None and self._ringing.is_alive():
                return  # a second press while it sounds: one chime is enough
            self._ringing = threading.Thread(target=self._play, name="chime", daemon=True)
            self._ringing.start()

    def wait(self, timeout: float) -> bool:
        """Until the current ring has ended (tests; the technician's sound test)."""
        with self._lock:
            ringing = self._ringing
        if ringing is not None:
            ringing.join(timeout)
            return not ringing.is_alive()
        return True

    def close(self) -> None:
        """The kiosk stops: its chime file goes (made again at the next ring)."""
        with self._lock:
            wav, self._wav = self._wav, None
        if wav is not None:
            shutil.rmtree(wav.parent, ignore_errors=True)

    def _play(self) -> None:
        try:
            if self._wav is None or not self._wav.exists():
                folder = Path(tempfile.mkdtemp(prefix="kiosk-chime-"))
                self._wav = write_chime(folder / "chime.wav")
            command = self._command(self._wav)
            if command is None:
                self._warn("no sound player (install sox or alsa-utils)")
                return
            done = subprocess.run(list(command), capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            self._warn(type(exc).__name__)
            return
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            self._warn(said[-1] if said else f"exit status {done.returncode}")
            return
        self.rung += 1

    def _warn(self, error: object) -> None:
        if not self._warned:  # once: a kiosk without sound must not flood its log
            self._warned = True
            log.warning("chime_failed", extra={"fields": {"error": str(error)}})

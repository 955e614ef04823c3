"""The call chime: a real sound (measured with sox), rung without making the caller wait,
and a kiosk without a player or a sound card stays silent without failing the call."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from devices.speech.chime import ChimePlayer, write_chime
from devices.speech.espeak import EspeakSpeaker

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed")


def _stats(wav: Path) -> dict[str, float]:
    """sox's measurements of a sound file (level in dB, frequency in Hz)."""
    out = subprocess.run(
        ["sox", str(wav), "-n", "stats", "stat"], capture_output=True, text=True, check=True
    ).stderr
    found: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith("RMS lev dB"):
            found["rms_db"] = float(line.split()[3])
        elif line.startswith("Pk lev dB"):
            found["peak_db"] = float(line.split()[3])
        elif line.startswith("Rough   frequency:"):
            found["frequency_hz"] = float(line.split()[-1])
    return found


@needs_sox
def test_the_chime_is_a_clear_two_note_sound_of_about_a_second(tmp_path: Path) -> None:
    wav = write_chime(tmp_path / "chime.wav")
    with wave.open(str(wav)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 0.8 < seconds < 2  # heard across the hall, over before the citizen is startled
    stats = _stats(wav)
    assert stats["rms_db"] > -30, stats  # a sound, not silence
    assert stats["peak_db"] < -3, stats  # not clipped: a chime, not a buzz
    assert 400 < stats["frequency_hz"] < 900, stats  # a door chime's notes, not a whine


def test_ringing_returns_at_once_while_the_player_plays() -> None:
    # A player that takes 3 s, as a real one plays the chime in real time.
    player = ChimePlayer(lambda _wav: [sys.executable, "-c", "import time; time.sleep(3)"])
    started = time.monotonic()
    player.ring()
    returned_after = time.monotonic() - started
    assert returned_after < 1.5  # the GUI thread does not wait for the sound
    assert player.rung == 0  # still playing
    assert player.wait(30) and player.rung == 1
    player.close()


@needs_sox
def test_the_player_is_handed_the_whole_chime(tmp_path: Path) -> None:
    played = tmp_path / "played.wav"
    # The machine's real sox, writing to a file where a kiosk's player writes to the card.
    player = ChimePlayer(lambda wav: ["sox", str(wav), str(played)])
    player.ring()
    assert player.wait(30) and player.rung == 1 and _stats(played)["rms_db"] > -30
    player.close()


def test_a_kiosk_without_a_sound_card_logs_once_and_the_call_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failing = [sys.executable, "-c", "import sys; sys.exit('no default audio device')"]
    player = ChimePlayer(lambda _wav: failing)
    with caplog.at_level(logging.WARNING, logger="devices.speech.chime"):
        for _ in range(3):
            player.ring()
            assert player.wait(30)
    assert player.rung == 0
    warnings = [r for r in caplog.records if r.message == "chime_failed"]
    assert len(warnings) == 1  # once: a kiosk without sound must not flood its log
    assert warnings[0].fields["error"] == "no default audio device"  # type: ignore[attr-defined]
    player.close()


def test_no_player_installed_is_said_plainly(caplog: pytest.LogCaptureFixture) -> None:
    player = ChimePlayer(lambda _wav: None)
    with caplog.at_level(logging.WARNING, logger="devices.speech.chime"):
        player.ring()
        assert player.wait(30)
    [warning] = [r for r in caplog.records if r.message == "chime_failed"]
    assert "install sox or alsa-utils" in warning.fields["error"]  # type: ignore[attr-defined]


@needs_sox
def test_the_espeak_speaker_rings_beside_speech_and_its_chime_file_goes_at_close(
    tmp_path: Path,
) -> None:
    played = tmp_path / "played.wav"
    player = ChimePlayer(lambda wav: ["sox", str(wav), str(played)])
    speaker = EspeakSpeaker(output=tmp_path / "speech.wav", chime=player)
    speaker.chime()
    speaker.stop()  # a new screen cuts speech off, never the chime
    assert player.wait(30) and player.rung == 1
    made = player._wav
    assert made is not None and made.exists()
    speaker.close()
    assert not made.exists()

"""The speech device: the simulator's transcript, and the real espeak-ng engine."""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from pathlib import Path

import pytest

from devices.speech.base import Voice
from devices.speech.espeak import EspeakSpeaker, render_wav
from devices.speech.simulator import SimulatedSpeaker
from kiosk.runtime.i18n import Translator
from kiosk.speech.script import ScreenParts, screen_script, spoken_text

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)


def attract_text(language: str) -> str:
    """The start screen as the kiosk says it."""
    tr = Translator(language)
    parts = ScreenParts(
        title=tr("attract.title"), instruction=tr("attract.subtitle"), main_button=tr("tile.submit")
    )
    return spoken_text(screen_script(parts, tr), language, tr, headset=False)


def test_the_simulator_records_what_was_said_and_counts_what_was_cut_off() -> None:
    speaker = SimulatedSpeaker()
    heard: list[bool] = []
    speaker.headset_changed.connect(heard.append)
    speaker.say("Xin chào", "vi", headset=False)
    speaker.say("Đặt thẻ", "vi", headset=True)  # the next screen: the first is cut off
    speaker.stop()
    speaker.plug_headset(True)
    assert [(u.text, u.headset) for u in speaker.transcript] == [
        ("Xin chào", False),
        ("Đặt thẻ", True),
    ]
    assert speaker.cut_off == 2 and speaker.speaking is None
    assert heard == [True]


@needs_espeak
@pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed")
def test_espeak_ng_says_the_start_screen_in_vietnamese_and_it_is_not_silence(
    tmp_path: Path,
) -> None:
    text = attract_text("vi")
    assert text.startswith("Xin chào! Chúng tôi có thể giúp gì cho bạn?")
    wav = render_wav(text, "vi", tmp_path / "attract.wav", Voice())
    with wave.open(str(wav)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 3 < seconds < 30  # a few sentences at the slow rate for elderly listeners
    stats = subprocess.run(
        ["sox", str(wav), "-n", "stats"], capture_output=True, text=True, check=True
    ).stderr
    rms_db = float(
        next(line for line in stats.splitlines() if line.startswith("RMS lev dB")).split()[3]
    )
    assert rms_db > -35, stats  # speech, not silence (silence is -inf dB)


@needs_espeak
def test_a_slower_rate_takes_longer_to_say_the_same_screen(tmp_path: Path) -> None:
    text = attract_text("en")

    def seconds(rate: int) -> float:
        wav = render_wav(text, "en", tmp_path / f"{rate}.wav", Voice(rate_wpm=rate))
        with wave.open(str(wav)) as audio:
            return audio.getnframes() / audio.getframerate()

    assert seconds(140) > seconds(175) * 1.15  # the kiosk's default against espeak-ng's


@needs_espeak
def test_say_never_waits_for_the_engine_and_stop_cuts_it_off(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(output=tmp_path / "long.wav")
    # About 15 s of work for the engine (longer on a loaded machine): far more than the
    # generous deadlines below, so only a say that returns at once and a stop that cuts
    # the engine off pass them.
    long_text = " ".join([attract_text("vi")] * 2000)
    try:
        started = time.monotonic()
        speaker.say(long_text, "vi", headset=False)
        assert time.monotonic() - started < 1.0  # the GUI thread goes on at once
        assert speaker.speaking
        deadline = time.monotonic() + 20
        while not (tmp_path / "long.wav").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert speaker.speaking
        speaker.stop()  # the screen changed
        deadline = time.monotonic() + 5
        while speaker.speaking and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not speaker.speaking
    finally:
        speaker.close()

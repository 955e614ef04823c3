"""The sound check: espeak-ng with the chosen voice, a sound card, the chime's player.

The machine's real espeak-ng is asked for its voices; the sound card list is ALSA's
``/proc/asound/cards`` format written to a file (this machine has no sound card); a
missing program is a PATH without it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kiosk.doctor import LIGHT, run_checks
from kiosk.doctor.report import Status
from kiosk.doctor.sound import check_speech, sound_cards
from kiosk.runtime.config import KioskConfig
from tests.kiosk.doctor.translated import assert_speaks_both

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
ALSA_CARDS = """ 0 [PCH            ]: HDA-Intel - HDA Intel PCH
                      HDA Intel PCH at 0xf7f10000 irq 31
 1 [Device         ]: USB-Audio - USB Audio Device
                      C-Media USB Audio Device at usb-0000:00:14.0-2, full speed
"""


def speaking(**devices: object) -> KioskConfig:
    return KioskConfig().replace(devices={"speech": "espeak", **devices})


@pytest.fixture
def cards(tmp_path: Path) -> Path:
    path = tmp_path / "cards"
    path.write_text(ALSA_CARDS)
    return path


def only_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *programs: str) -> None:
    """A machine where only ``programs`` are installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in programs:
        found = shutil.which(program)
        assert found is not None, program
        os.symlink(found, bin_dir / program)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_alsa_card_names_are_read_and_no_cards_is_an_empty_list(cards: Path) -> None:
    assert sound_cards(cards) == ["HDA-Intel - HDA Intel PCH", "USB-Audio - USB Audio Device"]
    none = cards.with_name("none")
    none.write_text("--- no soundcards ---\n")
    assert sound_cards(none) == [] and sound_cards(cards.with_name("absent")) == []


@needs_espeak
def test_a_kiosk_that_can_speak_names_its_voice_and_sound_card(cards: Path, tmp_path: Path) -> None:
    result = check_speech(speaking(speech_voice="vi-vn-x-south"), tmp_path, cards)
    assert result.status is Status.OK, result.line()
    assert "vi-vn-x-south" in result.detail and "HDA Intel PCH" in result.detail
    assert_speaks_both([result])


@needs_espeak
def test_no_sound_card_is_a_warning_that_speech_and_the_chime_are_silent(
    tmp_path: Path,
) -> None:
    result = check_speech(speaking(), tmp_path, tmp_path / "no-such-cards")
    assert result.status is Status.WARN and "silent" in result.detail
    assert "aplay -l" in result.remedy
    assert_speaks_both([result])


@needs_espeak
def test_a_voice_espeak_ng_does_not_have_fails_with_the_setting_to_change(
    cards: Path, tmp_path: Path
) -> None:
    result = check_speech(speaking(speech_voice="vi-vn-x-hue"), tmp_path, cards)
    assert result.status is Status.FAIL and "'vi-vn-x-hue'" in result.detail
    assert "kiosk config set devices.speech_voice vi" in result.remedy
    assert_speaks_both([result])


def test_without_espeak_ng_the_kiosk_cannot_speak_and_says_how_to_install_it(
    cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_on_path(monkeypatch, tmp_path)
    result = check_speech(speaking(), tmp_path, cards)
    assert result.status is Status.FAIL
    assert result.remedy.endswith("sudo apt-get install espeak-ng")
    assert_speaks_both([result])


@needs_espeak
def test_without_a_player_the_chime_is_a_warning_unless_it_is_turned_off(
    cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_on_path(monkeypatch, tmp_path, "espeak-ng")
    result = check_speech(speaking(), tmp_path, cards)
    assert result.status is Status.WARN and "chime" in result.detail
    assert result.remedy.endswith("sudo apt-get install sox")
    assert_speaks_both([result])
    assert check_speech(speaking(call_chime=False), tmp_path, cards).status is Status.OK


def test_the_simulator_is_skipped_like_the_other_demo_devices(tmp_path: Path) -> None:
    report = run_checks(KioskConfig(), tmp_path, only=["speech"])
    [result] = report.results
    assert result.status is Status.SKIP and "devices.speech = 'simulator'" in result.detail
    assert "speech" in LIGHT  # in the heartbeat's summary too

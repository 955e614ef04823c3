"""Technician mode's voice page: voice, pace and volume written to the settings file, and
"Nghe thử" saying the start screen (the simulator records it; espeak-ng speaks it).

The panel is opened over the real window as a signed-in technician's is, with the core's
task runner: the test is said off the GUI thread and its result comes back on it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from kiosk.journeys.technician import TechnicianMode
from kiosk.runtime.config import load_config, write_setting
from kiosk.runtime.i18n import Translator
from kiosk.staff.roles import Role
from tests.devices.test_chime import _stats, needs_sox
from tests.devices.test_speech import attract_text, needs_espeak
from tests.ui.accessibility import audit
from ui.screens.technician import TechnicianPanel, open_technician

SHOTS = Path(os.environ["TECH_SHOTS"]) if os.environ.get("TECH_SHOTS") else None
WAIT_MS = 60_000  # espeak-ng twice on a loaded 2-core machine


@pytest.fixture
def panel(ui_kiosk, tmp_path: Path) -> TechnicianPanel:
    settings = tmp_path / "kiosk.toml"
    settings.write_text("")  # a kiosk not set up yet: speech on the simulator
    mode = TechnicianMode(settings, tmp_path / "tech", Role.TECHNICIAN)
    panel = open_technician(ui_kiosk.window, mode, None)
    panel.show_section("voice")
    return panel


def shot(window, name: str) -> None:
    for _turn in range(3):  # a text grown or shrunk by a line: laid out again first
        QApplication.processEvents()
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"{name}.png"))


def press(ui_kiosk, panel: TechnicianPanel, name: str) -> None:
    button = panel.findChild(QPushButton, name)
    assert button is not None and button.isVisible(), name
    ui_kiosk.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def chosen(panel: TechnicianPanel) -> set[str]:
    page = panel.voice
    options = [*page.voices.values(), *page.paces.values(), *page.volumes.values()]
    return {o.objectName() for o in options if o.isChecked()}


@pytest.mark.timeout(300)  # two waits for the engine on a loaded machine
def test_a_technician_sets_the_voice_and_a_kiosk_on_the_simulator_only_records(
    ui_kiosk, panel: TechnicianPanel
) -> None:
    page, window, output = panel.voice, ui_kiosk.window, panel.outputs["voice"]
    settings = panel.mode.config_path
    # Speech off, said plainly; the slow default is chosen and recommended.
    assert page.status_off.isVisible() and not page.status_on.isVisible()
    assert "chưa thể phục vụ người dân" in page.status_off.text()
    assert chosen(panel) == {"tech_pace_slow", "tech_volume_medium"}  # no voice while off
    assert "người cao tuổi" in page.headings["pace"].text()
    shot(window, "technician-voice-off")

    # "Nghe thử" on the simulator: nothing heard, the start screen recorded, said so.
    press(ui_kiosk, panel, "tech_voice_test")
    assert output.text() == Translator.text("tech.running", "vi")  # the GUI did not wait
    ui_kiosk.qtbot.waitUntil(lambda: "bộ mô phỏng" in output.text(), timeout=WAIT_MS)
    assert [u.text for u in page.simulator.transcript] == [attract_text("vi")]

    # Each choice is written at once, read back through the configuration loader.
    for name in ("tech_voice_south", "tech_pace_medium", "tech_volume_loud"):
        press(ui_kiosk, panel, name)
    d = load_config(settings, environ={}).devices
    assert (d.speech, d.speech_voice, d.speech_rate_wpm, d.speech_volume) == (
        "espeak",
        "vi-vn-x-south",
        160,
        140,
    )
    assert chosen(panel) == {"tech_voice_south", "tech_pace_medium", "tech_volume_loud"}
    assert output.text() == "Đã chọn: Âm lượng to"
    assert not any(p.startswith("devices.speech") for p in panel.mode.problems())
    press(ui_kiosk, panel, "tech_volume_loud")  # touched again: still the chosen one
    assert "tech_volume_loud" in chosen(panel)
    status = page.status_on if page.status_on.isVisible() else page.status_off
    if page.status_on.isVisible():  # espeak-ng installed: speech on, with what it uses
        assert "đang bật: Giọng miền Nam · 160 từ mỗi phút · âm lượng 140" in status.text()
    else:
        assert "chưa cài espeak-ng" in status.text()
    shot(window, "technician-voice")

    # A pace set outside the page (``kiosk config set``) shows as it is, none of the choices.
    write_setting(settings, "devices.speech_rate_wpm", "130")
    panel.show_section("checks")
    panel.show_section("voice")
    assert "130 từ mỗi phút" in page.status_on.text()
    assert not any(o.isChecked() for o in page.paces.values())

    # Readable and touchable in both themes and text sizes, in both languages.
    problems = audit(window, "technician-voice")
    window.set_theme(high_contrast=True, large_text=True)
    try:
        problems += audit(window, "technician-voice")
        shot(window, "technician-voice-large")
    finally:
        window.set_theme(high_contrast=False, large_text=False)
    ui_kiosk.core.tr.set_language("en")
    problems += audit(window, "technician-voice-en")
    assert problems == [], "\n".join(problems)
    for widget in page.findChildren(QPushButton):  # every control named, in English
        assert widget.text() and not widget.text().startswith("tech."), widget.objectName()
        assert widget.accessibleName() or widget is page.test, widget.objectName()
    assert panel.nav["voice"].text().endswith("Voice")
    assert page.voices["vi-vn-x-south"].accessibleName() == "Southern voice"
    assert "Speech is on: Southern voice · 130 words a minute" in page.status_on.text()
    shot(window, "technician-voice-en")


@needs_espeak
@needs_sox
@pytest.mark.timeout(300)
def test_the_test_button_says_the_start_screen_through_espeak_ng_and_it_is_not_silence(
    ui_kiosk, panel: TechnicianPanel
) -> None:
    output = panel.outputs["voice"]
    press(ui_kiosk, panel, "tech_voice_north")  # speech on, the Northern voice
    press(ui_kiosk, panel, "tech_voice_test")
    assert output.text() == Translator.text("tech.running", "vi")
    ui_kiosk.qtbot.waitUntil(lambda: "giây" in output.text(), timeout=WAIT_MS)
    wav = panel.mode.data_dir / "voice-test.wav"
    assert _stats(wav)["rms_db"] > -30  # real speech, not silence
    seconds = re.search(r"(\d+),(\d) giây", output.text())
    assert seconds is not None and 3 < float(".".join(seconds.groups())) < 30, output.text()
    # Played on the loudspeaker, or (a machine without a sound card) why it was not.
    played = Translator.text("tech.voice.played", "vi", seconds=seconds.group(0)[:-5])
    assert output.text() == played or "không phát được ra loa" in output.text(), output.text()

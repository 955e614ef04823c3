"""Technician mode's voice page: the voice the kiosk speaks with, its pace and loudness.

Issues 15 and 16: how the kiosk speaks is a technician's setting, with defaults chosen
for elderly listeners (the slow pace).  Every choice is written at once through
:class:`~kiosk.journeys.technician.TechnicianMode` (the typed configuration: a refused
value gets ``kiosk config set``'s one-line reason).  "Nghe thử / Play a sample" says the start
screen as a citizen hears it, on the panel's task runner (never the GUI thread), and
shows how long it lasted or, in plain words, why nobody heard it.  Whether speech is on
at all comes first: a kiosk left on the speech simulator cannot serve citizens
(:mod:`kiosk.doctor.readiness`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from devices.speech.espeak import engine_path
from devices.speech.simulator import SimulatedSpeaker
from kiosk.journeys.technician import TechnicianMode, VoiceTest
from kiosk.runtime.i18n import Translator
from kiosk.speech.script import ScreenParts, screen_script, spoken_text
from ui.screens.base import ChoiceButton, button, label

VOICES = dict(zip(TechnicianMode.VOICES, ("north", "central", "south"), strict=True))
PACES = dict(zip(TechnicianMode.PACES, ("slow", "medium", "fast"), strict=True))
VOLUMES = dict(zip(TechnicianMode.VOLUMES, ("quiet", "medium", "loud", "very_loud"), strict=True))


class Panel(Protocol):
    """What the page uses of :class:`ui.screens.technician.TechnicianPanel`."""

    mode: TechnicianMode
    tr: Translator
    pages: dict[str, QVBoxLayout]

    def _output(self, section: str) -> QLabel: ...

    def background(
        self, section: str, work: Callable[[], Any], done: Callable[[Any], str]
    ) -> None: ...

    def number(self, text: str) -> str: ...


def sample_text() -> str:
    """The start screen as the kiosk says it to a citizen (in Vietnamese, as the voices)."""
    tr = Translator("vi")
    parts = ScreenParts(
        title=tr("attract.title"), instruction=tr("attract.subtitle"), main_button=tr("tile.submit")
    )
    return spoken_text(screen_script(parts, tr), "vi", tr, headset=False)


class VoicePage(QWidget):
    """The page's controls, put on ``panel``'s "voice" page; its output is the panel's
    ``outputs["voice"]``.  ``simulator`` keeps what a kiosk on the speech simulator
    "said" when tested (it plays nothing)."""

    def __init__(self, panel: Panel) -> None:
        super().__init__()
        self.setObjectName("techVoice")
        self.panel, self.mode, self.tr = panel, panel.mode, panel.tr
        self.simulator = SimulatedSpeaker()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.status_on, self.status_off = label("badge"), label("errorText")
        layout.addWidget(self.status_on)
        layout.addWidget(self.status_off)
        self.headings: dict[str, QLabel] = {}
        self.voices = self._row(layout, "voice", VOICES, self.mode.choose_voice)
        self.paces = self._row(layout, "pace", PACES, self.mode.choose_pace)
        self.volumes = self._row(layout, "volume", VOLUMES, self.mode.choose_volume)
        self.kinds = (
            ("voice", self.voices, VOICES),
            ("pace", self.paces, PACES),
            ("volume", self.volumes, VOLUMES),
        )
        self.test = button("tech_voice_test", primary=True)
        self.test.clicked.connect(self.on_test)
        layout.addWidget(self.test, 0, Qt.AlignmentFlag.AlignLeft)
        self.output = panel._output("voice")
        layout.addWidget(self.output)
        panel.pages["voice"].insertWidget(0, self)  # above the page's closing stretch
        tr = self.tr
        handler = tr.language_changed.connect(lambda _l: self.retranslate())
        self.destroyed.connect(lambda: tr.language_changed.disconnect(handler))
        self.retranslate()

    def _row(
        self,
        layout: QVBoxLayout,
        kind: str,
        names: dict[Any, str],
        choose: Callable[[Any], None],
    ) -> dict[Any, ChoiceButton]:
        group = QVBoxLayout()
        group.setSpacing(4)
        heading = label()
        self.headings[kind] = heading
        group.addWidget(heading)
        row = QHBoxLayout()
        choices: dict[Any, ChoiceButton] = {}
        for value, name in names.items():
            option = ChoiceButton(f"tech_{kind}_{name}", exclusive=True)
            option.clicked.connect(lambda _c=False, v=value, o=option: self.choose(choose, v, o))
            choices[value] = option
            row.addWidget(option)
        row.addStretch(1)
        group.addLayout(row)
        layout.addLayout(group)
        return choices

    # Texts and state ------------------------------------------------------------------
    def retranslate(self) -> None:
        tr = self.tr
        for kind, heading in self.headings.items():
            heading.setText(tr(f"tech.voice.{kind}"))
        for kind, choices, names in self.kinds:
            for value, option in choices.items():
                option.setText(tr(f"tech.voice.{kind}.{names[value]}", wpm=value))
                option.setAccessibleName(tr(f"tech.voice.name.{kind}.{names[value]}", wpm=value))
        self.test.setText(tr("tech.voice.test"))
        self.refresh()

    def refresh(self) -> None:
        """Show the settings file as it is now: speech on or off, and each choice made."""
        tr = self.tr
        d = self.mode.config.devices
        on = d.speech == "espeak"
        installed = engine_path() is not None
        self.status_on.setVisible(on and installed)
        self.status_off.setVisible(not (on and installed))
        voice = VOICES.get(d.speech_voice)
        self.status_on.setText(
            "✓ "
            + tr(
                "tech.voice.on",
                voice=tr(f"tech.voice.name.voice.{voice}") if voice else d.speech_voice,
                wpm=d.speech_rate_wpm,
                volume=d.speech_volume,
            )
        )
        self.status_off.setText("✗ " + tr("tech.voice.no_engine" if on else "tech.voice.off"))
        for value, option in self.voices.items():
            option.setChecked(on and value == d.speech_voice)  # off: no voice is in use
        for value, option in self.paces.items():
            option.setChecked(value == d.speech_rate_wpm)
        for value, option in self.volumes.items():
            option.setChecked(value == d.speech_volume)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # the file may have changed (``kiosk config set``) since last shown

    # Actions ----------------------------------------------------------------------------
    def choose(self, choose: Callable[[Any], None], value: Any, option: ChoiceButton) -> None:
        try:
            choose(value)
            text = self.tr("tech.chosen", name=option.accessibleName())
        except Exception as exc:  # a refused setting: its one-line reason, on screen
            text = self.tr("tech.error", error=str(exc))
        self.refresh()  # a checkable button toggles itself: the file says what is chosen
        self.output.setText(text)

    def on_test(self) -> None:
        text = sample_text()
        self.panel.background(
            "voice", lambda: self.mode.speak_sample(text, self.simulator), self.describe
        )

    def describe(self, result: VoiceTest) -> str:
        """The test's outcome in plain words (on the GUI thread)."""
        seconds = self.panel.number(f"{result.seconds:.1f}")
        if result.speech != "espeak":
            return self.tr("tech.voice.recorded")
        if result.problem:
            return self.tr(
                f"tech.voice.problem.{result.problem}", seconds=seconds, detail=result.detail
            )
        return self.tr("tech.voice.played", seconds=seconds)

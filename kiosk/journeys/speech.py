"""Spoken guidance: the screen read aloud, the headset, and more time while listening.

Not a journey of its own steps: a controller beside them (AusweisApp's workflows have
one per concern).  The citizen turns speech on with the "Nghe hướng dẫn / Listen"
button every screen has; from then on each screen is said when it appears, until the
visit ends.  Personal values are said only in headset mode (a headset plugged into the
kiosk's jack, or chosen by the citizen); through the loudspeaker they are left out.
Speech is cut off as soon as the screen changes, and speech mode doubles the idle
time (WCAG 2.2.1: listening takes longer than reading).

Threading contract: everything here runs on the core thread; the speaker's
``headset_changed`` is re-posted through the dispatcher.  The speaker never blocks.
"""

from __future__ import annotations

from devices.speech.base import Speaker
from kiosk.base.events import Signal
from kiosk.journeys.base import JourneyContext
from kiosk.runtime.flow import Step, Transition
from kiosk.speech.script import Phrase, ScreenParts, personal_needles, screen_script, spoken_text

SPEECH_TIME_FACTOR = 2


class SpeechGuide:
    def __init__(self, context: JourneyContext, speaker: Speaker) -> None:
        self.context = context
        self.speaker = speaker
        self.on = False  # the citizen asked for speech during this visit
        self.chosen_headset = False  # the citizen chose the headset on screen
        self.plugged = False  # a headset is in the jack
        self._warned = False
        self.changed = Signal("speech_changed")  # () on, headset
        speaker.headset_changed.connect(lambda on: context.dispatcher.post(self._plug, on))
        context.machine.step_changed.connect(self._on_transition)

    @property
    def headset(self) -> bool:
        return self.plugged or self.chosen_headset

    # What the citizen does --------------------------------------------------------------
    def listen(self, parts: ScreenParts) -> None:
        """The Listen button: say this screen now, and every screen from now on."""
        if not self.on:
            self.on = True
            self.context.idle.scale(SPEECH_TIME_FACTOR)
            self.changed.emit()
        self.say(screen_script(parts, self.context.tr))

    def set_headset(self, chosen: bool) -> None:
        """The citizen says a headset is in use (or no longer)."""
        self.chosen_headset = chosen
        self.changed.emit()

    # What the screens report ------------------------------------------------------------
    def screen_shown(self, parts: ScreenParts) -> None:
        """A screen (or a page of the form) appeared: said when speech is on."""
        if self.on:
            self.say(screen_script(parts, self.context.tr))

    def idle_warning(self, seconds: int) -> None:
        """The 'more time?' warning opened (the core repeats it every second: said once)."""
        if not self.on or self._warned:
            return
        self._warned = True
        tr = self.context.tr
        parts = ScreenParts(
            title=tr("idle.title"),
            instruction=tr("idle.countdown", seconds=seconds),
            main_button=tr("idle.continue"),
        )
        self.say(screen_script(parts, tr))

    def idle_cleared(self) -> None:
        self._warned = False

    # Saying -----------------------------------------------------------------------------
    def needles(self) -> list[str]:
        """The session's personal values, never said through the loudspeaker."""
        session = self.context.session
        values: list[str] = []
        if session.identity is not None:
            values += session.identity.scrub_values()
        values += [str(v) for v in session.answers.values() if v]
        return personal_needles(values)

    def say(self, phrases: list[Phrase]) -> None:
        tr = self.context.tr
        text = spoken_text(phrases, tr.language, tr, headset=self.headset, needles=self.needles())
        if text.strip():
            self.speaker.say(text, tr.language, headset=self.headset)

    def cut_off(self) -> None:
        self.speaker.stop()

    # Life cycle -------------------------------------------------------------------------
    def _on_transition(self, transition: Transition) -> None:
        self.cut_off()  # whatever the old screen was saying
        self._warned = False
        if transition.target is Step.ATTRACT:
            self.end_visit()

    def end_visit(self) -> None:
        """The visit ended (the start screen again): the next citizen starts silent, on the
        loudspeaker, with the configured time; nothing said is kept."""
        self.speaker.forget()
        if self.on or self.chosen_headset:
            self.on = False
            self.chosen_headset = False
            self.context.idle.scale(1)
            self.changed.emit()

    def _plug(self, plugged: bool) -> None:
        self.plugged = plugged
        self.changed.emit()

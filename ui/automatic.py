"""The automatic driver: walks the real screens with simulated devices.

Like AusweisApp's automatic UI plugin, it acts where a citizen would: it
clicks the real buttons (by object name or ``tour`` property), types into the
real fields, places and removes the simulated card, and lets idle time pass
by moving the core's clock.  ``kiosk demo-tour`` saves one PNG per screen;
the tests use the same script.

The script is a generator: each ``yield`` hands back a condition, and the
driver resumes it once the condition holds (polled from a Qt timer, so the
event loop keeps running and screens render as they would for a person).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QWidget,
)

from kiosk.app import Simulators
from kiosk.core import KioskCore
from kiosk.runtime.flow import Step
from ui.main_window import KioskWindow
from ui.screens.base import Screen

log = logging.getLogger(__name__)

Condition = Callable[[], bool]


class TourError(RuntimeError):
    """The tour could not go on (a screen did not appear, a button was missing)."""


class TourClock:
    """A monotonic clock the driver can move forward (to let idle time pass)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


class AutomaticDriver(QObject):
    finished = Signal()

    def __init__(
        self,
        window: KioskWindow,
        core: KioskCore,
        sims: Simulators,
        clock: TourClock,
        screenshot_dir: Path | None,
        wait_timeout_s: float = 15.0,
        inspect: Callable[[KioskWindow, str], None] | None = None,
        switch_language_at: str | None = None,
    ) -> None:
        super().__init__()
        # A citizen who changes language half-way: before the shot of that name (or number).
        self.switch_language_at = switch_language_at
        self.languages: dict[str, str] = {}  # shot name -> the language it was taken in
        self.window = window
        self.core = core
        self.sims = sims
        self.clock = clock
        self.screenshot_dir = screenshot_dir
        self.wait_timeout_s = wait_timeout_s
        self.inspect = inspect  # called at every screenshot point (tests check the screen)
        self.screenshots: list[Path] = []
        self.visited: list[Step] = []
        self.error: BaseException | None = None
        self._script: Iterator[Condition] | None = None
        self._condition: Condition | None = None
        self._deadline = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(25)
        self._timer.timeout.connect(self._poll)
        core.step_changed.connect(lambda t: self.visited.append(t.target))

    # Running ----------------------------------------------------------------
    def start(self, script: Iterator[Condition] | None = None) -> None:
        self._script = script or self.citizen_tour()
        self._condition = lambda: True
        self._deadline = time.monotonic() + self.wait_timeout_s
        self._timer.start()

    def _poll(self) -> None:
        assert self._script is not None and self._condition is not None
        try:
            if not self._condition():
                if time.monotonic() > self._deadline:
                    raise TourError(f"timed out waiting in step {self.core.step.value}")
                return
            self._condition = next(self._script)
            self._deadline = time.monotonic() + self.wait_timeout_s
        except StopIteration:
            self._stop()
        except BaseException as exc:  # report, never hang the event loop
            self.error = exc
            self._stop()

    def _stop(self) -> None:
        self._timer.stop()
        self.finished.emit()

    # Helpers -------------------------------------------------------------------
    def at(self, step: Step) -> Condition:
        return lambda: (
            self.core.step is step
            and self.window.stack.currentWidget() is (self.window.screens[step])
        )

    def settle(self, ms: int = 150) -> Condition:
        until = time.monotonic() + ms / 1000
        return lambda: time.monotonic() >= until

    def find_button(self, name: str) -> QPushButton:
        for widget in self.window.findChildren(QPushButton):
            if (widget.objectName() == name or widget.property("tour") == name) and (
                widget.isVisible()
            ):
                return widget
        raise TourError(f"no visible button {name!r} on step {self.core.step.value}")

    def type_on_keyboard(self, keys: str) -> None:
        """Touch the on-screen keyboard's keys (capitals through its Shift key)."""
        for char in keys:
            if char == " ":
                self.click("key_space")
                continue
            if char.isupper():
                self.click("key_shift")
            self.click(f"key_{char.lower()}")

    def page(self, key: str) -> Condition:
        """The form shows the page of ``key``."""
        return lambda: (
            self.core.step is Step.FILL_FORM
            and self.core.forms.form is not None
            and self.core.forms.form.page_key == key
        )

    def pick(self, name: str, text: str) -> None:
        """Touch the entry ``text`` of the list ``name``."""
        items = next(
            (i for i in self.window.findChildren(QListWidget, name) if i.isVisible()), None
        )
        if items is None:
            raise TourError(f"no visible list {name!r}")
        found = items.findItems(text, Qt.MatchFlag.MatchExactly)
        if not found:
            raise TourError(f"{text!r} is not in the list {name!r}")
        items.scrollToItem(found[0])
        centre = items.visualItemRect(found[0]).center()
        QTest.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=centre)

    def click(self, name: str) -> None:
        QTest.mouseClick(self.find_button(name), Qt.MouseButton.LeftButton)

    def type_into(self, name: str, text: str) -> None:
        edit = next((e for e in self.window.findChildren(QLineEdit, name) if e.isVisible()), None)
        if edit is None:
            raise TourError(f"no visible field {name!r}")
        edit.setFocus()
        edit.clear()
        # Key events carrying text (QTest.keyClicks only knows ASCII key codes).
        for char in text:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )

    def shown(self, name: str) -> Condition:
        """The field ``name`` is on screen (a page part built on the next turn)."""
        return lambda: any(e.isVisible() for e in self.window.findChildren(QLineEdit, name))

    def visible(self, widget: QWidget) -> Condition:
        return widget.isVisible

    def require_in_view(self, widget: QWidget, what: str, part: QRect | None = None) -> None:
        """Fail the tour unless a citizen can see ``widget`` whole (or its ``part``, in its
        own coordinates): shown, inside the part of its scroll area on screen, inside the
        window, and not under the on-screen keyboard."""
        if not widget.isVisible():
            raise TourError(f"{what} is not shown on step {self.core.step.value}")
        window = self.window
        area = part if part is not None else QRect(QPoint(0, 0), widget.size())
        rect = QRect(widget.mapTo(window, area.topLeft()), area.size())
        if not window.rect().contains(rect):
            raise TourError(f"{what} is outside the screen on step {self.core.step.value}")
        parent = widget.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            viewport = parent.viewport()
            seen = QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size())
            if not seen.contains(rect):
                raise TourError(f"{what} is scrolled out of view on step {self.core.step.value}")
        keyboard = window.keyboard
        if keyboard.isVisible():
            covered = QRect(keyboard.mapTo(window, QPoint(0, 0)), keyboard.size())
            if covered.intersects(rect):
                raise TourError(f"{what} is under the keyboard on step {self.core.step.value}")

    def require_typing_in_view(self) -> None:
        """With the keyboard up: the field typed in and what it controls (its companions:
        the first search result, the list to pick from, its message, the error summary)
        are all in sight, none under the keys."""
        field = QApplication.focusWidget()
        screen = self.window.stack.currentWidget()
        if not self.window.keyboard.isVisible() or not isinstance(field, QLineEdit):
            return
        self.require_in_view(field, f"the field {field.objectName()!r} being typed in")
        companions = screen.companions(field) if isinstance(screen, Screen) else []
        for widget in companions:
            if not widget.isVisible():
                continue
            what = f"{widget.objectName() or type(widget).__name__} (with {field.objectName()!r})"
            if isinstance(widget, QListWidget):
                if widget.count():  # its first entry, where the citizen's eyes go
                    first = widget.visualItemRect(widget.item(0))
                    first.moveTopLeft(widget.viewport().mapTo(widget, first.topLeft()))
                    self.require_in_view(widget, f"the first entry of {what}", first)
            else:
                self.require_in_view(widget, what)

    def shot(self, name: str) -> None:
        switch = self.switch_language_at
        if switch is not None and switch in (name, str(len(self.screenshots) + 1)):
            self.switch_language_at = None
            other = "en" if self.core.tr.language == "vi" else "vi"
            self.click(f"lang_{other}")
        # The step this shot is of: a short one (submitting) may end while it is checked.
        self.window.setProperty("tourStep", self.core.step.value)
        QApplication.processEvents()
        self.languages[name] = self.core.tr.language
        if self.screenshot_dir is not None:  # first: a screen the checks fail is looked at
            path = self.screenshot_dir / f"{len(self.screenshots) + 1:02d}-{name}.png"
            if not self.window.grab().save(str(path)):
                raise TourError(f"could not save {path}")
            self.screenshots.append(path)
        self.require_typing_in_view()  # on every screen, in every tour: never under the keys
        if self.inspect is not None:
            self.inspect(self.window, name)

    def type_key(self, card: object, expiry: str | None = None) -> Iterator[Condition]:
        """Type the card's access key on the keypad screen and press 'Read card'."""
        if not self.window.findChild(QLineEdit, "access_id_number").isVisible():
            self.click("access_mode_numbers")  # the screen opens on the QR code
        yield lambda: self.window.findChild(QLineEdit, "access_id_number").isVisible()
        self.type_into("access_id_number", card.id_number)  # type: ignore[attr-defined]
        self.type_into("access_birth", f"{card.date_of_birth:%d/%m/%Y}")  # type: ignore[attr-defined]
        self.type_into("access_expiry", expiry or f"{card.date_of_expiry:%d/%m/%Y}")  # type: ignore[attr-defined]
        self.click("access_read")

    def open_birth_registration(self) -> Iterator[Condition]:
        """From the procedure list to the form's first page: searched without accents (as
        many citizens type), its requirements read, the card's data confirmed."""
        self.type_into("procedure_search", "khai sinh")
        yield self.settle()
        self.shot("choose-service-search")
        self.click("procedure_LT-KS-TT-BHYT")
        yield self.at(Step.REQUIREMENTS)
        yield self.settle()
        self.shot("requirements")
        self.click("req_start")
        yield self.at(Step.FILL_FORM)

    # The script ----------------------------------------------------------------
    def citizen_tour(self) -> Iterator[Condition]:
        core, sims, window = self.core, self.sims, self.window
        assert sims.reader is not None and sims.card is not None
        reader, card = sims.reader, sims.card
        S = Step  # noqa: N806

        # Main journey: submit a dossier.
        yield self.at(S.ATTRACT)
        yield self.settle(200)
        self.shot("attract")
        self.click("tile_submit")
        yield self.at(S.INSERT_CARD)
        self.shot("insert-card")
        reader.insert(card)
        yield self.at(S.ACCESS_KEY)
        # The camera already looks for the card's QR code: nothing to touch.
        yield lambda: window.screens[S.ACCESS_KEY].preview._image is not None
        yield self.settle()
        self.shot("access-key")
        # The numbers typed instead, with a mistyped expiry date: the chip refuses.
        yield from self.type_key(card, expiry="14/03/2044")
        yield self.at(S.ACCESS_KEY)
        yield self.settle()
        self.shot("access-key-rejected")
        # Then the easy way: the QR code on the card's front, read by the camera.
        self.click("access_mode_qr")
        yield lambda: window.screens[S.ACCESS_KEY].preview._image is not None
        yield self.settle(100)
        self.shot("access-key-qr")
        self.click("demo_qr")
        yield self.at(S.READING_CARD)
        yield lambda: window.screens[S.READING_CARD]._current is not None
        self.shot("reading-card")
        yield self.at(S.FACE_CHECK)
        yield lambda: window.screens[S.FACE_CHECK].preview._image is not None
        # The real check runs on the demo camera: guidance, then the first challenge.
        yield (
            lambda: (
                core.face.progress is not None
                and core.face.progress.phase.value
                in (
                    "challenge",
                    "not_live",
                )
            )
        )
        yield self.settle(100)
        self.shot("face-check")
        # The drawn demo face cannot blink or turn: the demo operator passes the step.
        self.click("demo_face_ok")
        yield self.at(S.CHOOSE_SERVICE)
        yield self.settle()
        self.shot("choose-service")
        yield from self.open_birth_registration()
        yield self.settle()
        # The eligibility questions, one per page, one touch each (the touch moves on); a
        # home birth adds pages and a paper; the 60-day question is never asked: the
        # child's date of birth will say it.
        answers = [
            ("declarant_role", "mother"),
            ("born_in_facility", "no"),
            ("parents_married", "no"),
        ]
        for number, (key, value) in enumerate(answers, start=1):
            yield self.page(key)
            yield self.settle(50)
            self.click(f"choice_{key}_{value}")
            self.shot(f"form-{number:02d}-{key}")  # the answer marked, about to move on
        yield self.page("child_name")
        self.click("form_continue")  # nothing typed: the error summary
        yield self.settle()
        self.shot("form-04-child_name-error")
        # The citizen types the name on the on-screen keyboard, in Telex.
        yield self.visible(window.keyboard)
        self.type_on_keyboard("Traanf Minh Khooi")
        yield self.settle(50)
        self.shot("form-04-child_name-keyboard")
        self.click("form_continue")
        yield self.page("child_dob")
        self.type_into("field_child_dob", "01/11/2026")
        self.shot("form-05-child_dob")
        self.click("form_continue")
        yield self.page("child_sex")
        yield self.settle(50)
        self.click("choice_child_sex_female")
        self.shot("form-06-child_sex")
        yield self.page("child_birthplace")
        yield self.settle(50)
        self.shot("form-07-child_birthplace-offers")  # the card's address: one touch
        self.type_into("filter_child_birthplace_province", "ha noi")
        yield self.settle(50)
        self.shot("form-07-child_birthplace-province")
        self.pick("list_child_birthplace_province", "Thành phố Hà Nội")
        yield self.shown("filter_child_birthplace_commune")
        self.type_into("filter_child_birthplace_commune", "cua nam")
        yield self.settle(50)
        self.pick("list_child_birthplace_commune", "Phường Cửa Nam")
        yield self.shown("field_child_birthplace_detail")
        self.type_into("field_child_birthplace_detail", "Số 5 ngõ 10 phố Hàng Bông")
        yield self.settle(50)
        self.shot("form-07-child_birthplace")
        self.click("form_continue")
        yield self.page("father_name")
        self.shot("form-08-father_name-optional")
        self.click("form_continue")
        yield self.page("phone")
        self.type_into("field_phone", "0912345678")
        self.shot("form-09-phone")
        self.click("form_continue")
        yield self.at(S.CAPTURE_PAPERS)
        yield self.settle()
        self.shot("papers")
        # The witness statement is photographed: the kiosk finds the page and takes it.
        self.click("paper_capture_witness_statement")
        yield self.settle(200)
        self.shot("papers-camera")
        self.click("demo_paper")
        yield lambda: core.papers.taken is not None
        yield self.settle(100)
        self.shot("papers-photo")
        self.click("paper_keep")
        yield self.settle()
        self.shot("papers-attached")
        self.click("papers_continue")
        yield self.at(S.CHECK_ANSWERS)
        yield self.settle()
        self.shot("check-answers")
        self.click("send")
        yield self.at(S.SUBMITTING)
        self.shot("submitting")
        yield self.at(S.RECEIPT)
        self.shot("receipt")
        code = core.session.dossier_code or ""
        self.click("receipt_continue")
        yield self.at(S.RATING)
        self.shot("rating")
        self.click("rate_dissatisfied")
        self.click("rating_send")
        yield self.settle()
        self.shot("rating-reason-required")
        self.click("rate_very_satisfied")
        yield self.at(S.GOODBYE)
        self.shot("goodbye")
        reader.remove()
        self.click("home")
        yield self.at(S.ATTRACT)

        # Side journey: look the dossier up.
        self.click("tile_lookup")
        yield self.at(S.LOOKUP)
        self.shot("lookup")
        self.type_into("lookup_code", code)
        self.type_into("lookup_id", card.id_number)
        self.click("lookup_search")
        yield self.visible(window.screens[S.LOOKUP].result)
        self.shot("lookup-result")
        self.click("back")
        yield self.at(S.ATTRACT)

        # Side journey: take a queue number.
        self.click("tile_queue")
        yield self.at(S.QUEUE_TICKET)
        self.shot("queue")
        self.click("queue_A")
        yield self.visible(window.screens[S.QUEUE_TICKET].ticket)
        yield lambda: core.tickets.last is not None and core.tickets.last.printed is not None
        yield self.settle(50)
        self.shot("queue-ticket")
        self.click("queue_done")
        yield self.at(S.ATTRACT)

        # Side journey: browse procedures without identifying.
        self.click("tile_browse")
        yield self.at(S.BROWSE)
        yield self.settle()
        self.shot("browse")
        # The last procedure of the list: its detail opens under it, scrolled into view.
        browse = window.screens[S.BROWSE]
        last = list(browse.items)[-1]  # type: ignore[attr-defined]
        self.click(f"procedure_{last}")
        yield self.settle()
        self.require_in_view(browse.detail, "the procedure's detail")  # type: ignore[attr-defined]
        self.shot("browse-detail")
        self.click("back")
        yield self.at(S.ATTRACT)

        # Side journey: call staff.
        self.click("callStaff")
        yield self.at(S.STAFF_HELP)
        self.shot("staff-help")
        self.click("resume")
        yield self.at(S.ATTRACT)

        # Idle: the warning, then the timeout.
        self.click("tile_submit")
        yield self.at(S.INSERT_CARD)
        cfg = core.config.session
        self.clock.offset += cfg.idle_timeout_s - cfg.idle_warning_s + 1
        yield self.visible(window.overlay)
        self.shot("idle-warning")
        self.clock.offset += cfg.idle_warning_s + 1
        yield self.at(S.ATTRACT)
        yield self.settle()
        self.shot("attract-after-timeout")

        # The card pulled out in the middle of a session.
        reader.insert(card)
        yield self.at(S.ACCESS_KEY)
        yield from self.type_key(card)
        yield self.at(S.FACE_CHECK)
        reader.remove()
        yield self.at(S.ATTRACT)
        yield self.settle()
        self.shot("attract-after-card-removed")

        # Accessibility: larger text and high contrast (those not on already), and back.
        touched = [
            name
            for name, on in (
                ("large_text", window.theme.large_text),
                ("high_contrast", window.theme.high_contrast),
            )
            if not on
        ]
        for name in touched:
            self.click(name)
        yield self.settle()
        self.shot("attract-large-high-contrast")
        for name in touched:
            self.click(name)

        # The other areas' walks (staff, technician, payment, speech...).
        from ui.tour_parts import all_parts

        yield from all_parts(self)


def run_tour(
    screenshot_dir: Path | None,
    language: str = "vi",
    data_dir: Path | None = None,
    inspect: Callable[[KioskWindow, str], None] | None = None,
    *,
    size: tuple[int, int] = (1280, 800),
    large_text: bool = False,
    high_contrast: bool = False,
    switch_language_at: str | None = None,
    walk: Callable[[AutomaticDriver], Iterator[Condition]] | None = None,
) -> AutomaticDriver:
    """Build a demo kiosk (simulated devices), drive the citizen tour, return the driver.

    ``size`` is the screen (1080×1920 for an upright kiosk); ``large_text`` and
    ``high_contrast`` start the kiosk with those settings; ``switch_language_at`` names the
    shot (or its number) before which the citizen touches the other language; ``walk`` gives
    the script (the citizen tour when None; ``ui.key_screens.key_screens``: the shorter one).
    """
    import tempfile

    from kiosk.runtime.config import KioskConfig, RuntimeFlags
    from ui.app import application, build_window

    app = application()
    own_tmp = None
    if data_dir is None:
        own_tmp = tempfile.TemporaryDirectory(prefix="kiosk-tour-")
        data_dir = Path(own_tmp.name)
    width, height = size
    config = KioskConfig().replace(
        ui={
            "language": language,
            "fullscreen": False,
            "width": width,
            "height": height,
            "large_text": large_text,
            "high_contrast": high_contrast,
        },
        storage={"data_dir": str(data_dir)},
    )
    clock = TourClock()
    window, core, sims, _dispatcher = build_window(
        config, RuntimeFlags(demo=True, windowed=True), clock=clock, card_apdu_delay_s=0.04
    )
    from devices.printer.simulator import SimulatedPrinter

    if isinstance(core.devices.printer, SimulatedPrinter):
        core.devices.printer.delay_s = 0.5  # long enough to see the 'submitting' screen
    if screenshot_dir is not None:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
    core.start()
    window.show()
    driver = AutomaticDriver(
        window,
        core,
        sims,
        clock,
        screenshot_dir,
        inspect=inspect,
        switch_language_at=switch_language_at,
    )
    loop = QEventLoop()
    driver.finished.connect(loop.quit)
    driver.start(walk(driver) if walk is not None else None)
    loop.exec()
    core.stop()
    window.close()
    window.deleteLater()
    # Deleted now, not at some later turn of an event loop that may never come: a window
    # left alive would be restyled with every theme change of the next one.
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    if own_tmp is not None:
        own_tmp.cleanup()
    if driver.error is not None:
        raise TourError(str(driver.error)) from driver.error
    if driver.switch_language_at is not None:  # a renamed shot must not pass unnoticed
        raise TourError(f"no shot {driver.switch_language_at!r} to switch language at")
    return driver

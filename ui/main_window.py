"""The kiosk window: header, the screen stack, the idle warning, the demo panel."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QClipboard, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from devices.camera.simulator import SimulatedCamera, demo_paper_sequence
from kiosk.app import Simulators
from kiosk.core import KioskCore
from kiosk.runtime.flow import Step, Transition
from kiosk.scan.qr import qr_frame
from ui.keyboard import OnScreenKeyboard
from ui.screens.base import Screen, button, label
from ui.screens.form import CheckAnswersScreen, FormScreen, RequirementsScreen
from ui.screens.identify import (
    AccessKeyScreen,
    FaceCheckScreen,
    InsertCardScreen,
    ReadingCardScreen,
)
from ui.screens.journeys import LookupScreen, QueueScreen, RatingScreen
from ui.screens.papers import PapersScreen
from ui.screens.procedure import (
    BrowseScreen,
    ChooseServiceScreen,
    ReceiptScreen,
    SubmittingScreen,
)
from ui.screens.start import AttractScreen, GoodbyeScreen, StaffHelpScreen
from ui.theme import Theme

SCREENS: tuple[type[Screen], ...] = (
    AttractScreen,
    InsertCardScreen,
    AccessKeyScreen,
    ReadingCardScreen,
    FaceCheckScreen,
    ChooseServiceScreen,
    RequirementsScreen,
    FormScreen,
    PapersScreen,
    CheckAnswersScreen,
    SubmittingScreen,
    ReceiptScreen,
    RatingScreen,
    GoodbyeScreen,
    LookupScreen,
    QueueScreen,
    BrowseScreen,
    StaffHelpScreen,
)

USER_INPUT_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.Wheel,
}


class Header(QFrame):
    def __init__(self, window: KioskWindow) -> None:
        super().__init__()
        self.setObjectName("header")
        core = window.core
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 8, 24, 8)
        row.setSpacing(12)
        self.centre = label("centreName")
        self.centre.setText(core.config.centre.name)
        self.centre.setMinimumWidth(160)
        self.centre.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.centre, 1)
        self.clock = label("clock", wrap=False)
        row.addWidget(self.clock)
        self.vi = button("lang_vi")
        self.vi.setText("Tiếng Việt")
        self.en = button("lang_en")
        self.en.setText("English")
        for btn, lang in ((self.vi, "vi"), (self.en, "en")):
            btn.setCheckable(True)
            btn.clicked.connect(lambda _=False, lg=lang: window.set_language(lg))
            row.addWidget(btn)
        self.larger = button("large_text")
        self.larger.setCheckable(True)
        self.larger.clicked.connect(lambda on: window.set_theme(large_text=on))
        row.addWidget(self.larger)
        self.contrast = button("high_contrast")
        self.contrast.setCheckable(True)
        self.contrast.clicked.connect(lambda on: window.set_theme(high_contrast=on))
        row.addWidget(self.contrast)
        self.staff = button("callStaff")
        self.staff.clicked.connect(core.staff.call)
        row.addWidget(self.staff)
        self.retranslate(core)

    def retranslate(self, core: KioskCore) -> None:
        self.vi.setChecked(core.tr.language == "vi")
        self.en.setChecked(core.tr.language == "en")
        self.staff.setText(core.tr("header.call_staff"))
        self.larger.setText("A+ " + core.tr("header.large_text"))
        self.contrast.setText("◐ " + core.tr("header.high_contrast"))
        self.tick()

    def tick(self) -> None:
        self.clock.setText(datetime.now().strftime("%H:%M  %d/%m/%Y"))


class IdleOverlay(QWidget):
    """'Do you need more time?': one touch on Continue keeps the session (WCAG 2.2.1)."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.core = window.core
        self.setObjectName("overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card = QFrame()
        card.setObjectName("overlayCard")
        card.setMinimumWidth(640)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(40, 32, 40, 32)
        inner.setSpacing(16)
        self.title = label("title")
        self.countdown = label()
        inner.addWidget(self.title)
        inner.addWidget(self.countdown)
        row = QHBoxLayout()
        self.end = button("idle_end")
        self.end.clicked.connect(self.core.cancel)
        self.more = button("idle_continue", primary=True)
        self.more.clicked.connect(self.core.continue_session)
        row.addWidget(self.end)
        row.addStretch(1)
        row.addWidget(self.more)
        inner.addLayout(row)
        outer.addWidget(card)
        self.hide()
        self._seconds = 0

    def show_warning(self, seconds: int) -> None:
        self._seconds = seconds
        self.retranslate()
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.more.setFocus()

    def retranslate(self) -> None:
        tr = self.core.tr
        self.title.setText(tr("idle.title"))
        self.countdown.setText(tr("idle.countdown", seconds=self._seconds))
        self.more.setText(tr("idle.continue"))
        self.end.setText(tr("idle.end"))


class DemoPanel(QFrame):
    """Demo mode only: stands in for the citizen's hands on the simulated reader."""

    def __init__(self, window: KioskWindow, sims: Simulators) -> None:
        super().__init__()
        self.setObjectName("demoPanel")
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 4, 16, 4)
        caption = label(wrap=False)
        caption.setText("DEMO")
        row.addWidget(caption)
        insert = button("demo_insert")
        insert.setText("▶ Đặt thẻ / Place card")
        remove = button("demo_remove")
        remove.setText("⏏ Rút thẻ / Remove")
        assert sims.reader is not None and sims.card is not None
        reader, card = sims.reader, sims.card
        insert.clicked.connect(lambda: reader.insert(card))
        remove.clicked.connect(reader.remove)
        row.addWidget(insert)
        row.addWidget(remove)
        camera = window.core.devices.camera
        if isinstance(camera, SimulatedCamera):
            show_qr = button("demo_qr")
            show_qr.setText("▦ QR → camera")
            show_qr.clicked.connect(lambda: camera.show([qr_frame(card.qr_text())]))
            # Once read, the person is back in front of the camera for the face check.
            window.core.identify.qr_result.connect(lambda _key: camera.show(None))
            row.addWidget(show_qr)
            show_paper = button("demo_paper")
            show_paper.setText("▤ Giấy tờ → camera / Paper")
            show_paper.clicked.connect(lambda: camera.show(demo_paper_sequence()))
            # Once taken, the person is back in front of the camera.
            window.core.papers.changed.connect(
                lambda: camera.show(None) if window.core.papers.taken is not None else None
            )
            row.addWidget(show_paper)
        face_ok = button("demo_face_ok")
        face_ok.setText("✓ Khuôn mặt / Face")
        # The demo's drawn face cannot blink or turn its head: the operator passes the step.
        face_ok.clicked.connect(
            lambda: window.core.face.confirmed() if window.core.step is Step.FACE_CHECK else None
        )
        row.addWidget(face_ok)
        row.addStretch(1)


class KioskWindow(QMainWindow):
    def __init__(self, core: KioskCore, sims: Simulators | None = None) -> None:
        super().__init__()
        self.core = core
        cfg = core.config.ui
        self.theme = Theme(high_contrast=cfg.high_contrast, large_text=cfg.large_text)
        self.setWindowTitle(core.config.centre.name)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = Header(self)
        layout.addWidget(self.header)
        self.stack = QStackedWidget()
        self.stack.setObjectName("screenStack")
        layout.addWidget(self.stack, 1)
        self.screens: dict[Step, Screen] = {}
        for cls in SCREENS:
            screen = cls(core)
            self.screens[screen.step] = screen
            self.stack.addWidget(screen)
        self.keyboard = OnScreenKeyboard(core.tr)
        self.keyboard.hide()
        self.keyboard.done.connect(self.hide_keyboard)
        layout.addWidget(self.keyboard)
        self.demo_panel: DemoPanel | None = None
        if sims is not None and sims.reader is not None:
            self.demo_panel = DemoPanel(self, sims)
            layout.addWidget(self.demo_panel)
        self.setCentralWidget(central)
        self.overlay = IdleOverlay(self)

        core.step_changed.connect(self.on_step_changed)
        core.session_wiped.connect(self.on_session_wiped)
        core.idle_warning.connect(self.overlay.show_warning)
        core.idle_cleared.connect(self.overlay.hide)
        core.tr.language_changed.connect(lambda _lang: self.retranslate())

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.on_tick)
        self.timer.start()
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        if core.config.ui.on_screen_keyboard:
            app = QApplication.instance()
            app.focusChanged.connect(self.on_focus_changed)  # type: ignore[union-attr]
        self.apply_theme()
        self.show_step(core.step)

    # Events --------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in USER_INPUT_EVENTS:
            self.core.user_activity()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.overlay.setGeometry(self.rect())

    def on_tick(self) -> None:
        self.header.tick()
        self.core.tick()

    def on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The keyboard follows the focus: shown for an editable field, hidden otherwise."""
        wanted = isinstance(new, QLineEdit) and new.property("keyboard") != "none"
        if wanted and not new.isReadOnly() and self.isAncestorOf(new):
            self.keyboard.attach(new)
            if self.demo_panel is not None:
                self.demo_panel.hide()  # the keyboard takes its place (demo mode only)
            self.keyboard.show()
            screen = self.stack.currentWidget()
            if isinstance(screen, Screen) and screen.isAncestorOf(new):
                # Once the layout has shrunk the page: the field stays in sight.
                QTimer.singleShot(0, lambda: screen.scroll_area.ensureWidgetVisible(new, 20, 20))
        elif new is not None and not self.keyboard.isAncestorOf(new):
            self.hide_keyboard()

    def hide_keyboard(self) -> None:
        self.keyboard.detach()
        self.keyboard.hide()
        if self.demo_panel is not None:
            self.demo_panel.show()

    def on_step_changed(self, transition: Transition) -> None:
        self.overlay.hide()
        self.hide_keyboard()
        self.show_step(transition.target, transition)

    def show_step(self, step: Step, transition: Transition | None = None) -> None:
        screen = self.screens[step]
        self.stack.setCurrentWidget(screen)
        if transition is None:
            screen.refresh()
        else:
            screen.on_enter(transition)

    def on_session_wiped(self) -> None:
        self.hide_keyboard()
        for screen in self.screens.values():
            screen.reset()
        clipboard = QApplication.clipboard()
        clipboard.clear()
        if clipboard.supportsSelection():  # X11's PRIMARY: whatever text was last selected
            clipboard.clear(QClipboard.Mode.Selection)
        # The next citizen starts from the kiosk's own settings, not the last one's.
        cfg = self.core.config.ui
        self.theme = Theme(high_contrast=cfg.high_contrast, large_text=cfg.large_text)
        self.apply_theme()
        if self.core.tr.language != cfg.language:
            self.set_language(cfg.language)

    # Settings the citizen can change -----------------------------------
    def set_language(self, language: str) -> None:
        self.core.tr.set_language(language)
        self.header.retranslate(self.core)

    def retranslate(self) -> None:
        self.header.retranslate(self.core)
        self.keyboard.retranslate()
        for screen in self.screens.values():
            screen.retranslate()
        if self.overlay.isVisible():
            self.overlay.retranslate()

    def set_theme(
        self, *, high_contrast: bool | None = None, large_text: bool | None = None
    ) -> None:
        self.theme = Theme(
            high_contrast=self.theme.high_contrast if high_contrast is None else high_contrast,
            large_text=self.theme.large_text if large_text is None else large_text,
        )
        self.apply_theme()

    def apply_theme(self) -> None:
        self.header.larger.setChecked(self.theme.large_text)
        self.header.contrast.setChecked(self.theme.high_contrast)
        QApplication.instance().setStyleSheet(self.theme.stylesheet())  # type: ignore[union-attr]

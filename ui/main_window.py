"""The kiosk window: header, the screen stack, the idle warning, the demo panel."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QClipboard, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QMainWindow,
    QPushButton,
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
from ui.keyboard import KEY_HEIGHT, TALL_KEY_HEIGHT, OnScreenKeyboard
from ui.screens.base import ChoiceButton, Screen, button, label, overlay_card
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
from ui.screens.staff import (
    HiddenGesture,
    StaffDashboardScreen,
    StaffHelpScreen,
    StaffSignInScreen,
    open_staff_mode,
)
from ui.screens.start import AttractScreen, GoodbyeScreen
from ui.speech import SpeechBinding
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
    StaffSignInScreen,
    StaffDashboardScreen,
)

USER_INPUT_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.Wheel,
}


class Header(QFrame):
    """The centre's name, the clock, and the buttons a citizen may need on every screen.

    One row when it fits; otherwise (an upright screen, larger text) the buttons take a
    second row of their own, never clipped and never smaller than the text asks.
    """

    def __init__(self, window: KioskWindow) -> None:
        super().__init__()
        self.setObjectName("header")
        core = window.core
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 8, 16, 8)
        column.setSpacing(8)
        self.top = QHBoxLayout()
        self.top.setSpacing(8)  # 24 px buttons in both languages leave the name two lines
        self.second = QHBoxLayout()  # the buttons, when they do not fit beside the name
        self.second.setSpacing(8)
        column.addLayout(self.top)
        column.addLayout(self.second)
        self.centre = label("centreName")
        self.centre.setText(core.config.centre.name)
        self.centre.setMinimumWidth(160)
        self.centre.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.clock = label("clock", wrap=False)
        self.vi = ChoiceButton("lang_vi")
        self.vi.setText("Tiếng Việt")
        self.en = ChoiceButton("lang_en")
        self.en.setText("English")
        for btn, lang in ((self.vi, "vi"), (self.en, "en")):
            btn.clicked.connect(lambda _=False, lg=lang: window.set_language(lg))
        self.larger = ChoiceButton("large_text")
        self.larger.clicked.connect(lambda on: window.set_theme(large_text=on))
        self.contrast = ChoiceButton("high_contrast")
        self.contrast.clicked.connect(lambda on: window.set_theme(high_contrast=on))
        self.staff = button("callStaff")
        self.staff.clicked.connect(core.staff.call)
        self.buttons: list[QPushButton] = [
            self.vi,
            self.en,
            self.larger,
            self.contrast,
            self.staff,
        ]
        self.wrapped: bool | None = None
        self.arrange(wrapped=False)
        self.retranslate(core)

    def arrange(self, wrapped: bool, named: bool = True) -> None:
        """Lay the header out on one row, or with the buttons on a second row; ``named``:
        with the centre's name (a short wide screen in larger text leaves it out)."""
        self.centre.setVisible(named)
        if wrapped == self.wrapped:
            return
        self.wrapped = wrapped
        for widget in (self.centre, self.clock, *self.buttons):
            self.top.removeWidget(widget)
            self.second.removeWidget(widget)
        self.top.addWidget(self.centre, 1)
        self.top.addWidget(self.clock)
        # Wrapped, the buttons share their row by their texts' widths: none is cut off.
        row = self.second if wrapped else self.top
        policy = QSizePolicy.Policy.Expanding if wrapped else QSizePolicy.Policy.Minimum
        for widget in self.buttons:
            widget.setSizePolicy(policy, QSizePolicy.Policy.Fixed)
            row.addWidget(widget)

    NAME_MIN_PX = 260
    """Narrower than this, the centre's name would stack three lines high."""

    def fit(self, width: int, portrait: bool = False) -> None:
        """Choose the layout for ``width`` (after a resize, a theme or a language): one row
        with the name when it fits; on an upright screen two rows; on a wide one the
        buttons keep their one row and the name gives way."""
        margins = self.layout().contentsMargins()
        spacing = self.top.spacing()
        needed = margins.left() + margins.right()
        for widget in (self.clock, *self.buttons):
            widget.ensurePolished()
            needed += widget.sizeHint().width() + spacing
        room = width - needed
        if room >= max(self.NAME_MIN_PX, self._two_lines_px()):
            self.arrange(wrapped=False)
        elif portrait or room < 0:
            self.arrange(wrapped=True)
        else:
            self.arrange(wrapped=False, named=False)

    def _two_lines_px(self) -> int:
        """How wide the centre's name must be to take two lines at most (three would make
        the header, and so every screen, lose a line: the name gives way instead)."""
        self.centre.ensurePolished()
        metrics = QFontMetrics(self.centre.font())
        words, lines = self.centre.text().split(), 2
        best = metrics.horizontalAdvance(self.centre.text())
        for cut in range(1, len(words)):
            first, rest = " ".join(words[:cut]), " ".join(words[cut:])
            best = min(best, max(metrics.horizontalAdvance(first), metrics.horizontalAdvance(rest)))
        return best + lines  # a pixel of slack per line

    def retranslate(self, core: KioskCore) -> None:
        self.vi.setChecked(core.tr.language == "vi")
        self.en.setChecked(core.tr.language == "en")
        self.staff.setText(core.tr("header.call_staff"))
        self.larger.setText("A+ " + core.tr("header.large_text"))
        self.contrast.setText("◐ " + core.tr("header.high_contrast"))
        self.tick()

    def tick(self) -> None:
        self.clock.setText(datetime.now().strftime("%H:%M"))


class IdleOverlay(QWidget):
    """'Do you need more time?': one touch on Continue keeps the session (WCAG 2.2.1)."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.core = window.core
        self.setObjectName("overlay")
        self.title, self.countdown = label("title"), label()
        self.end = button("idle_end")
        self.end.clicked.connect(self.core.cancel)
        self.more = button("idle_continue", primary=True)
        self.more.clicked.connect(self.core.continue_session)
        overlay_card(self, self.title, self.countdown, self.end, self.more)
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
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(16, 4, 16, 4)
        self.caption = label(wrap=False)
        self.caption.setText("DEMO")
        self.buttons: list[QPushButton] = []
        row = self.buttons  # the buttons in order; laid out by arrange()
        insert = button("demo_insert")
        insert.setText("▶ Đặt thẻ / Place card")
        remove = button("demo_remove")
        remove.setText("⏏ Rút thẻ / Remove")
        assert sims.reader is not None and sims.card is not None
        reader, card = sims.reader, sims.card
        insert.clicked.connect(lambda: reader.insert(card))
        remove.clicked.connect(reader.remove)
        row.append(insert)
        row.append(remove)
        camera = window.core.devices.camera
        if isinstance(camera, SimulatedCamera):
            show_qr = button("demo_qr")
            show_qr.setText("▦ QR → camera")
            show_qr.clicked.connect(lambda: camera.show([qr_frame(card.qr_text())]))
            # Once read, the person is back in front of the camera for the face check.
            window.core.identify.qr_result.connect(lambda _key: camera.show(None))
            row.append(show_qr)
            show_paper = button("demo_paper")
            show_paper.setText("▤ Giấy tờ → camera / Paper")
            show_paper.clicked.connect(lambda: camera.show(demo_paper_sequence()))
            # Once taken, the person is back in front of the camera.
            window.core.papers.changed.connect(
                lambda: camera.show(None) if window.core.papers.taken is not None else None
            )
            row.append(show_paper)
        face_ok = button("demo_face_ok")
        face_ok.setText("✓ Khuôn mặt / Face")
        # The demo's drawn face cannot blink or turn its head: the operator passes the step.
        face_ok.clicked.connect(
            lambda: window.core.face.confirmed() if window.core.step is Step.FACE_CHECK else None
        )
        row.append(face_ok)
        self.columns = 0
        self.arrange(len(self.buttons))

    def arrange(self, columns: int) -> None:
        """The buttons on one row, or on two on an upright screen (none cut off)."""
        if columns == self.columns:
            return
        self.columns = columns
        for widget in (self.caption, *self.buttons):
            self.grid.removeWidget(widget)
        self.grid.addWidget(self.caption, 0, 0)
        for index, widget in enumerate(self.buttons):
            self.grid.addWidget(widget, index // columns, 1 + index % columns)
        self.grid.setColumnStretch(columns + 1, 1)


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
        self.portrait = False
        self._restore_pending = False
        self._watched: QLineEdit | None = None
        self.keyboard = OnScreenKeyboard(core.tr)
        self.keyboard.hide()
        self.keyboard.done.connect(self.hide_keyboard)
        layout.addWidget(self.keyboard)
        self.demo_panel: DemoPanel | None = None
        if sims is not None and sims.reader is not None:
            self.demo_panel = DemoPanel(self, sims)
            layout.addWidget(self.demo_panel)
        self.setCentralWidget(central)
        # The kiosk's window is the screen: it never grows to fit a page.  What a page needs
        # is checked instead (the tour's inspector: the window's content fits the screen),
        # and a page that needs more scrolls (Screen.scroll_area).
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.overlay = IdleOverlay(self)
        # Staff mode: five taps in the top-left corner, never a visible button.
        self.staff_gesture = HiddenGesture(self, lambda: open_staff_mode(core, self.screens))
        self.speech = SpeechBinding(self)  # each screen said as it appears, once speech is on

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
        self.fit_layout()

    def fit_layout(self) -> None:
        """Adapt to the screen's shape: an upright kiosk (taller than wide) gets the portrait
        layout (tiles in one column, the header on two rows, the keypad across the width,
        taller keys); a short screen keeps its keys at 50 px so the page keeps its field."""
        size = self.size()
        portrait = size.height() > size.width()
        if portrait != self.portrait:
            self.portrait = portrait
            for screen in self.screens.values():
                screen.set_portrait(portrait)
        key_height = KEY_HEIGHT if size.height() < 1000 else TALL_KEY_HEIGHT
        self.keyboard.apply_theme(self.theme, key_height, wide=portrait)
        self.header.fit(size.width(), portrait)
        if self.demo_panel is not None:
            count = len(self.demo_panel.buttons)
            self.demo_panel.arrange((count + 1) // 2 if portrait else count)

    def on_tick(self) -> None:
        self.header.tick()
        self.core.tick()

    def on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The keyboard follows the focus: shown for an editable field, hidden otherwise.

        It never covers what the citizen types for: the page above it gives up its margins
        and subtitle, then scrolls the field and what it controls (results, the list to pick
        from, the error summary) into sight, again whenever the text changes.
        """
        wanted = isinstance(new, QLineEdit) and new.property("keyboard") != "none"
        if wanted and not new.isReadOnly() and self.isAncestorOf(new):
            self._watch(new)
            self.keyboard.attach(new)
            if self.demo_panel is not None:
                self.demo_panel.hide()  # the keyboard takes its place (demo mode only)
            screen = self.stack.currentWidget()
            if isinstance(screen, Screen):
                screen.set_compact(True)  # first: the page never needs more than the screen
            self.keyboard.show()
            self.keep_field_in_view()
            # Once the page has been laid out again (new results, a message shown).
            QTimer.singleShot(0, self, self.keep_field_in_view)
        elif new is not None and not self.keyboard.isAncestorOf(new):
            self.hide_keyboard()

    def _watch(self, field: QLineEdit) -> None:
        if self._watched is field:
            return
        self._unwatch()
        self._watched = field
        field.textChanged.connect(self._text_changed)

    def _unwatch(self) -> None:
        if self._watched is not None:
            try:
                self._watched.textChanged.disconnect(self._text_changed)
            except (RuntimeError, TypeError):
                pass  # the field is already gone
            self._watched = None

    def _text_changed(self, _text: str) -> None:
        QTimer.singleShot(0, self, self.keep_field_in_view)

    def keep_field_in_view(self) -> None:
        """The focused field and its companions in sight above the keyboard."""
        field = self.keyboard.target
        screen = self.stack.currentWidget()
        if field is None or not self.keyboard.isVisible() or not isinstance(screen, Screen):
            return
        central = self.centralWidget()
        if central is not None and central.layout() is not None:
            central.layout().activate()
        if screen.isAncestorOf(field):
            screen.keep_in_view(field)

    def hide_keyboard(self) -> None:
        self._unwatch()
        self.keyboard.detach()
        self.keyboard.hide()
        for screen in self.screens.values():
            screen.set_compact(False)
        if self.demo_panel is not None:
            self.demo_panel.show()

    def on_step_changed(self, transition: Transition) -> None:
        self.overlay.hide()
        # The touched button's focus must not pass to the next screen's first field (Qt
        # moves it within the stack): the keyboard would come up unasked over the page.
        self.stack.setFocus(Qt.FocusReason.OtherFocusReason)
        self.hide_keyboard()
        if transition.source is Step.GOODBYE and self._restore_pending:
            self.restore_kiosk_settings()  # the goodbye has been read: now the next citizen
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
        # The next citizen starts from the kiosk's own settings, not the last one's; but the
        # goodbye screen is still this citizen's, in their language and text size.
        if self.core.step is Step.GOODBYE:
            self._restore_pending = True
        else:
            self.restore_kiosk_settings()

    def restore_kiosk_settings(self) -> None:
        """The kiosk's own language, theme and text size, for the next citizen."""
        self._restore_pending = False
        cfg = self.core.config.ui
        self.theme = Theme(high_contrast=cfg.high_contrast, large_text=cfg.large_text)
        self.apply_theme()
        if self.core.tr.language != cfg.language:
            self.set_language(cfg.language)

    # Settings the citizen can change -----------------------------------
    def set_language(self, language: str) -> None:
        self.core.tr.set_language(language)
        self.header.retranslate(self.core)
        self.header.fit(self.width(), self.portrait)

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
        # Restyling every widget takes a second on a kiosk's CPU: only when the style
        # changes (the end of a session that kept the kiosk's own theme changes nothing).
        app = QApplication.instance()
        sheet = self.theme.stylesheet()
        if app.styleSheet() != sheet:  # type: ignore[union-attr]
            app.setStyleSheet(sheet)  # type: ignore[union-attr]
        self.fit_layout()
        self.keep_field_in_view()

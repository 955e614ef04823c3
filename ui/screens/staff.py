"""Staff screens: sign-in, the dashboard, and the staff help screen with the call's state
and the face override; the hidden gesture that opens staff mode.

Staff mode has no visible button: five quick taps in the top-left corner of the window
(:class:`HiddenGesture`) open the sign-in on the start screen, or the face override on
the staff help screen; a staff member's own card opens it too (the identify journey).
The screens show no citizen data: dossier codes, procedures, times and states only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.core import KioskCore
from kiosk.journeys.staff import OVERRIDE_REASONS, Dashboard
from kiosk.runtime.flow import Step, Transition
from kiosk.staff.roles import Role
from ui.screens.base import Screen, Tile, button, label
from ui.screens.start import StaffHelpScreen as _CitizenStaffHelp

CORNER_PX = 110
DEVICE_WORDS = frozenset(
    {"ready", "card_present", "no_reader", "no_service", "not_responding", "simulator"}
    | {"opencv", "ok", "online", "offline", "unknown", "none"}
)
TAPS, WITHIN_S = 5, 4.0


def _field(name: str, keyboard: str, *, secret: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setProperty("keyboard", keyboard)
    if secret:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class HiddenGesture(QObject):
    """Five taps within four seconds in the window's top-left corner call ``fired``."""

    def __init__(self, window: QWidget, fired: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.fired = fired
        self._taps: list[float] = []
        self._last: object = None
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(watched, QWidget):
            # A press a child ignores goes on to its parents: count it once.
            stamp = (event.timestamp(), event.globalPosition().toPoint())  # type: ignore[attr-defined]
            if stamp == self._last:
                return False
            self._last = stamp
            if watched.window() is self.window:
                where = watched.mapTo(self.window, event.position().toPoint())  # type: ignore[attr-defined]
                self.tapped(where)
        return False

    def tapped(self, where: QPoint) -> None:
        if where.x() > CORNER_PX or where.y() > CORNER_PX:
            self._taps.clear()
            return
        now = time.monotonic()
        self._taps = [t for t in self._taps if now - t < WITHIN_S] + [now]
        if len(self._taps) >= TAPS:
            self._taps.clear()
            self.fired()


def open_staff_mode(core: KioskCore, screens: dict[Step, Screen]) -> None:
    """What the hidden gesture does on the current screen."""
    if core.step is Step.ATTRACT:
        core.staff.staff_mode()
    elif core.step is Step.STAFF_HELP:
        help_screen = screens.get(Step.STAFF_HELP)
        if isinstance(help_screen, StaffHelpScreen):
            help_screen.show_override()


class StaffHelpScreen(_CitizenStaffHelp):
    """ "Gọi nhân viên": what the citizen is told (the call's state), and, after the hidden
    gesture, the panel where a staff member confirms the person against the card."""

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.call_state = label("notice")  # the call's state, in the notice style
        self.call_state.hide()
        self.body.insertWidget(1, self.call_state)
        self.panel = QWidget()
        self.panel.setObjectName("staff_override")
        box = QHBoxLayout(self.panel)
        box.setContentsMargins(0, 0, 0, 0)
        column = QWidget()
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(8)  # the confirm row on the screen, in larger text too
        hint = label("sectionTitle")
        self.bind(hint.setText, "staff.override.hint")
        inner.addWidget(hint)
        reasons = QGridLayout()
        self.reasons: dict[str, Tile] = {}
        for index, reason in enumerate(OVERRIDE_REASONS):
            # A tile: its caption wraps in larger text instead of being cut.  One row of
            # four: the fields and the confirm button stay on the screen under them.
            choice = Tile(f"reason_{reason}", height=64)
            choice.setProperty("compact", True)  # body-sized caption: the row stays low
            choice.setCheckable(True)
            choice.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            self.bind(choice.setText, f"staff.reason.{reason}")
            choice.clicked.connect(lambda _=False, r=reason: self._choose(r))
            self.reasons[reason] = choice
            reasons.addWidget(choice, 0, index)
        inner.addLayout(reasons)
        # Each field under its own label (a placeholder vanishes once typed, and is cut
        # when long); the confirm button, the panel's one main action, in the buttons'
        # row at the foot of the screen: always in sight, in larger text too.
        row = QGridLayout()
        row.setHorizontalSpacing(12)
        row.setVerticalSpacing(2)
        self.note = _field("override_note", "text")
        self.staff_id = _field("override_staff_id", "text")
        self.pin = _field("override_pin", "numeric", secret=True)
        fields = (
            (self.note, "staff.override.note", 2),
            (self.staff_id, "staff.signin.staff_id", 1),
            (self.pin, "staff.signin.pin", 1),
        )
        for place, (edit, key, stretch) in enumerate(fields):
            caption = label(f"{edit.objectName()}_label")
            caption.setBuddy(edit)
            self.bind(caption.setText, key)
            self.bind(edit.setAccessibleName, key)
            row.addWidget(caption, 0, place, Qt.AlignmentFlag.AlignBottom)
            row.addWidget(edit, 1, place)
            row.setColumnStretch(place, stretch)
        inner.addLayout(row)
        self.confirm = button("override_confirm", primary=True)
        self.bind(self.confirm.setText, "staff.override.confirm")
        self.confirm.clicked.connect(self._confirm)
        self.confirm.hide()
        resume = self.findChild(QPushButton, "resume")
        self.nav.insertWidget(self.nav.indexOf(resume) if resume else -1, self.confirm)
        self.problem = label("errorText")
        self.problem.hide()
        inner.addWidget(self.problem)
        box.addWidget(column)
        self.panel.hide()
        self.body.insertWidget(2, self.panel)
        self._reason = ""
        core.staff.call_changed.connect(lambda _state: self.refresh())
        core.staff.override_failed.connect(self._override_failed)

    def show_override(self) -> None:
        """The hidden gesture: a staff member is here (the citizen's texts make room, and
        the confirm button becomes the screen's one main button)."""
        self.panel.show()
        self.subtitle.hide()
        self.call_state.hide()
        self._main_resume(False)
        self.staff_id.setFocus()
        QTimer.singleShot(0, lambda: self.keep_in_view(self.staff_id))

    def _main_resume(self, main: bool) -> None:
        """ "Tiếp tục tự thực hiện" is the main button only while the panel is hidden (then
        "Xác nhận đúng người" is, and the citizen's "wait here" line makes room)."""
        self.confirm.setVisible(not main)
        waiting = self.core.tr("staff.wait_here")
        for line in self.findChildren(QLabel):
            if line.text() == waiting and not self.panel.isAncestorOf(line):
                line.setVisible(main)
        resume = self.findChild(QPushButton, "resume")
        if resume is not None and resume.property("primary") is not main:
            resume.setProperty("primary", main)
            resume.style().unpolish(resume)
            resume.style().polish(resume)

    def _choose(self, reason: str) -> None:
        self._reason = reason
        for key, choice in self.reasons.items():
            choice.setChecked(key == reason)

    def _confirm(self) -> None:
        self.problem.hide()
        self.core.staff.override_face(
            self.staff_id.text(), self.pin.text(), self._reason, self.note.text()
        )
        self.pin.setText("")

    def _override_failed(self, result: Any) -> None:
        key = result if isinstance(result, str) else f"staff.signin.{result.reason}"
        time_ = f"{result.locked_until:%H:%M}" if getattr(result, "locked_until", None) else ""
        self.problem.setText(self.core.tr(key, time=time_))
        self.problem.show()

    def on_enter(self, transition: Transition) -> None:
        super().on_enter(transition)
        self.panel.hide()  # each time for staff only, after the gesture
        self._main_resume(True)
        self.problem.hide()
        self.subtitle.show()
        self.refresh()

    def refresh(self) -> None:
        state = self.core.staff.call_state
        self.call_state.setText(self.core.tr(f"staff.call.{state}") if state else "")
        # For the citizen: once a staff member is at the panel, it makes room.
        self.call_state.setVisible(bool(state) and self.panel.isHidden())

    def reset(self) -> None:
        super().reset()
        self.panel.hide()
        self._main_resume(True)
        self.problem.hide()
        self._choose("")
        self.call_state.hide()


class StaffSignInScreen(Screen):
    step = Step.STAFF_SIGN_IN

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "staff.signin.title")
        self.or_pin = label()
        self.bind(self.or_pin.setText, "staff.signin.or_pin")
        self.body.addWidget(self.or_pin)
        self.staff_id = _field("staff_id", "text")
        self.bind(self.staff_id.setPlaceholderText, "staff.signin.staff_id")
        self.pin = _field("staff_pin", "numeric", secret=True)
        self.bind(self.pin.setPlaceholderText, "staff.signin.pin")
        self.pin.returnPressed.connect(self._submit)
        self.body.addWidget(self.staff_id)
        self.body.addWidget(self.pin)
        self.problem = label("errorText")
        self.problem.hide()
        self.body.addWidget(self.problem)
        self.body.addStretch(1)
        self.add_back()
        self.add_stretch()
        self.submit = button("staff_sign_in", primary=True)
        self.bind(self.submit.setText, "staff.signin.submit")
        self.submit.clicked.connect(self._submit)
        self.nav.addWidget(self.submit)
        core.staff.sign_in_failed.connect(self._failed)

    def _submit(self) -> None:
        self.problem.hide()
        self.core.staff.sign_in(self.pin.text(), self.staff_id.text())
        self.pin.setText("")

    def _failed(self, result: Any) -> None:
        time_ = f"{result.locked_until:%H:%M}" if result.locked_until else ""
        self.problem.setText(self.core.tr(f"staff.signin.{result.reason}", time=time_))
        self.problem.show()

    def refresh(self) -> None:
        card_read = self.core.staff.card_sha256 is not None
        desk = self.core.staff.desk
        pin_only = bool(desk and desk.pin_only) and not card_read
        self.subtitle.setText(
            self.core.tr("staff.signin.card_read" if card_read else "staff.signin.card")
        )
        self.or_pin.setVisible(pin_only)
        self.staff_id.setVisible(pin_only)

    def on_enter(self, transition: Transition) -> None:
        self.problem.hide()
        self.refresh()
        (self.pin if self.core.staff.card_sha256 else self.staff_id).setFocus()


class _DossierList(QListWidget):
    """Asks for two entries' height and takes what the screen has beyond it: the actions
    under it stay on the screen rather than below a scroll."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), 2 * 52 + 4)


class StaffDashboardScreen(Screen):
    step = Step.STAFF_DASHBOARD

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "staff.dashboard.title")
        self.board: Dashboard | None = None
        self.outbox = label()  # the sending queue and the queue numbers, one line
        self.devices = label()
        for widget in (self.outbox, self.devices):
            self.body.addWidget(widget)
        # The list's heading and its actions on one row: the list keeps the room.
        self.heading = label("sectionTitle")
        # "Gửi lại" and "In bản sao phiếu" act on the dossier chosen: until one is, they
        # are off and this line, under the heading, says what to do.
        self.choose = label("hint")
        self.bind(self.choose.setText, "staff.dashboard.choose")
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.heading)
        titles.addWidget(self.choose)
        actions = QHBoxLayout()
        actions.addLayout(titles, 1)
        self.body.addLayout(actions)
        self.dossiers = _DossierList()
        self.dossiers.setObjectName("staff_dossiers")
        # Entries are touched to pick one: each at least a finger's height (44 px).
        self.dossiers.setStyleSheet("QListWidget::item { min-height: 52px; }")
        self.dossiers.setMinimumHeight(110)
        # A long procedure name wraps: on a touch screen there is no tooltip to read it.
        self.dossiers.setWordWrap(True)
        self.dossiers.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.dossiers.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.dossiers.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.dossiers.currentRowChanged.connect(lambda _row: self._selection())
        self.body.addWidget(self.dossiers, 1)
        self.retry = button("staff_retry")
        self.bind(self.retry.setText, "staff.dashboard.retry")
        self.retry.clicked.connect(lambda: self._on_selected(core.staff.retry))
        self.reprint = button("staff_reprint")
        self.bind(self.reprint.setText, "staff.dashboard.reprint")
        self.reprint.clicked.connect(lambda: self._on_selected(core.staff.reprint))
        refresh = button("staff_refresh")
        self.bind(refresh.setText, "staff.dashboard.refresh")
        refresh.clicked.connect(core.staff.refresh)
        for widget in (self.retry, self.reprint, refresh):
            actions.addWidget(widget)
        self.done = label("notice")
        self.done.hide()
        self.body.addWidget(self.done)
        sign_out = button("staff_sign_out")
        self.bind(sign_out.setText, "staff.dashboard.sign_out")
        sign_out.clicked.connect(core.staff.sign_out)
        self.nav.addWidget(sign_out)
        # Technician mode: for a signed-in technician only (staff never see the button).
        self.technician = button("staff_technician")
        self.bind(self.technician.setText, "staff.dashboard.technician")
        self.technician.clicked.connect(self.open_technician)
        self.nav.addWidget(self.technician)
        self.add_stretch()
        assisted = button("staff_assisted", primary=True)
        self.bind(assisted.setText, "staff.dashboard.assisted")
        assisted.clicked.connect(core.staff.start_assisted)
        self.nav.addWidget(assisted)
        core.staff.dashboard_loaded.connect(self._loaded)
        core.staff.action_done.connect(self._action_done)

    def _codes(self) -> list[str]:
        return [line.code for line in self.board.dossiers] if self.board else []

    def _on_selected(self, action: Callable[[str], None]) -> None:
        row = self.dossiers.currentRow()
        codes = self._codes()
        if 0 <= row < len(codes):
            action(codes[row])

    def _selection(self) -> None:
        row = self.dossiers.currentRow()
        lines = self.board.dossiers if self.board else []
        chosen = lines[row] if 0 <= row < len(lines) else None
        self.retry.setEnabled(chosen is not None and chosen.state == "dead")
        self.reprint.setEnabled(chosen is not None)
        self.choose.setVisible(chosen is None and bool(lines))

    def _loaded(self, board: Dashboard) -> None:
        self.board = board
        self.refresh()

    def _action_done(self, key: str) -> None:
        self.done.setText(self.core.tr(key))
        self.done.show()

    def on_enter(self, transition: Transition) -> None:
        self.done.hide()
        op = self.core.staff.operator
        self.technician.setVisible(op is not None and op.role.may(Role.TECHNICIAN))
        self.refresh()

    def open_technician(self) -> Any:
        """Technician mode over the kiosk, with the settings file the kiosk runs from (in
        the demo, a file of its own in the data folder: the demo never changes real
        settings)."""
        from kiosk.journeys.technician import TechnicianMode
        from kiosk.runtime.config import default_config_path
        from ui.screens.technician import open_technician

        op = self.core.staff.operator
        if op is None or not op.role.may(Role.TECHNICIAN):
            return None
        window = self.window()
        data_dir = self.core.context.data_dir
        demo = getattr(window, "demo_panel", None) is not None
        path = data_dir / "demo-settings.toml" if demo else default_config_path()
        camera = self.core.devices.camera

        def start_camera() -> Any:
            camera.start()
            return camera

        return open_technician(window, TechnicianMode(path, data_dir, op.role), start_camera)

    def refresh(self) -> None:
        tr = self.core.tr
        op = self.core.staff.operator
        self.subtitle.setText(tr("staff.dashboard.subtitle", staff_id=op.staff_id if op else "—"))
        board = self.board
        lines = board.dossiers if board else []
        self.heading.setText(tr("staff.dashboard.dossiers", count=len(lines)))
        self.dossiers.setAccessibleName(self.heading.text())
        selected = self.dossiers.currentRow()
        self.dossiers.clear()
        for line in lines:
            try:
                name = self.core.catalogue.procedure(line.procedure_code).name(tr.language)
            except KeyError:
                name = line.procedure_code
            text = tr(
                "staff.line",
                code=line.code,
                procedure=name,
                time=f"{line.received_at:%H:%M}",
                state=tr(f"staff.state.{line.state}")
                # The receipt did not print (the centre's staff were alerted): reprint it.
                + (" · " + tr("staff.line.not_printed") if line.receipt == "failed" else ""),
            )
            if line.state == "dead" and line.last_error:
                text += f"\n    {line.last_error}"
            if line.assisted_by:
                text += " · " + tr("staff.line.assisted", staff_id=line.assisted_by)
            self.dossiers.addItem(text)
        if not lines:
            self.dossiers.addItem(tr("staff.dashboard.none"))
        elif 0 <= selected < len(lines):
            self.dossiers.setCurrentRow(selected)
        counts = board.counts if board else {}
        outbox = tr(
            "staff.dashboard.outbox",
            waiting=counts.get("pending", 0),
            sending=counts.get("sending", 0),
            refused=counts.get("dead", 0),
            sent=counts.get("sent", 0),
        )
        tickets = tr("staff.dashboard.tickets", count=board.tickets if board else 0)
        self.outbox.setText(f"{outbox}. {tickets}")
        devices = {"reader": "?", "camera": "?", "printer": "?", "network": "?", "centre": "?"}
        devices.update(board.devices if board else {})
        self.devices.setText(
            tr("staff.dashboard.devices", **{k: self._word(v) for k, v in devices.items()})
        )
        self._selection()

    def _word(self, value: str) -> str:
        """A device state in words: a message key or a known state; else as reported."""
        if value.startswith("printer."):
            return self.core.tr(value)
        return self.core.tr(f"staff.device.{value}") if value in DEVICE_WORDS else value

    def reset(self) -> None:
        super().reset()
        self.board = None
        self.dossiers.clear()
        self.done.hide()


__all__ = [
    "HiddenGesture",
    "StaffDashboardScreen",
    "StaffHelpScreen",
    "StaffSignInScreen",
    "open_staff_mode",
]

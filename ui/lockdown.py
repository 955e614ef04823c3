"""The kiosk cannot be left: no window frame, no context menu, no shortcut that closes it.

Outside technician mode a citizen at the kiosk must never reach the desktop (there is
none under cage, but a keyboard-wedge scanner or a plugged-in keyboard still sends
keys): Alt+F4, Ctrl+Q, Ctrl+W, F11, the Super/Meta key and Alt+Tab are swallowed, the
window refuses to close, and right-click or long-press menus never open.  ``allowed``
says whether a signed-in technician is at the kiosk; then everything works as usual.
A crash or a restart comes back on the attract screen with nothing personal shown
(the core's recovery and systemd's restart), so closing is never a way out either.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

K, M = Qt.Key, Qt.KeyboardModifier
FORBIDDEN: tuple[tuple[Qt.Key, Qt.KeyboardModifier], ...] = (
    (K.Key_F4, M.AltModifier),
    (K.Key_Q, M.ControlModifier),
    (K.Key_W, M.ControlModifier),
    (K.Key_Tab, M.AltModifier),
    (K.Key_F11, M.NoModifier),
    (K.Key_Backspace, M.ControlModifier | M.AltModifier),
)
ALWAYS_FORBIDDEN_KEYS = (K.Key_Meta, K.Key_Super_L, K.Key_Super_R, K.Key_Menu)
_MODIFIERS = M.ShiftModifier | M.ControlModifier | M.AltModifier | M.MetaModifier


class Lockdown(QObject):
    """Installed on the application (keys, menus) and on ``window`` (closing)."""

    def __init__(self, window: QWidget, allowed: Callable[[], bool]) -> None:
        super().__init__(window)
        self.window = window
        self.allowed = allowed
        visible = window.isVisible()
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        if visible:  # changing flags hides a shown window
            window.show()
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]

    def swallowed(self, event: QKeyEvent) -> bool:
        """Whether this key press would leave the kiosk (and so is dropped)."""
        if self.allowed():
            return False
        key = Qt.Key(event.key())
        if key in ALWAYS_FORBIDDEN_KEYS:
            return True
        modifiers = event.modifiers() & _MODIFIERS
        return any(key == k and modifiers == m for k, m in FORBIDDEN)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ContextMenu:
            return not self.allowed()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return self.swallowed(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.Close and watched is self.window and not self.allowed():
            event.ignore()
            return True
        return False

    def release(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


def technician_present(core: object) -> bool:
    """A technician is signed in at the kiosk (the staff desk's operator, when there is one)."""
    from kiosk.staff.roles import Role

    operator = getattr(getattr(core, "staff", None), "operator", None)
    role = getattr(operator, "role", None)
    return isinstance(role, Role) and role.may(Role.TECHNICIAN)

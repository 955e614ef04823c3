from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.runtime.config import KioskConfig, RuntimeFlags
from kiosk.runtime.flow import Step
from tests.conftest import FakeClock
from ui.app import application, build_window
from ui.main_window import KioskWindow


class UiKiosk:
    def __init__(self, window: KioskWindow, sims, qtbot, clock: FakeClock) -> None:
        self.window = window
        self.core = window.core
        self.sims = sims
        self.qtbot = qtbot
        self.clock = clock

    def wait_for(self, step: Step, timeout: int = 20_000) -> None:
        self.qtbot.waitUntil(
            lambda: (
                self.core.step is step
                and self.window.stack.currentWidget() is self.window.screens[step]
            ),
            timeout=timeout,
        )

    def find(self, name: str):
        from PySide6.QtWidgets import QPushButton

        for button in self.window.findChildren(QPushButton):
            if (button.objectName() == name or button.property("tour") == name) and (
                button.isVisible()
            ):
                return button
        return None

    def identify(self, card=None) -> None:
        """Place the card and type its key on the access-key screen, as a citizen does."""
        card = card or self.sims.card
        self.sims.reader.insert(card)
        self.wait_for(Step.ACCESS_KEY)
        screen = self.window.screens[Step.ACCESS_KEY]
        self.click("access_mode_numbers")  # the screen opens on the card's QR code
        self.qtbot.waitUntil(screen.edits["id_number"].isVisible, timeout=10_000)
        screen.edits["id_number"].setText(card.id_number)
        screen.edits["birth"].setText(card.date_of_birth.strftime("%d/%m/%Y"))
        screen.edits["expiry"].setText(card.date_of_expiry.strftime("%d/%m/%Y"))
        self.click("access_read")
        self.wait_for(Step.FACE_CHECK)

    def open_form(self, procedure: str, card=None):
        """Identify, pass the face step, choose ``procedure``, read the requirements: the form."""
        self.identify(card)
        self.click("demo_face_ok")
        self.click(f"procedure_{procedure}")
        self.wait_for(Step.REQUIREMENTS)
        self.click("req_start")
        self.wait_for(Step.FILL_FORM)
        return self.window.screens[Step.FILL_FORM]

    def wait_page(self, key: str) -> None:
        self.qtbot.waitUntil(
            lambda: self.core.forms.form is not None and self.core.forms.form.page_key == key,
            timeout=10_000,
        )

    def answer(self, key: str, value: str | dict[str, str] = "") -> None:
        """On the page of ``key``: type or choose ``value`` as a citizen would, then Continue.

        An address is ``{"province": name, "commune": name, "detail": text}``, picked
        from the lists by their names.
        """
        from PySide6.QtCore import Qt

        self.wait_page(key)
        form = self.window.screens[Step.FILL_FORM]
        page = self.core.forms.form.page
        if page.input in ("choice", "yes_no"):
            self.click(f"choice_{key}_{value}")  # the touch answers the page
            self.qtbot.waitUntil(lambda: self.core.forms.form.page_key != key, timeout=10_000)
            return
        elif page.input == "address":
            assert isinstance(value, dict)
            for part in ("province", "commune"):
                items = form.lists[f"{key}.{part}"]
                found = items.findItems(value[part], Qt.MatchFlag.MatchExactly)
                items.scrollToItem(found[0])
                self.qtbot.mouseClick(
                    items.viewport(),
                    Qt.MouseButton.LeftButton,
                    pos=items.visualItemRect(found[0]).center(),
                )
                next_input = f"{key}.commune.filter" if part == "province" else f"{key}.detail"
                self.qtbot.waitUntil(lambda k=next_input: k in form.edits, timeout=10_000)
            form.edits[f"{key}.detail"].setText(value["detail"])
        elif page.kind.value == "field":
            form.edits[key].setText(str(value))
        self.click("form_continue")

    def fill(self, answers: list[tuple[str, str | dict[str, str]]]) -> None:
        for key, value in answers:
            self.answer(key, value)

    def click(self, name: str) -> None:
        """Click a visible button, waiting for it (new widgets show on the next loop turn)."""
        from PySide6.QtCore import Qt

        self.qtbot.waitUntil(lambda: self.find(name) is not None, timeout=10_000)
        self.qtbot.mouseClick(self.find(name), Qt.MouseButton.LeftButton)


@pytest.fixture(autouse=True)
def _delete_closed_windows() -> Iterator[None]:
    """After each test, delete what it closed: pytest-qt's deleteLater would wait for an
    event loop turn that never comes between tests, and every window left alive is
    restyled again at each theme change of the tests after it (seconds each)."""
    yield
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from ui.main_window import KioskWindow

    app = QApplication.instance()
    if app is not None:
        # A kiosk window closed but still referenced (by its core's signals, say) would be
        # restyled with the rest: the tour's theme switches took half as long again.
        for widget in app.topLevelWidgets():
            if isinstance(widget, KioskWindow) and not widget.isVisible():
                widget.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()


@pytest.fixture
def ui_kiosk(qtbot, config: KioskConfig, clock: FakeClock) -> Iterator[UiKiosk]:
    application()
    window, core, sims, _dispatcher = build_window(
        config,
        RuntimeFlags(demo=True, windowed=True),
        clock=clock,
        card_apdu_delay_s=0,
        central_key=X25519PrivateKey.generate().public_key(),
        now=lambda: datetime(2026, 11, 20, 9, 30),
    )
    qtbot.addWidget(window)
    core.start()
    window.show()
    yield UiKiosk(window, sims, qtbot, clock)
    core.stop()

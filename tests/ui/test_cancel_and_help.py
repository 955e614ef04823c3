"""Leaving a step without losing it (review round 4): "Quay lại" on the staff help screen
withdraws the call and goes back to the step in progress; "Hủy" asks first once the
citizen has entered something, inside the kiosk window; a form page with a problem says
"Lỗi:" and forgets the problem once it is put right; the face check names the action it
did not see; the rating reasons, the start screen's card line and the access-key ways stay
whole in larger text and high contrast."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.face.check import FaceProgress, Phase
from kiosk.runtime.flow import Step
from kiosk.runtime.i18n import Translator
from tests.ui.conftest import UiKiosk
from ui.screens.base import CancelConfirm

SHOTS = Path(os.environ["CANCEL_SHOTS"]) if os.environ.get("CANCEL_SHOTS") else None


def shot(window: QWidget, name: str, settle: bool = True) -> None:
    """With CANCEL_SHOTS=DIR, a picture of the window to look at."""
    if settle:
        QApplication.processEvents()
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"{name}.png"))


def rect_in(window: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def in_view(screen, widget: QWidget) -> bool:
    """``widget`` whole inside the visible part of its screen's scroll area."""
    viewport = screen.scroll_area.viewport()
    shown = QRect(viewport.mapTo(screen.window(), QPoint(0, 0)), viewport.size())
    return widget.isVisible() and shown.contains(rect_in(screen.window(), widget))


def visible_buttons(widget: QWidget) -> set[str]:
    return {b.objectName() for b in widget.findChildren(QPushButton) if b.isVisible()}


def test_help_back_withdraws_the_call_and_cancel_asks_before_wiping(ui_kiosk: UiKiosk) -> None:
    core, window, qtbot = ui_kiosk.core, ui_kiosk.window, ui_kiosk.qtbot
    form = ui_kiosk.open_form("LT-KS-TT-BHYT")
    ui_kiosk.fill(
        [
            ("declarant_role", "mother"),
            ("born_in_facility", "yes"),
            ("late_registration", "no"),
            ("parents_married", "yes"),
        ]
    )
    # A page with a problem says so in its title, and forgets it once it is put right.
    ui_kiosk.wait_page("child_name")
    question = form.title.text()
    ui_kiosk.click("form_continue")  # nothing typed
    qtbot.waitUntil(form.summary.isVisible, timeout=10_000)
    assert form.title.text() == f"Lỗi: {question}"
    form.edits["child_name"].setText("Bé Na")
    assert not form.summary.isVisible() and not form.messages["child_name"].isVisible()
    assert form.title.text() == question
    ui_kiosk.click("form_continue")
    ui_kiosk.wait_page("phone")

    # "Gọi nhân viên", then "Quay lại": the call is withdrawn, the page and answers kept.
    ui_kiosk.click("callStaff")
    ui_kiosk.wait_for(Step.STAFF_HELP)
    help_screen = window.screens[Step.STAFF_HELP]
    call_id = core.staff.call_id
    assert "cancel" not in visible_buttons(help_screen)  # nothing there ends the session
    ui_kiosk.click("back")
    ui_kiosk.wait_for(Step.FILL_FORM)
    assert core.forms.form.page_key == "phone" and core.session.answers["child_name"] == "Bé Na"
    assert core.staff.call_state is None
    store = core.staff.desk.store

    def withdrawn() -> bool:  # the call is written on the task thread: wait for the row
        row = store.call(call_id)
        return row is not None and row.state == "withdrawn"

    qtbot.waitUntil(withdrawn, timeout=10_000)

    # "Hủy" with answers given: a question in the window, "No, keep going" the default.
    cancel = ui_kiosk.find("cancel")
    assert cancel.styleSheet() and cancel.height() >= 44  # quieter than Back, still a target
    form.speech_controls.listen.click()  # speech on: the question is said too
    ui_kiosk.click("cancel")
    confirm = window.findChild(CancelConfirm)
    qtbot.waitUntil(confirm.isVisible, timeout=10_000)
    said = core.devices.speaker.transcript[-1].text
    assert "Hủy hồ sơ này" in said and "Không, tiếp tục làm" in said
    assert confirm.title.text() == "Hủy hồ sơ này?"
    assert confirm.message.text() == "Các thông tin bạn đã nhập sẽ bị xóa."
    assert confirm.keep.text() == "Không, tiếp tục làm" and confirm.keep.property("primary")
    assert confirm.confirm.text() == "Có, hủy"
    assert window.focusWidget() is confirm.keep
    shot(window, "cancel-confirm")
    assert rect_in(window, confirm) == window.rect()  # over everything, not a native dialog
    ui_kiosk.click("cancel_keep")
    assert not confirm.isVisible() and core.step is Step.FILL_FORM
    assert core.session.answers["child_name"] == "Bé Na"
    ui_kiosk.click("cancel")
    qtbot.waitUntil(confirm.isVisible, timeout=10_000)
    ui_kiosk.click("cancel_confirm")
    ui_kiosk.wait_for(Step.GOODBYE)
    assert not confirm.isVisible() and not core.session.answers


def test_cancel_is_one_touch_with_nothing_to_lose_and_the_question_times_out(
    ui_kiosk: UiKiosk,
) -> None:
    core, window = ui_kiosk.core, ui_kiosk.window
    ui_kiosk.click("tile_submit")
    ui_kiosk.wait_for(Step.INSERT_CARD)
    screen = window.screens[Step.INSERT_CARD]
    assert not screen.has_input()
    screen.ask_cancel()
    ui_kiosk.wait_for(Step.GOODBYE)  # no question: nothing was entered
    assert (
        window.findChild(CancelConfirm) is None or not window.findChild(CancelConfirm).isVisible()
    )
    ui_kiosk.click("home")
    ui_kiosk.wait_for(Step.ATTRACT)

    # The question left open is closed by the idle timeout like the rest of the session.
    ui_kiosk.click("tile_submit")
    ui_kiosk.wait_for(Step.INSERT_CARD)
    confirm = CancelConfirm.of(screen)
    confirm.open()
    assert confirm.isVisible()
    ui_kiosk.clock.advance(core.config.session.idle_timeout_s + 1)
    ui_kiosk.wait_for(Step.ATTRACT, timeout=10_000)
    assert not confirm.isVisible()


def test_the_face_check_names_the_action_it_did_not_see(ui_kiosk: UiKiosk) -> None:
    core, window = ui_kiosk.core, ui_kiosk.window
    ui_kiosk.identify()
    screen = window.screens[Step.FACE_CHECK]
    face = core.face

    def not_live(asked: str, verdict: str) -> str:
        face.changed.emit(FaceProgress(Phase.POSITION, "face.guide.good"))
        face.changed.emit(FaceProgress(Phase.CHALLENGE, asked))
        face.changed.emit(FaceProgress(Phase.NOT_LIVE, reason=verdict))  # the check's verdict
        face.changed.emit(FaceProgress(Phase.NOT_LIVE, reason="face.result.not_live"))
        return screen.guidance.text()

    text = not_live("face.challenge.turn_left", "timeout")
    assert text.startswith(Translator.text("face.not_live.turn_left", "vi"))
    assert "quay đầu sang trái" in text and "Khi thử lại" in text and "lần thử" in text
    assert ui_kiosk.find("face_retry") is not None
    if SHOTS is not None:  # laid out with the message, then shown again: the camera goes on
        QApplication.processEvents()
        not_live("face.challenge.turn_left", "timeout")
        shot(window, "face-not-live-vi", settle=False)
    ui_kiosk.click("lang_en")
    text = not_live("face.challenge.blink", "face_lost")
    assert text.startswith("The kiosk did not see you blink.")
    if SHOTS is not None:
        QApplication.processEvents()
        not_live("face.challenge.blink", "face_lost")
        shot(window, "face-not-live-en", settle=False)
    # A photo held up passes the challenges: no action to name, the general message.
    text = not_live("face.challenge.blink", "presentation_attack")
    assert text.startswith(Translator.text("face.result.not_live", "en"))


def test_the_chosen_rating_and_every_reason_stay_in_sight(ui_kiosk: UiKiosk) -> None:
    window = ui_kiosk.window
    ui_kiosk.click("tile_rating")
    ui_kiosk.wait_for(Step.RATING)
    screen = window.screens[Step.RATING]
    ui_kiosk.click("rate_dissatisfied")
    ui_kiosk.click("rating_send")  # nothing touched: the reason is required
    ui_kiosk.qtbot.waitUntil(screen.error.isVisible, timeout=10_000)
    shown = (screen.tiles["dissatisfied"], screen.error, *screen.reason_buttons.values())

    def whole() -> bool:  # the page scrolls, and the reasons move, on a later loop turn
        return all(in_view(screen, w) for w in shown) and all(
            r.width() >= r.sizeHint().width() for r in screen.reason_buttons.values()
        )

    for language in ("vi", "en"):
        if language == "en":
            ui_kiosk.click("lang_en")
            assert screen.error.text().startswith("Please touch a reason")
        ui_kiosk.qtbot.waitUntil(whole, timeout=5_000)
        shot(window, f"rating-reason-required-{language}")


def test_larger_text_high_contrast_keeps_the_card_line_and_the_key_ways_whole(
    ui_kiosk: UiKiosk,
) -> None:
    window, qtbot = ui_kiosk.window, ui_kiosk.qtbot
    window.set_theme(high_contrast=True, large_text=True)
    ui_kiosk.identify()  # then the card taken away: the start screen with its notice
    ui_kiosk.click("demo_remove")
    ui_kiosk.wait_for(Step.ATTRACT)
    attract = window.screens[Step.ATTRACT]
    window.set_theme(high_contrast=True, large_text=True)  # the end restored the kiosk's own
    QApplication.processEvents()
    assert attract.notice.isVisible()
    shot(window, "attract-large-contrast")
    hint = rect_in(window, attract.card_hint)
    assert attract.card_hint.isVisible() and window.rect().contains(hint)
    assert hint.bottom() < window.demo_panel.mapTo(window, QPoint(0, 0)).y()
    qtbot.waitUntil(lambda: all(in_view(attract, tile) for tile in attract.tiles), timeout=5000)

    window.activateWindow()  # the keyboard follows the application's focus
    qtbot.waitActive(window)
    ui_kiosk.sims.reader.insert(ui_kiosk.sims.card)
    ui_kiosk.wait_for(Step.ACCESS_KEY)
    screen = window.screens[Step.ACCESS_KEY]
    ui_kiosk.click("access_mode_numbers")
    viewport = screen.scroll_area.viewport()
    for language in ("vi", "en"):
        if language == "en":
            ui_kiosk.click("lang_en")
        screen.edits["expiry"].setFocus()
        qtbot.waitUntil(window.keyboard.isVisible, timeout=10_000)

        def fine() -> bool:  # the page scrolls to the field on a later loop turn
            seen = QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size())
            field = seen.contains(rect_in(window, screen.edits["expiry"]))
            # Each way to give the key whole in sight or scrolled away whole (never sliced
            # under the title), its text whole.
            ways = [(b, rect_in(window, b)) for b in screen.mode_buttons.values()]
            return field and all(
                (seen.contains(r) or not seen.intersects(r)) and b.width() >= b.sizeHint().width()
                for b, r in ways
            )

        qtbot.waitUntil(fine, timeout=5_000)
        shot(window, f"access-key-large-contrast-{language}")

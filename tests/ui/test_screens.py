"""The real screens, walked by the automatic driver and by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget

from kiosk.printing.fonts import FAMILY
from kiosk.runtime.flow import Step, Trigger
from tests.pii import needles_for, objects_holding, unique_card
from tests.ui.conftest import UiKiosk
from ui.automatic import run_tour
from ui.main_window import KioskWindow
from ui.screens.base import Tile
from ui.theme import MIN_TOUCH_PX

RAW_KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
VIETNAMESE = (
    "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
)


def visible_texts(window: KioskWindow) -> list[tuple[QWidget, str]]:
    texts = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, (QLabel, QPushButton, QLineEdit)):
            texts.append((widget, widget.text()))
    return texts


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_tour_visits_every_screen_with_readable_touch_sized_controls(
    qtbot, tmp_path: Path, lang: str
) -> None:
    problems: list[str] = []

    def inspect(window: KioskWindow, name: str) -> None:
        if window.size().height() > 800 or window.size().width() > 1280:
            problems.append(f"{name}: the window grew to {window.width()}x{window.height()}")
        for _widget, text in visible_texts(window):
            if RAW_KEY.match(text):
                problems.append(f"{name}: untranslated {text!r}")
        for button in window.findChildren(QPushButton):
            if button.isVisible() and (
                button.height() < MIN_TOUCH_PX or button.width() < MIN_TOUCH_PX
            ):
                problems.append(
                    f"{name}: button {button.objectName()} is {button.width()}x{button.height()}"
                )
            if not button.isVisible() or not button.text():
                continue
            if isinstance(button, Tile):
                caption = button.caption
                clipped = caption.heightForWidth(caption.width()) > caption.height()
            else:
                clipped = (
                    button.fontMetrics().horizontalAdvance(max(button.text().split("\n"), key=len))
                    > button.width()
                )
            if clipped:
                problems.append(
                    f"{name}: text of {button.property('tour') or button.objectName()} is clipped"
                )

    driver = run_tour(tmp_path / "shots", lang, data_dir=tmp_path / "data", inspect=inspect)
    assert problems == []
    assert set(driver.visited) | {Step.ATTRACT} == set(Step)
    names = {path.stem.split("-", 1)[1] for path in driver.screenshots}
    # The interconnected birth registration: requirements, every form page, papers, check.
    form_pages = [
        "from-card",
        "declarant_role",
        "born_in_facility",
        "late_registration",
        "parents_married",
        "child_name-error",
        "child_dob",
        "child_sex",
        "child_birthplace",
        "father_name-optional",
        "phone",
    ]
    expected = {f"form-{n:02d}-{page}" for n, page in enumerate(form_pages, start=1)}
    assert expected | {"requirements", "papers", "check-answers"} <= names
    for path in driver.screenshots:
        assert path.stat().st_size > 10_000  # a rendered screen, not a blank


def test_the_font_covers_every_vietnamese_letter(qtbot) -> None:
    from ui.app import application

    application()
    font = QFont(FAMILY)
    assert QFontMetrics(font).inFontUcs4(ord("ữ"))
    metrics = QFontMetrics(font)
    missing = [c for c in VIETNAMESE + VIETNAMESE.upper() + "₫" if not metrics.inFontUcs4(ord(c))]
    assert missing == []
    assert QApplication.font().family() == FAMILY


def test_language_switch_retranslates_and_resets_after_the_session(ui_kiosk: UiKiosk) -> None:
    attract = ui_kiosk.window.screens[Step.ATTRACT]
    assert attract.title.text().startswith("Xin chào")
    ui_kiosk.click("lang_en")
    assert attract.title.text() == "Hello! How can we help you?"
    ui_kiosk.click("tile_lookup")
    ui_kiosk.wait_for(Step.LOOKUP)
    assert ui_kiosk.window.screens[Step.LOOKUP].title.text() == "Look up a dossier"
    ui_kiosk.click("back")
    ui_kiosk.wait_for(Step.ATTRACT)
    assert attract.title.text().startswith("Xin chào")  # the next citizen starts in Vietnamese


def test_high_contrast_and_large_text_apply_and_reset(ui_kiosk: UiKiosk) -> None:
    app = QApplication.instance()
    normal = app.styleSheet()
    ui_kiosk.click("high_contrast")
    ui_kiosk.click("large_text")
    assert "#FFE500" in app.styleSheet() and "font-size: 26px" in app.styleSheet()
    ui_kiosk.click("tile_queue")
    ui_kiosk.wait_for(Step.QUEUE_TICKET)
    ui_kiosk.click("back")
    ui_kiosk.wait_for(Step.ATTRACT)
    assert app.styleSheet() == normal


def test_idle_warning_one_touch_continues_then_timeout_wipes(ui_kiosk: UiKiosk) -> None:
    core, window = ui_kiosk.core, ui_kiosk.window
    ui_kiosk.click("tile_submit")
    ui_kiosk.identify()
    cfg = core.config.session
    ui_kiosk.clock.advance(cfg.idle_timeout_s - cfg.idle_warning_s + 1)
    ui_kiosk.qtbot.waitUntil(window.overlay.isVisible, timeout=3000)
    assert "giây" in window.overlay.countdown.text()
    ui_kiosk.click("idle_continue")
    assert not window.overlay.isVisible()
    assert core.step is Step.FACE_CHECK
    ui_kiosk.clock.advance(cfg.idle_timeout_s + 1)
    ui_kiosk.wait_for(Step.ATTRACT, timeout=3000)
    notice = window.screens[Step.ATTRACT].notice
    assert notice.isVisible() and "không có thao tác" in notice.text()


def test_card_removal_through_the_ui_ends_the_session(ui_kiosk: UiKiosk) -> None:
    ui_kiosk.open_form("CT-TT")
    ui_kiosk.click("demo_remove")
    ui_kiosk.wait_for(Step.ATTRACT)
    assert "rút ra" in ui_kiosk.window.screens[Step.ATTRACT].notice.text()


def test_form_errors_link_to_each_field(ui_kiosk: UiKiosk) -> None:
    form = ui_kiosk.open_form("TP-LLTP")
    # The first page shows what the card filled in, marked, with nothing to type.
    card_value = form.findChild(QLabel, "card_full_name")
    assert card_value.text() == ui_kiosk.sims.card.full_name
    assert "thẻ căn cước" in " ".join(w.text() for w in form.findChildren(QLabel, "badge"))
    ui_kiosk.click("form_continue")
    ui_kiosk.wait_page("certificate_type")
    ui_kiosk.click("form_continue")  # nothing chosen
    assert form.summary.isVisible()
    assert form.title.text().startswith("Lỗi: ")
    assert form.messages["certificate_type"].isVisible()
    ui_kiosk.fill([("certificate_type", "type_1"), ("fee_group", "standard"), ("father_name", "")])
    ui_kiosk.fill([("mother_name", ""), ("spouse_name", "")])
    ui_kiosk.wait_page("purpose")
    ui_kiosk.click("form_continue")
    links = [b for b in form.summary.findChildren(QPushButton) if b.isVisible()]
    assert [b.text() for b in links] == [form.messages["purpose"].text()]
    ui_kiosk.qtbot.waitUntil(form.edits["purpose"].isVisible, timeout=2000)
    form.edits["purpose"].clearFocus()
    ui_kiosk.qtbot.mouseClick(links[0], Qt.MouseButton.LeftButton)
    assert ui_kiosk.window.focusWidget() is form.edits["purpose"]
    # Back keeps the answer given on the page before.
    ui_kiosk.click("back")
    ui_kiosk.wait_page("spouse_name")
    ui_kiosk.click("back")
    ui_kiosk.click("back")
    ui_kiosk.click("back")
    ui_kiosk.wait_page("fee_group")
    assert form.choices["standard"].isChecked()


BIRTH_PAGES: list[tuple[str, str | dict[str, str]]] = [
    ("from_card", ""),
    ("declarant_role", "mother"),
    ("born_in_facility", "yes"),
    ("late_registration", "no"),
    ("parents_married", "yes"),
    ("child_name", "Bé Na"),
    ("child_dob", "02/11/2026"),
    ("father_name", ""),
    ("phone", "0987654321"),
]


def run_ui_session(ui_kiosk: UiKiosk, card) -> None:
    qtbot = ui_kiosk.qtbot
    ui_kiosk.open_form("LT-KS-TT-BHYT", card)
    ui_kiosk.fill(BIRTH_PAGES)
    ui_kiosk.wait_for(Step.CHECK_ANSWERS)
    # A citizen may copy their own data; the wipe must clear the clipboard too.
    QGuiApplication.clipboard().setText(card.place_of_residence)
    ui_kiosk.click("send")
    ui_kiosk.wait_for(Step.RECEIPT)
    ui_kiosk.click("receipt_continue")
    ui_kiosk.click("rate_satisfied")
    ui_kiosk.wait_for(Step.GOODBYE)
    qtbot.wait(50)


def widgets_holding(needles: list[str]) -> list[str]:
    hits = []
    for widget in QApplication.allWidgets():
        texts = [widget.windowTitle(), widget.toolTip(), widget.accessibleName()]
        if isinstance(widget, (QLabel, QPushButton, QLineEdit)):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit) and widget.isUndoAvailable():
            hits.append(f"{widget.objectName()}: undo history")
        if (
            isinstance(widget, QLabel)
            and widget.pixmap() is not None
            and (not widget.pixmap().isNull() and widget.objectName() == "card")
        ):
            hits.append("chip photo still shown")
        hits += [
            f"{type(widget).__name__} {widget.objectName()}: {t[:40]!r}"
            for t in texts
            if any(n in t for n in needles)
        ]
    return hits


@pytest.mark.parametrize("ending", ["finish", "timeout", "card_removed", "crash"])
def test_the_wipe_leaves_no_personal_data_on_screen_or_in_memory(
    ui_kiosk: UiKiosk, ending: str
) -> None:
    card = unique_card()
    needles = needles_for(card)
    if ending == "finish":
        run_ui_session(ui_kiosk, card)
        ui_kiosk.sims.reader.remove()
        ui_kiosk.click("home")
    else:
        ui_kiosk.open_form("CT-TT", card)
        ui_kiosk.fill([("from_card", ""), ("residence_basis", "own"), ("fee_exempt", "no")])
        ui_kiosk.wait_page("new_address")
        ui_kiosk.answer(
            "new_address",
            {
                "province": "Thành phố Hà Nội",
                "commune": "Phường Cửa Nam",
                "detail": card.place_of_residence,
            },
        )
        QGuiApplication.clipboard().setText(card.full_name)
        if ending == "timeout":
            ui_kiosk.clock.advance(ui_kiosk.core.config.session.idle_timeout_s + 1)
        elif ending == "crash":
            ui_kiosk.core.dispatcher.post(lambda: 1 / 0)
        else:
            ui_kiosk.sims.reader.remove()
    ui_kiosk.wait_for(Step.ATTRACT)
    expected = {
        "finish": "finished",
        "timeout": "timed_out",
        "crash": "crashed",
        "card_removed": "card_removed",
    }[ending]
    assert ui_kiosk.core.last_end_reason == expected
    ui_kiosk.sims.reader.remove()  # the citizen leaves with the card
    ui_kiosk.qtbot.wait(50)
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del card
    assert widgets_holding(needles) == []
    assert QGuiApplication.clipboard().text() == ""
    assert objects_holding(needles) == []
    assert ui_kiosk.core.step is Step.ATTRACT
    assert ui_kiosk.core.fire(Trigger.SUBMIT_CHOSEN) is not None  # ready for the next citizen


@pytest.mark.allow_handler_errors
def test_a_bug_in_a_screen_recovers_to_the_start_and_wipes(
    ui_kiosk: UiKiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = ui_kiosk.window.screens[Step.CHOOSE_SERVICE]

    def broken(_transition: object) -> None:
        raise RuntimeError("bug in the choose-service screen")

    monkeypatch.setattr(screen, "on_enter", broken)
    ui_kiosk.identify()
    ui_kiosk.click("demo_face_ok")
    ui_kiosk.wait_for(Step.ATTRACT)
    assert ui_kiosk.core.last_end_reason == "crashed"
    assert ui_kiosk.core.session.identity is None
    assert ui_kiosk.window.screens[Step.ATTRACT].notice.isVisible()


def test_change_on_the_check_answers_page_goes_to_that_question(ui_kiosk: UiKiosk) -> None:
    form = ui_kiosk.open_form("CT-TT")
    ui_kiosk.fill(
        [
            ("from_card", ""),
            ("residence_basis", "relative"),
            ("fee_exempt", "no"),
            (
                "new_address",
                {
                    "province": "Thành phố Huế",
                    "commune": "Phường Thuận Hóa",
                    "detail": "Số 5 Lê Lợi",
                },
            ),
            ("head_name", "Nguyễn Văn Ba"),
            ("head_relationship", "Cha"),
            ("phone", "0987654321"),
        ]
    )
    ui_kiosk.wait_for(Step.CAPTURE_PAPERS)  # the owner's consent is still a paper
    ui_kiosk.click("paper_counter_owner_consent")
    ui_kiosk.click("papers_continue")
    ui_kiosk.wait_for(Step.CHECK_ANSWERS)
    check = ui_kiosk.window.screens[Step.CHECK_ANSWERS]
    shown = " ".join(w.text() for w in check.findChildren(QLabel))
    assert "Số 5 Lê Lợi, Phường Thuận Hóa, Thành phố Huế" in shown
    assert "Nộp tại quầy" in shown
    ui_kiosk.click("change_phone")
    ui_kiosk.wait_for(Step.FILL_FORM)
    ui_kiosk.qtbot.waitUntil(
        lambda: ui_kiosk.window.focusWidget() is form.edits["phone"], timeout=2000
    )
    assert form.edits["phone"].text() == "0987654321"
    form.edits["phone"].setText("0912000111")
    ui_kiosk.click("form_continue")
    ui_kiosk.wait_for(Step.CHECK_ANSWERS)  # straight back, not through every page
    assert "0912000111" in " ".join(w.text() for w in check.findChildren(QLabel))


def test_a_keyboard_wedge_mrz_scanner_opens_the_chip(ui_kiosk: UiKiosk) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    from devices.card.mrtd.mrz import cccd_td1

    card = ui_kiosk.sims.card
    ui_kiosk.sims.reader.insert(card)
    ui_kiosk.wait_for(Step.ACCESS_KEY)
    screen = ui_kiosk.window.screens[Step.ACCESS_KEY]
    ui_kiosk.qtbot.waitUntil(screen.edits["id_number"].isVisible, timeout=2000)
    mrz = cccd_td1(
        card.id_number, card.date_of_birth, card.date_of_expiry, "F", "Tran", "Thi Ngoc Anh"
    )
    target = screen.edits["id_number"]
    target.setFocus()
    for line in mrz.split("\n"):
        for char in line:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    target, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )
        QApplication.sendEvent(
            target,
            QKeyEvent(
                QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"
            ),
        )
    ui_kiosk.wait_for(Step.FACE_CHECK)
    assert ui_kiosk.core.session.identity.id_number == card.id_number

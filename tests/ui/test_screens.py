"""The real screens, walked by the automatic driver and by hand."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QWidget,
)

from kiosk.printing.fonts import FAMILY
from kiosk.runtime.flow import Step, Trigger
from kiosk.runtime.i18n import Translator
from tests.pii import needles_for, objects_holding, unique_card
from tests.ui.accessibility import (
    KEY_SCREENS,
    AuditEach,
    SpeechCheck,
    TourChecks,
    chain,
    tour_needles,
)
from tests.ui.conftest import UiKiosk
from ui.automatic import run_tour
from ui.key_screens import key_screens
from ui.main_window import KioskWindow
from ui.screens.base import Tile
from ui.theme import MIN_TOUCH_PX, Theme

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


def in_view(window: KioskWindow, widget: QWidget) -> bool:
    """``widget`` whole on screen: inside the window and the shown part of its scroll area."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        viewport = parent.viewport()
        if not QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size()).contains(rect):
            return False
    return widget.isVisible() and window.rect().contains(rect)


def inspector(
    problems: list[str], size: tuple[int, int], seen: dict[str, str]
) -> Callable[[KioskWindow, str], None]:
    """What every screen of every tour must satisfy; ``seen`` keeps texts the test reads."""
    width, height = size

    def inspect(window: KioskWindow, name: str) -> None:
        theme = window.theme
        if (window.width(), window.height()) != size:
            problems.append(f"{name}: the window is {window.width()}x{window.height()}")
        needed = window.centralWidget().minimumSizeHint()
        if needed.height() > height or needed.width() > width:
            problems.append(f"{name}: the page needs {needed.width()}x{needed.height()}")
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
        # Body text at 24 px (32 px in larger text); the header's buttons grow with it.
        for widget, text in visible_texts(window):
            if text and window.stack.isAncestorOf(widget):
                if widget.font().pixelSize() < theme.base_px:
                    problems.append(
                        f"{name}: {widget.objectName() or text[:20]!r} at "
                        f"{widget.font().pixelSize()} px"
                    )
        if window.header.staff.font().pixelSize() != theme.header_px:
            problems.append(f"{name}: the header's buttons ignore the text size")
        if window.keyboard.isVisible() and window.keyboard.theme != theme:
            problems.append(f"{name}: the keyboard ignores the theme")
        # What is chosen says so in a mark, not by its colour alone.
        for button in window.findChildren(QPushButton):
            if button.isVisible() and button.isCheckable() and button.isChecked():
                if not button.text().startswith(("✓", "◉")):
                    problems.append(f"{name}: {button.objectName()} is chosen by colour only")
        screen = window.stack.currentWidget()
        if name == "receipt" and not in_view(window, screen.printer):
            problems.append(f"{name}: 'take the receipt from the slot' is not all in sight")
        if name.endswith("-error"):
            # The title says there is a problem first (DOMAIN.md: "Lỗi:"), the question kept.
            title, core = screen.title.text(), window.core
            question = core.forms.form.page.label(core.tr.language)
            if not title.startswith(("Lỗi: ", "Error: ")) or question not in title:
                problems.append(f"{name}: the title {title!r} is not 'Lỗi: ' and the question")
            if not in_view(window, screen.summary):
                problems.append(f"{name}: the error summary is not all in sight")
        busy = {"submitting": "busy", "papers-camera": "paperBusy"}.get(name)
        if busy and not screen.findChild(QWidget, busy).spinner.turning:
            problems.append(f"{name}: nothing shows that the kiosk is working")
        seen[name] = screen.title.text()
        if name == "lookup-result":
            seen[name] = screen.result.text()

    return inspect


# The whole tour with every check is the suite's longest test: on a loaded machine it may
# outlast the default per-test timeout (a guard against hangs, 120 s), so it gets more; the
# tour's own steps each have their 15 s deadline.
@pytest.mark.timeout(600)
def test_tour_walks_every_screen_with_a_citizen_switching_to_english_half_way(
    qtbot, tmp_path: Path
) -> None:
    """The full walk at 1280×800: readable, touch-sized, nothing under the keyboard (the
    driver checks every screen with the keyboard up), and a citizen who turns to English
    half-way reads the rest, the goodbye included, in English; the next one gets Vietnamese."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    inspect = inspector(problems, (1280, 800), seen)
    # The same walk checks every screen's accessibility (both themes and text sizes, switched
    # in place) and what the Listen button says, Vietnamese then English, through the
    # loudspeaker: tests/ui/accessibility.py (one tour for all: the suite's time).
    found: list[str] = []
    speech = SpeechCheck(tour_needles(), found)
    driver = run_tour(
        tmp_path / "shots",
        "vi",
        data_dir=tmp_path / "data",
        inspect=chain(inspect, TourChecks(found, speech, other_variant_seen=KEY_SCREENS)),
        switch_language_at="papers",
    )
    assert problems == []
    assert found == []
    assert speech.said["receipt"].count(",") >= 6  # the dossier code in its groups
    assert speech.said["goodbye"].startswith(Translator.text("goodbye.title", "en"))
    languages = driver.languages
    assert languages["requirements"] == "vi" and languages["papers"] == "en"
    assert languages["goodbye"] == "en"
    assert seen["goodbye"] == Translator.text("goodbye.title", "en")
    assert languages["attract-after-timeout"] == "vi"  # the next citizen: the kiosk's own
    appointment = Translator.text("lookup.appointment", "vi", date="")
    assert appointment in seen["lookup-result"]  # the known return date is shown
    assert set(driver.visited) | {Step.ATTRACT} == set(Step)
    names = {path.stem.split("-", 1)[1] for path in driver.screenshots}
    # The interconnected birth registration: requirements, every form page, papers, check.
    # (No page repeats the card's values, confirmed on the requirements screen; no page asks
    # the 60-day question, which the child's birth date answers.)
    form_pages = [
        "declarant_role",
        "born_in_facility",
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
    assert "technician-voice" in names  # technician mode's voice page, audited as shot
    for path in driver.screenshots:
        assert path.stat().st_size > 10_000  # a rendered screen, not a blank


@pytest.mark.parametrize(
    ("size", "large_text", "high_contrast", "language"),
    [
        pytest.param((1280, 800), True, True, "en", id="1280x800-large-contrast-en"),
        pytest.param((1080, 1920), True, False, "vi", id="portrait-1080x1920-large"),
        # 1920×1080 has room to spare: `make tour` shows it (out/tour-1080p).
    ],
)
@pytest.mark.timeout(600)  # a tour too (see the full walk above)
def test_key_screens_fit_every_screen_size_text_size_and_contrast(
    qtbot,
    tmp_path: Path,
    size: tuple[int, int],
    large_text: bool,
    high_contrast: bool,
    language: str,
) -> None:
    """The screens that got in the way, in the other variants: every form page (each text
    page first left empty), the search, the look-up, with the keyboard up and nothing under
    it; an upright kiosk gets its own layout, not a stretched landscape one."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    check = inspector(problems, size, seen)
    portrait = size[1] > size[0]

    def inspect(window: KioskWindow, name: str) -> None:
        check(window, name)
        if window.theme != Theme(high_contrast=high_contrast, large_text=large_text):
            problems.append(f"{name}: the theme is {window.theme}")
        if name == "attract":
            tiles = window.screens[Step.ATTRACT].tiles
            columns = {tile.geometry().x() for tile in tiles}
            if portrait and (len(columns) != 1 or not window.header.wrapped):
                problems.append("upright: the tiles are not in one column under a wrapped header")
            if not portrait and len(columns) != 3:
                problems.append("wide: the tiles are not in three columns")
        keyboard = window.keyboard
        if keyboard.isVisible() and keyboard.mode != "text":
            zero = keyboard.findChild(QPushButton, "key_0")
            if portrait and zero.width() < window.width() // 4:
                problems.append(f"{name}: the digit pad is not across the screen")

    found: list[str] = []  # the accessibility rules, and every value said into a headset
    speech = SpeechCheck(tour_needles(), found, headset=True)
    audited = AuditEach(found)
    driver = run_tour(
        tmp_path / "shots",
        language,
        data_dir=tmp_path / "data",
        inspect=chain(inspect, audited, speech),
        size=size,
        large_text=large_text,
        high_contrast=high_contrast,
        walk=key_screens,
    )
    assert problems == []
    assert found == []
    assert "Nguyễn Văn An" in speech.said["form-04-child_name"]  # typed, said privately
    assert KEY_SCREENS <= audited.steps  # the full tour leaves these variants to this walk
    names = {path.stem.split("-", 1)[1] for path in driver.screenshots}
    assert {"choose-service-search", "lookup-keyboard", "rating-reasons", "goodbye"} <= names
    assert any(name.endswith("-error") for name in names)  # a form page's error summary
    assert seen["goodbye"] == Translator.text("goodbye.title", language)


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
    assert "#FFE500" in app.styleSheet() and "font-size: 32px" in app.styleSheet()
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
    ui_kiosk.qtbot.waitUntil(window.overlay.isVisible, timeout=10_000)
    assert "giây" in window.overlay.countdown.text()
    ui_kiosk.click("idle_continue")
    assert not window.overlay.isVisible()
    assert core.step is Step.FACE_CHECK
    ui_kiosk.clock.advance(cfg.idle_timeout_s + 1)
    ui_kiosk.wait_for(Step.ATTRACT, timeout=10_000)
    notice = window.screens[Step.ATTRACT].notice
    assert notice.isVisible() and "không có thao tác" in notice.text()


def test_card_removal_through_the_ui_ends_the_session(ui_kiosk: UiKiosk) -> None:
    ui_kiosk.open_form("CT-TT")
    ui_kiosk.click("demo_remove")
    ui_kiosk.wait_for(Step.ATTRACT)
    assert "rút ra" in ui_kiosk.window.screens[Step.ATTRACT].notice.text()


def test_form_errors_link_to_each_field(ui_kiosk: UiKiosk) -> None:
    form = ui_kiosk.open_form("TP-LLTP")
    # What the card filled in was shown, and confirmed, on the requirements screen.
    requirements = ui_kiosk.window.screens[Step.REQUIREMENTS]
    card_value = requirements.findChild(QLabel, "card_full_name")
    assert card_value.text() == ui_kiosk.sims.card.full_name
    ui_kiosk.wait_page("certificate_type")  # the form starts with its first question
    ui_kiosk.fill([("certificate_type", "type_1"), ("fee_group", "standard"), ("father_name", "")])
    ui_kiosk.fill([("mother_name", ""), ("spouse_name", "")])
    ui_kiosk.wait_page("purpose")
    ui_kiosk.click("form_continue")  # nothing typed
    assert form.summary.isVisible() and form.messages["purpose"].isVisible()
    links = [b for b in form.summary.findChildren(QPushButton) if b.isVisible()]
    assert [b.text() for b in links] == [form.messages["purpose"].text()]
    ui_kiosk.qtbot.waitUntil(form.edits["purpose"].isVisible, timeout=10_000)
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
    ("declarant_role", "mother"),
    ("born_in_facility", "yes"),  # the birth certificate gives the date, sex and place
    ("late_registration", "no"),
    ("parents_married", "yes"),  # the father is known: not asked
    ("child_name", "Bé Na"),
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
        ui_kiosk.fill([("residence_basis", "own"), ("fee_exempt", "no")])
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
        lambda: ui_kiosk.window.focusWidget() is form.edits["phone"], timeout=10_000
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
    ui_kiosk.click("access_mode_numbers")
    ui_kiosk.qtbot.waitUntil(screen.edits["id_number"].isVisible, timeout=10_000)
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

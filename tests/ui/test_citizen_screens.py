"""Screens that got in an elderly citizen's way (issue 18), each through the real window.

The goodbye is read in the citizen's own language and text size; the access key's error
names what was typed and goes with another way; "not satisfied" stays chosen and offers
reasons to touch; the look-up reads the receipt's QR code; the keyboard never hides the
field typed in.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication

from kiosk.runtime.flow import Step
from kiosk.runtime.i18n import Translator
from kiosk.scan.qr import qr_frame
from tests.ui.conftest import UiKiosk
from ui.theme import LARGE_BODY_PX


def test_the_goodbye_is_read_in_the_citizens_language_and_text_size(ui_kiosk: UiKiosk) -> None:
    window = ui_kiosk.window
    ui_kiosk.click("lang_en")
    ui_kiosk.click("large_text")
    ui_kiosk.click("tile_rating")
    ui_kiosk.wait_for(Step.RATING)
    ui_kiosk.click("rate_very_satisfied")
    ui_kiosk.wait_for(Step.GOODBYE)
    goodbye = window.screens[Step.GOODBYE]
    # The session is over and wiped, but this screen is still the citizen's.
    assert goodbye.title.text() == Translator.text("goodbye.title", "en")
    assert window.theme.large_text and goodbye.title.font().pixelSize() > LARGE_BODY_PX
    assert f"font-size: {LARGE_BODY_PX}px" in QApplication.instance().styleSheet()
    ui_kiosk.click("home")
    ui_kiosk.wait_for(Step.ATTRACT)
    attract = window.screens[Step.ATTRACT]
    assert attract.title.text() == Translator.text("attract.title", "vi")  # the next citizen
    assert not window.theme.large_text


def test_the_goodbye_times_out_to_the_kiosks_own_settings(ui_kiosk: UiKiosk) -> None:
    ui_kiosk.click("lang_en")
    ui_kiosk.click("tile_rating")
    ui_kiosk.click("rate_satisfied")
    ui_kiosk.wait_for(Step.GOODBYE)
    assert ui_kiosk.core.tr.language == "en"
    ui_kiosk.clock.advance(ui_kiosk.core.config.session.goodbye_s + 1)
    ui_kiosk.wait_for(Step.ATTRACT, timeout=10_000)
    assert ui_kiosk.core.tr.language == "vi"


def read_with(ui_kiosk: UiKiosk, mode: str, **typed: str) -> None:
    screen = ui_kiosk.window.screens[Step.ACCESS_KEY]
    ui_kiosk.click(f"access_mode_{mode}")
    for name, text in typed.items():
        screen.edits[name].setText(text)
    ui_kiosk.click("access_read")
    ui_kiosk.qtbot.waitUntil(screen.error.isVisible, timeout=20_000)


def test_a_refused_key_names_what_was_typed_and_goes_with_another_way(ui_kiosk: UiKiosk) -> None:
    card = ui_kiosk.sims.card
    ui_kiosk.sims.reader.insert(card)
    ui_kiosk.wait_for(Step.ACCESS_KEY)
    screen = ui_kiosk.window.screens[Step.ACCESS_KEY]
    read_with(
        ui_kiosk,
        "numbers",
        id_number=card.id_number,
        birth=f"{card.date_of_birth:%d/%m/%Y}",
        expiry="14/03/2044",
    )
    assert screen.error.text() == Translator.text("access.error.numbers_rejected", "vi")
    ui_kiosk.click("access_mode_qr")  # another way: the last way's error goes
    assert not screen.error.isVisible()
    read_with(ui_kiosk, "can", can="000000")
    expected = {
        Translator.text("access.error.can_rejected", "vi"),
        Translator.text("card.error.can_unsupported", "vi"),  # a card without PACE
    }
    assert screen.error.text() in expected
    assert "hết hạn" not in screen.error.text()  # never the expiry date, for a CAN


def test_not_satisfied_stays_chosen_and_offers_reasons_to_touch(ui_kiosk: UiKiosk) -> None:
    core, window = ui_kiosk.core, ui_kiosk.window
    ui_kiosk.click("tile_rating")
    ui_kiosk.wait_for(Step.RATING)
    screen = window.screens[Step.RATING]
    ui_kiosk.click("rate_dissatisfied")
    tile = screen.tiles["dissatisfied"]
    assert tile.isChecked() and tile.text().startswith("✓")  # a mark, not colour only
    reasons = [b for b in screen.reason_buttons.values() if b.isVisible()]
    assert len(reasons) == 5 and all(b.text().startswith("○") for b in reasons)
    ui_kiosk.click("rating_send")  # nothing touched, nothing typed
    assert screen.error.isVisible() and core.step is Step.RATING
    ui_kiosk.click("reason_waiting")
    assert screen.reason_buttons["waiting"].text().startswith("◉")
    ui_kiosk.click("rating_send")  # no typing needed
    ui_kiosk.wait_for(Step.GOODBYE)
    outbox = core.context.outbox
    ui_kiosk.qtbot.waitUntil(lambda: bool(outbox.pending_ratings()), timeout=10_000)
    (rating,) = outbox.pending_ratings()
    assert rating.level == "dissatisfied" and rating.sealed_reason is not None


def test_the_look_up_reads_the_dossier_code_from_the_receipts_qr_code(
    ui_kiosk: UiKiosk,
) -> None:
    window, camera = ui_kiosk.window, ui_kiosk.core.devices.camera
    ui_kiosk.click("tile_lookup")
    ui_kiosk.wait_for(Step.LOOKUP)
    screen = window.screens[Step.LOOKUP]
    assert ui_kiosk.core.lookup.scanning and screen.camera.isVisible()  # no touch needed
    assert window.keyboard.isHidden()  # nothing covers the camera's view
    camera.show([qr_frame(ui_kiosk.sims.card.qr_text())])  # the ID card's QR, not a receipt
    ui_kiosk.qtbot.waitUntil(screen.error.isVisible, timeout=20_000)
    assert screen.error.text() == Translator.text("lookup.error.qr", "vi")
    assert ui_kiosk.core.lookup.scanning  # still looking
    camera.show([qr_frame("DEMO01-261120-K010007")])
    ui_kiosk.qtbot.waitUntil(lambda: screen.code.text() == "DEMO01-261120-K010007", timeout=20_000)
    assert not ui_kiosk.core.lookup.scanning and not screen.error.isVisible()
    assert window.focusWidget() is screen.id_number  # only the ID number is left to type
    camera.show(None)


def test_the_keyboard_never_hides_the_search_results(ui_kiosk: UiKiosk) -> None:
    window, qtbot = ui_kiosk.window, ui_kiosk.qtbot
    window.activateWindow()  # the keyboard follows the application's focus
    qtbot.waitActive(window)
    ui_kiosk.identify()
    ui_kiosk.click("demo_face_ok")
    ui_kiosk.wait_for(Step.CHOOSE_SERVICE)
    screen = window.screens[Step.CHOOSE_SERVICE]
    screen.search.setFocus()
    qtbot.waitUntil(window.keyboard.isVisible, timeout=10_000)
    screen.search.setText("khai sinh")
    first = next(iter(screen.items.values()))
    keys_top = window.keyboard.mapTo(window, QPoint(0, 0)).y()
    viewport = screen.scroll_area.viewport()
    shown = QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size())

    def in_sight() -> bool:
        rect = QRect(first.mapTo(window, QPoint(0, 0)), first.size())
        return shown.contains(rect) and rect.bottom() < keys_top

    qtbot.waitUntil(in_sight, timeout=10_000)
    field = QRect(screen.search.mapTo(window, QPoint(0, 0)), screen.search.size())
    assert shown.contains(field) and field.bottom() < keys_top
    # The exact match ("Đăng ký khai sinh", second by use) whole above the keyboard too.
    exact = screen.items["HT-KS"]
    assert list(screen.items).index("HT-KS") == 1

    def exact_in_sight() -> bool:
        rect = QRect(exact.mapTo(window, QPoint(0, 0)), exact.size())
        return shown.contains(rect) and rect.bottom() < keys_top

    qtbot.waitUntil(exact_in_sight, timeout=10_000)


def test_procedures_show_above_the_fold_with_the_areas_folded_away(ui_kiosk: UiKiosk) -> None:
    """The list of procedures starts on screen (the areas under one button, not rows of
    buttons above it), in both languages and in larger text; an area chosen folds away."""
    window, qtbot = ui_kiosk.window, ui_kiosk.qtbot
    ui_kiosk.identify()
    ui_kiosk.click("demo_face_ok")
    ui_kiosk.wait_for(Step.CHOOSE_SERVICE)
    screen = window.screens[Step.CHOOSE_SERVICE]
    viewport = screen.scroll_area.viewport()

    def whole_tiles() -> int:
        def whole(tile) -> bool:
            rect = QRect(tile.mapTo(viewport, QPoint(0, 0)), tile.size())
            return tile.isVisible() and viewport.rect().contains(rect)

        return sum(1 for tile in screen.items.values() if whole(tile))

    for touch in ("", "lang_en", "large_text"):
        if touch:
            ui_kiosk.click(touch)
        qtbot.waitUntil(lambda: whole_tiles() >= 2, timeout=10_000)
    ui_kiosk.click("lang_vi")
    assert screen.filter.text().startswith("Lọc theo lĩnh vực: Tất cả")
    assert not screen.category_panel.isVisible()
    ui_kiosk.click("category_filter")
    ui_kiosk.click("category_ho_tich")
    qtbot.waitUntil(lambda: not screen.category_panel.isVisible(), timeout=10_000)
    assert screen.filter.text().startswith("Lọc theo lĩnh vực: Hộ tịch")
    assert "HT-KS" in screen.items and "TP-LLTP" not in screen.items
    qtbot.waitUntil(lambda: whole_tiles() >= 2, timeout=10_000)

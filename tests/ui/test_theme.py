"""The theme's colours and sizes, checked against WCAG 2.2 for people who see poorly.

Text and placeholders at 4.5:1 at least (1.4.3; 7:1 in high contrast, 1.4.6), the edges
of fields, keys, buttons and tiles at 3:1 against what surrounds them (1.4.11); body text
at 24 px, 32 px in larger text; the keyboard in the same colours and sizes.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QPushButton

from ui.keyboard import OnScreenKeyboard, keyboard_style
from ui.theme import DEFAULT, HIGH_CONTRAST, Palette, Theme, contrast_ratio

PALETTES = [pytest.param(DEFAULT, 4.5, id="default"), pytest.param(HIGH_CONTRAST, 7, id="high")]


def test_the_contrast_ratio_is_wcags() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # WCAG's grey
    assert contrast_ratio("#0B5CAD", "#F4F6FA") == contrast_ratio("#F4F6FA", "#0B5CAD")


@pytest.mark.parametrize(("palette", "text_ratio"), PALETTES)
def test_text_and_placeholders_are_readable(palette: Palette, text_ratio: float) -> None:
    p = palette
    pairs = {
        "body text": (p.text, (p.background, p.surface, p.keyboard)),
        "hints and subtitles": (p.muted, (p.background, p.surface)),
        "placeholders": (p.placeholder, (p.surface,)),
        "links and button labels": (p.accent, (p.background, p.surface)),
        "errors": (p.error, (p.background, p.surface)),
        "'from your ID card' marks": (p.success, (p.background, p.surface)),
        "the header": (p.header_text, (p.header,)),
        "primary buttons": (p.primary_text, (p.primary,)),
        "chosen buttons": (p.accent_text, (p.accent,)),
        "the Done key": (p.success_text, (p.success,)),
    }
    low = [
        f"{what}: {contrast_ratio(fore, back):.2f}:1 on {back}"
        for what, (fore, backs) in pairs.items()
        for back in backs
        if contrast_ratio(fore, back) < 4.5
    ]
    assert low == []
    assert contrast_ratio(p.text, p.background) >= text_ratio


@pytest.mark.parametrize(("palette", "text_ratio"), PALETTES)
def test_edges_of_fields_keys_and_buttons_stand_out(palette: Palette, text_ratio: float) -> None:
    p = palette
    pairs = {
        "field, tile and key borders": (p.border, (p.surface, p.background, p.keyboard)),
        "button borders": (p.accent, (p.surface, p.background)),
        "primary buttons": (p.primary, (p.background,)),
    }
    low = [
        f"{what}: {contrast_ratio(edge, back):.2f}:1 against {back}"
        for what, (edge, backs) in pairs.items()
        for back in backs
        if contrast_ratio(edge, back) < 3
    ]
    assert low == []


@pytest.mark.parametrize("high_contrast", [False, True])
def test_the_stylesheet_uses_the_checked_colours(high_contrast: bool) -> None:
    theme = Theme(high_contrast=high_contrast)
    p, sheet = theme.palette, theme.stylesheet()
    assert f"placeholder-text-color: {p.placeholder}" in sheet
    field = re.search(r"\nQLineEdit \{([^}]*)\}", sheet)
    assert field is not None and f"solid {p.border};" in field.group(1)
    keys = keyboard_style(theme, 50)
    assert f"background: {p.surface}; color: {p.text}; border: " in keys
    assert f"solid {p.border}" in keys and f"#keyboard {{ background: {p.keyboard}" in keys


def test_body_text_is_24_px_and_32_px_larger_and_the_header_grows_too() -> None:
    normal, large = Theme(), Theme(large_text=True)
    assert (normal.base_px, large.base_px) == (24, 32)
    assert "* { font-family" in normal.stylesheet() and "font-size: 24px;" in normal.stylesheet()
    assert "font-size: 32px;" in large.stylesheet()
    assert large.header_px > normal.header_px
    header_rule = f"min-height: 48px;\n    font-size: {large.header_px}px;"
    assert header_rule in large.stylesheet()


def test_the_keyboard_follows_the_theme_and_the_text_size(qtbot) -> None:
    keyboard = OnScreenKeyboard(lambda key, **_: key)
    qtbot.addWidget(keyboard)
    keyboard.resize(1280, 340)
    keyboard.show()
    letter = keyboard.findChild(QPushButton, "key_a")
    normal = letter.font().pixelSize()
    keyboard.apply_theme(Theme(high_contrast=True, large_text=True))
    letter = keyboard.findChild(QPushButton, "key_a")
    assert letter.font().pixelSize() > normal
    assert HIGH_CONTRAST.keyboard in keyboard.styleSheet()
    assert letter.height() >= 48
    keyboard.apply_theme(Theme(), key_height=64, wide=True)  # an upright 1080×1920 kiosk
    assert {k.height() for k in keyboard.findChildren(QPushButton) if k.isVisible()} == {64}

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


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* of ``#RRGGBB`` (sRGB, D65)."""
    value = colour.lstrip("#")
    rgb = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


@pytest.mark.parametrize(("palette", "text_ratio"), PALETTES)
def test_a_main_button_never_looks_like_an_error(palette: Palette, text_ratio: float) -> None:
    # A red "Tiếp tục" beside a red error message must not read as part of it (CIE76 ΔE:
    # about 2 is the least a trained eye sees; the old pair was 8 apart).
    first, second = _lab(palette.primary), _lab(palette.error)
    distance = sum((a - b) ** 2 for a, b in zip(first, second, strict=True)) ** 0.5
    assert distance > 25
    # A submitted dossier's code is not painted in either of them (it is no error).
    sheet = Theme(high_contrast=palette is HIGH_CONTRAST).stylesheet()
    rule = re.search(r"#dossierCode \{([^}]*)\}", sheet)
    assert rule is not None and f"color: {palette.text};" in rule.group(1)


@pytest.mark.parametrize("high_contrast", [False, True])
def test_every_kind_of_button_looks_inactive_when_disabled(high_contrast: bool) -> None:
    theme = Theme(high_contrast=high_contrast)
    p, sheet = theme.palette, theme.stylesheet()
    for kind in ("QPushButton", 'QPushButton[primary="true"]', "QPushButton#tile"):
        rule = re.search(re.escape(kind) + r":disabled \{([^}]*)\}", sheet)
        assert rule is not None, kind
        assert f"color: {p.disabled};" in rule.group(1) and "dashed" in rule.group(1)
    assert "#header QPushButton:disabled" in sheet and "QPushButton#procedure:disabled" in sheet
    # Greyed, unlike any working button, yet still legible (WCAG exempts inactive controls).
    assert p.disabled_background not in (p.surface, p.primary, p.accent)
    assert contrast_ratio(p.disabled, p.disabled_background) >= 4.5


def test_the_header_and_the_keyboard_text_is_never_under_24_px() -> None:
    for large in (False, True):
        theme = Theme(large_text=large)
        assert theme.header_px >= 24
        keys = keyboard_style(theme, 50)
        sizes = [int(size) for size in re.findall(r"font-size: (\d+)px", keys)]
        assert min(sizes) >= 24, keys

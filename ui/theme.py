"""Colours, sizes and the style sheet: a default and a high-contrast theme.

Sizes follow the kiosk conventions: touch targets of at least 48 px (we use
64 px buttons), body text of 24 px at 1280×800 and 32 px with larger text (many
citizens are elderly and read poorly), and the header's buttons grow with the
text.  Every colour pair a citizen must read or find is checked against WCAG 2.2
by ``tests/ui/test_theme.py``: text and placeholders at 4.5:1 at least (1.4.3),
borders of fields, keys and buttons at 3:1 against what surrounds them (1.4.11).
The high-contrast theme keeps text above 7:1 (AAA).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.printing.fonts import FAMILY

MIN_TOUCH_PX = 48
BODY_PX = 24
"""Body text at 1280×800; ``LARGE_BODY_PX`` with "Larger text"."""
LARGE_BODY_PX = 32


@dataclass(frozen=True)
class Palette:
    background: str
    surface: str
    text: str
    muted: str
    primary: str
    primary_text: str
    accent: str
    accent_text: str
    error: str
    header: str
    header_text: str
    border: str
    placeholder: str
    success: str
    success_text: str
    keyboard: str
    """Behind the keys: the keys (``surface``, edged with ``border``) stand out from it."""
    disabled: str
    """Text and dashed edge of a button that cannot be used now (greyed, yet legible)."""
    disabled_background: str


DEFAULT = Palette(
    background="#F4F6FA",
    surface="#FFFFFF",
    text="#1B1F24",
    muted="#4A5563",
    primary="#B3261E",  # the red of Vietnamese public-service branding
    primary_text="#FFFFFF",
    accent="#0B5CAD",
    accent_text="#FFFFFF",
    # Errors in a crimson far from the main buttons' red (CIE ΔE > 25): a primary button
    # beside an error message must not look like part of it.
    error="#8C0033",
    header="#8E1B14",
    header_text="#FFFFFF",
    border="#6B7685",  # 4.6:1 on white, 4.3:1 on the background (WCAG 1.4.11 asks 3:1)
    placeholder="#5C6776",  # 5.7:1 on white: a hint, yet readable (1.4.3 asks 4.5:1)
    success="#1E7B34",
    success_text="#FFFFFF",
    keyboard="#DCE2EA",
    disabled="#5F6874",  # 4.6:1 on its grey: inactive controls are exempt, still readable
    disabled_background="#E3E7ED",
)

HIGH_CONTRAST = Palette(
    background="#000000",
    surface="#000000",
    text="#FFFFFF",
    muted="#FFFFFF",
    primary="#FFE500",
    primary_text="#000000",
    accent="#00E5FF",
    accent_text="#000000",
    error="#FF6B6B",
    header="#000000",
    header_text="#FFE500",
    border="#FFFFFF",
    placeholder="#C8C8C8",
    success="#7CFF7C",
    success_text="#000000",
    keyboard="#000000",
    disabled="#A8A8A8",
    disabled_background="#262626",
)


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of ``#RRGGBB``."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.2's contrast ratio, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class Theme:
    high_contrast: bool = False
    large_text: bool = False

    @property
    def palette(self) -> Palette:
        return HIGH_CONTRAST if self.high_contrast else DEFAULT

    @property
    def base_px(self) -> int:
        return LARGE_BODY_PX if self.large_text else BODY_PX

    def px(self, factor: float) -> int:
        return round(self.base_px * factor)

    @property
    def header_px(self) -> int:
        """The header's buttons and clock: never under the body's 24 px ("A+ Chữ to" and
        "Tương phản" are what a poor-sighted reader looks for), and larger with the text."""
        return 28 if self.large_text else BODY_PX

    def _disabled(self) -> str:
        """Every kind of button, when it cannot be used now: grey, dashed edge, no fill of
        its own, so it never looks like the ones that work (last: it wins over each kind)."""
        p = self.palette
        kinds = (
            "QPushButton:disabled",
            'QPushButton#primary:disabled, QPushButton[primary="true"]:disabled',
            "QPushButton#tile:disabled",
            "QPushButton#procedure:disabled",
            "QPushButton#link:disabled",
            "#header QPushButton:disabled",
            "QPushButton:checked:disabled",
        )
        rule = (
            f"background: {p.disabled_background}; color: {p.disabled}; "
            f"border: 2px dashed {p.disabled}; font-weight: 400;"
        )
        # A caption inside a button is disabled with it (a pseudo-state on an ancestor in
        # a selector is not honoured by Qt: the caption's own state is).
        captions = ", ".join(
            (
                "QPushButton QLabel:disabled",
                "QPushButton#tile QLabel:disabled",
                'QPushButton#tile[primary="true"] QLabel:disabled',
                'QPushButton#tile QLabel[checked="true"]:disabled',
                "QPushButton#procedure QLabel:disabled",
            )
        )
        labels = f"{captions} {{ color: {p.disabled}; background: transparent; }}"
        return "\n".join(f"{kind} {{ {rule} }}" for kind in kinds) + "\n" + labels

    def stylesheet(self) -> str:
        p = self.palette
        b = self.base_px
        h = self.header_px
        border_w = 3 if self.high_contrast else 2
        return f"""
* {{ font-family: "{FAMILY}"; font-size: {b}px; color: {p.text}; }}
QMainWindow, #screenStack, Screen, QScrollArea, QScrollArea > QWidget > QWidget, #screenBody,
#technicianPanel {{
    background: {p.background};
}}
#header {{ background: {p.header}; }}
#header QLabel {{ color: {p.header_text}; }}
#centreName {{ font-size: {h}px; font-weight: 600; }}
#clock {{ font-size: {h}px; }}
#header QPushButton {{
    background: transparent; color: {p.header_text}; border: 2px solid {p.header_text};
    border-radius: 8px; padding: 4px 8px; min-height: {MIN_TOUCH_PX}px;
    font-size: {h}px;
}}
#header QPushButton:checked {{ background: {p.header_text}; color: {p.header}; }}
#header #callStaff {{ background: {p.header_text}; color: {p.header}; font-weight: 700; }}
#title {{ font-size: {self.px(1.45)}px; font-weight: 700; }}
#subtitle {{ font-size: {b}px; color: {p.muted}; }}
#hint {{ color: {p.muted}; }}
#errorText {{ color: {p.error}; font-weight: 600; }}
#errorSummary {{
    border: 3px solid {p.error}; border-radius: 6px; background: {p.surface}; padding: 8px;
}}
#errorSummary QLabel {{ color: {p.error}; font-weight: 700; }}
#notice {{
    background: {p.surface}; border-left: 8px solid {p.accent}; padding: 12px;
    font-weight: 600;
}}
#card, #tile, #ticket, #answerRow {{
    background: {p.surface}; border: {border_w}px solid {p.border}; border-radius: 12px;
}}
QPushButton {{
    min-height: 64px; min-width: 64px; padding: 8px 24px; border-radius: 10px;
    background: {p.surface}; border: {border_w}px solid {p.accent}; color: {p.accent};
    font-weight: 600;
}}
QPushButton:focus {{ outline: none; border: 4px solid {p.accent}; }}
QPushButton:checked {{ background: {p.accent}; color: {p.accent_text}; }}
QPushButton#primary, QPushButton[primary="true"] {{
    background: {p.primary}; color: {p.primary_text}; border: 2px solid {p.primary};
}}
QPushButton#tile {{
    min-height: 100px; font-size: {self.px(1.25)}px; text-align: center;
    background: {p.surface}; color: {p.text}; border: {border_w}px solid {p.border};
    border-radius: 16px;
}}
QPushButton#tile:checked {{ background: {p.accent}; border: 4px solid {p.accent}; }}
QPushButton#tile[primary="true"] {{
    background: {p.primary}; color: {p.primary_text}; border-color: {p.primary};
}}
QPushButton#tile QLabel {{
    background: transparent; font-size: {self.px(1.25)}px; font-weight: 600; color: {p.text};
}}
QPushButton#tile[primary="true"] QLabel {{ color: {p.primary_text}; }}
QPushButton#tile[compact="true"] {{ min-height: 64px; }}
QPushButton#tile[compact="true"] QLabel {{ font-size: {b}px; }}
QPushButton#tile QLabel[checked="true"] {{ color: {p.accent_text}; }}
QPushButton#procedure {{
    min-height: 96px; background: {p.surface}; border: {border_w}px solid {p.accent};
    border-radius: 10px; padding: 0;
}}
QPushButton#procedure QLabel {{ background: transparent; color: {p.accent}; font-weight: 600; }}
QPushButton#link {{
    border: none; background: transparent; text-decoration: underline; min-height: 48px;
    padding: 4px 8px; color: {p.accent}; text-align: left;
}}
QScrollBar:vertical {{ width: 28px; background: {p.background}; }}
QScrollBar::handle:vertical {{
    background: {p.border}; min-height: 64px; border-radius: 8px;
}}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; }}
QLineEdit {{
    min-height: 56px; padding: 4px 12px; border: {border_w}px solid {p.border};
    border-radius: 8px; background: {p.surface}; font-size: {self.px(1.1)}px;
    placeholder-text-color: {p.placeholder};
}}
QLineEdit:focus {{ border: 3px solid {p.accent}; }}
QLineEdit[invalid="true"] {{ border: 3px solid {p.error}; }}
QLineEdit:read-only {{ background: {p.background}; }}
QListWidget {{
    background: {p.surface}; border: {border_w}px solid {p.border}; border-radius: 8px;
}}
QListWidget::item {{ color: {p.text}; border-bottom: 1px solid {p.border}; }}
QProgressBar {{
    border: 2px solid {p.border}; border-radius: 6px; background: {p.surface};
    min-height: 16px; max-height: 16px;
}}
QProgressBar::chunk {{ background: {p.accent}; }}
#badge {{ color: {p.success}; font-weight: 600; }}
#bigNumber {{ font-size: {self.px(3.0)}px; font-weight: 800; color: {p.primary}; }}
#dossierCode {{ font-size: {self.px(2.2)}px; font-weight: 800; color: {p.text}; }}
#stepDone {{ color: {p.success}; font-weight: 600; }}
#stepActive {{ color: {p.accent}; font-weight: 700; }}
#stepPending {{ color: {p.muted}; }}
#faceGuidance {{ font-size: {self.px(1.25)}px; font-weight: 700; color: {p.text}; }}
#faceGuidance[tone="good"] {{ color: {p.success}; }}
#faceGuidance[tone="bad"] {{ color: {p.error}; }}
#faceGuidance[tone="challenge"] {{ color: {p.accent}; }}
#overlay {{ background: rgba(0, 0, 0, 170); }}
#overlayCard {{ background: {p.surface}; border: 3px solid {p.accent}; border-radius: 16px; }}
{self._disabled()}
#demoPanel {{ background: #333333; }}
#demoPanel QLabel {{ color: #FFFFFF; }}
#demoPanel QPushButton {{
    min-height: 48px; background: #555555; color: #FFFFFF; border: 1px solid #999999;
    font-size: 17px; padding: 4px 12px;
}}
"""

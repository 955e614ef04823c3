"""Colours, sizes and the style sheet: a default and a high-contrast theme.

Sizes follow the kiosk conventions: touch targets of at least 48 px (we use
64 px buttons), a large base font, and a larger-text option for older
citizens.  The header keeps its size in larger text, so the page content has
the room.  Colours of the high-contrast theme keep a contrast ratio above
7:1 (WCAG AAA) for text.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.printing.fonts import FAMILY

MIN_TOUCH_PX = 48


@dataclass(frozen=True)
class Palette:
    background: str
    surface: str
    text: str
    muted: str
    primary: str
    primary_text: str
    accent: str
    error: str
    header: str
    header_text: str
    border: str
    success: str


DEFAULT = Palette(
    background="#F4F6FA",
    surface="#FFFFFF",
    text="#1B1F24",
    muted="#4A5563",
    primary="#B3261E",  # the red of Vietnamese public-service branding
    primary_text="#FFFFFF",
    accent="#0B5CAD",
    error="#B00020",
    header="#8E1B14",
    header_text="#FFFFFF",
    border="#C9D1DC",
    success="#1E7B34",
)

HIGH_CONTRAST = Palette(
    background="#000000",
    surface="#000000",
    text="#FFFFFF",
    muted="#FFFFFF",
    primary="#FFE500",
    primary_text="#000000",
    accent="#00E5FF",
    error="#FF6B6B",
    header="#000000",
    header_text="#FFE500",
    border="#FFFFFF",
    success="#7CFF7C",
)


@dataclass(frozen=True)
class Theme:
    high_contrast: bool = False
    large_text: bool = False

    @property
    def palette(self) -> Palette:
        return HIGH_CONTRAST if self.high_contrast else DEFAULT

    @property
    def base_px(self) -> int:
        return 26 if self.large_text else 20

    def px(self, factor: float) -> int:
        return round(self.base_px * factor)

    def stylesheet(self) -> str:
        p = self.palette
        b = self.base_px
        border_w = 3 if self.high_contrast else 1
        checked_text = p.primary_text if self.high_contrast else "#FFFFFF"
        return f"""
* {{ font-family: "{FAMILY}"; font-size: {b}px; color: {p.text}; }}
QMainWindow, #screenStack, Screen, QScrollArea, QScrollArea > QWidget > QWidget, #screenBody {{
    background: {p.background};
}}
#header {{ background: {p.header}; }}
#header QLabel {{ color: {p.header_text}; }}
#centreName {{ font-size: 22px; font-weight: 600; }}
#clock {{ font-size: 20px; }}
#header QPushButton {{
    background: transparent; color: {p.header_text}; border: 2px solid {p.header_text};
    border-radius: 8px; padding: 4px 14px; min-height: {MIN_TOUCH_PX}px;
    font-size: 17px;
}}
#header QPushButton:checked {{ background: {p.header_text}; color: {p.header}; }}
#header #callStaff {{ background: {p.header_text}; color: {p.header}; font-weight: 700; }}
#title {{ font-size: {self.px(1.6)}px; font-weight: 700; }}
#subtitle {{ font-size: {self.px(1.05)}px; color: {p.muted}; }}
#hint {{ color: {p.muted}; }}
#errorText {{ color: {p.error}; font-weight: 600; }}
#errorSummary {{
    border: 3px solid {p.error}; border-radius: 6px; background: {p.surface}; padding: 12px;
}}
#errorSummary QLabel {{ color: {p.error}; }}
#notice {{
    background: {p.surface}; border-left: 8px solid {p.accent}; padding: 12px;
    font-weight: 600;
}}
#card, #tile, #ticket, #answerRow {{
    background: {p.surface}; border: {border_w}px solid {p.border}; border-radius: 12px;
}}
QPushButton {{
    min-height: 64px; min-width: 64px; padding: 8px 24px; border-radius: 10px;
    background: {p.surface}; border: {max(border_w, 2)}px solid {p.accent}; color: {p.accent};
    font-weight: 600;
}}
QPushButton:focus {{ outline: none; border: 4px solid {p.accent}; }}
QPushButton:checked {{ background: {p.accent}; color: {checked_text}; }}
QPushButton#primary, QPushButton[primary="true"] {{
    background: {p.primary}; color: {p.primary_text}; border: 2px solid {p.primary};
}}
QPushButton#tile {{
    min-height: 100px; font-size: {self.px(1.25)}px; text-align: center;
    background: {p.surface}; color: {p.text}; border: {max(border_w, 2)}px solid {p.border};
    border-radius: 16px;
}}
QPushButton#tile[primary="true"] {{
    background: {p.primary}; color: {p.primary_text}; border-color: {p.primary};
}}
QPushButton#tile QLabel {{
    background: transparent; font-size: {self.px(1.25)}px; font-weight: 600; color: {p.text};
}}
QPushButton#tile[primary="true"] QLabel {{ color: {p.primary_text}; }}
QPushButton#link {{
    border: none; background: transparent; text-decoration: underline; min-height: 48px;
    padding: 4px 8px; color: {p.accent}; text-align: left;
}}
QScrollBar:vertical {{ width: 28px; background: {p.background}; }}
QScrollBar::handle:vertical {{ background: {p.border}; min-height: 64px; border-radius: 8px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; }}
QLineEdit {{
    min-height: 56px; padding: 4px 12px; border: 2px solid {p.border}; border-radius: 8px;
    background: {p.surface}; font-size: {self.px(1.1)}px;
}}
QLineEdit[invalid="true"] {{ border: 3px solid {p.error}; }}
QLineEdit:read-only {{ background: {p.background}; }}
#badge {{ color: {p.success}; font-weight: 600; font-size: {self.px(0.85)}px; }}
#bigNumber {{ font-size: {self.px(3.2)}px; font-weight: 800; color: {p.primary}; }}
#stepDone {{ color: {p.success}; font-weight: 600; }}
#stepActive {{ color: {p.accent}; font-weight: 700; }}
#stepPending {{ color: {p.muted}; }}
#overlay {{ background: rgba(0, 0, 0, 170); }}
#overlayCard {{ background: {p.surface}; border: 3px solid {p.accent}; border-radius: 16px; }}
#demoPanel {{ background: #333333; }}
#demoPanel QLabel {{ color: #FFFFFF; }}
#demoPanel QPushButton {{
    min-height: 48px; background: #555555; color: #FFFFFF; border: 1px solid #999999;
    font-size: {self.px(0.8)}px;
}}
"""

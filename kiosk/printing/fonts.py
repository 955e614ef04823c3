"""The font with full Vietnamese coverage (Be Vietnam Pro, SIL OFL-1.1, from PyPI).

TrueType outlines, so reportlab can embed it and Qt can render it; no system
install needed.  Debian's Noto Sans is the fallback.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

FAMILY = "Be Vietnam Pro"
_FALLBACK = Path("/usr/share/fonts/truetype/noto")


def font_files() -> dict[str, Path]:
    """Map style ('Regular', 'Bold', 'SemiBold', 'Medium') to a TTF file."""
    spec = importlib.util.find_spec("fontpkg_be_vietnam_pro")
    if spec and spec.origin:
        folder = Path(spec.origin).parent / "files"
        files = {
            s: folder / f"BeVietnamPro-{s}.ttf" for s in ("Regular", "Medium", "SemiBold", "Bold")
        }
        if all(p.exists() for p in files.values()):
            return files
    files = {
        "Regular": _FALLBACK / "NotoSans-Regular.ttf",
        "Medium": _FALLBACK / "NotoSans-Medium.ttf",
        "SemiBold": _FALLBACK / "NotoSans-SemiBold.ttf",
        "Bold": _FALLBACK / "NotoSans-Bold.ttf",
    }
    if all(p.exists() for p in files.values()):
        return files
    raise FileNotFoundError(
        "no font with Vietnamese coverage: install the Python package fontpkg-be-vietnam-pro "
        "or the Debian package fonts-noto-core"
    )

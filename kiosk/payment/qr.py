"""QR codes as module matrices and images, for the screens (the fee's VietQR code, the
dossier code to photograph when the receipt did not print) and the tests that scan them."""

from __future__ import annotations

from typing import Any


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code's modules (True: dark), error correction level M, no quiet zone."""
    from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel

    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    count = code.getModuleCount()
    return [[bool(code.isDark(r, c)) for c in range(count)] for r in range(count)]


def qr_image(text: str, module_px: int = 8, quiet: int = 4) -> Any:
    """A grey-scale image (numpy uint8, 0 dark, 255 light) with a ``quiet``-module margin."""
    import numpy as np

    modules = np.array(qr_modules(text), dtype=bool)
    padded = np.pad(modules, quiet, constant_values=False)
    image = np.where(padded, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((module_px, module_px), dtype=np.uint8))

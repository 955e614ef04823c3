"""Receipt rendering time, both layouts (target: under 50 ms each on this machine).

Each run renders the demo receipt (every part filled: the component table, Code 128 and
QR codes, the embedded Vietnamese font subset) to PDF bytes, as the submit journey does.
The first render (fonts registered, modules imported) is reported apart.
"""

from __future__ import annotations

import time

TARGET_MS = 50.0


def measure(runs: int) -> list[dict[str, float]]:
    from kiosk.printing.receipt import LAYOUTS, demo_receipt_data, render_receipt
    from kiosk.runtime.i18n import Translator

    tr = Translator("vi")
    data = demo_receipt_data()
    started = time.perf_counter()
    render_receipt(data, tr, "80mm")
    first_ms = (time.perf_counter() - started) * 1000
    results = []
    for _ in range(runs):
        row = {"first_ms": first_ms}
        for layout in LAYOUTS:
            started = time.perf_counter()
            pdf = render_receipt(data, tr, layout)
            row[f"{layout}_ms"] = (time.perf_counter() - started) * 1000
            row[f"{layout}_kb"] = len(pdf) / 1024
        results.append(row)
    return results


ROWS = [
    ("receipt A4", "a4_ms", "ms", TARGET_MS, 1),
    ("receipt 80 mm roll", "80mm_ms", "ms", TARGET_MS, 1),
    ("first receipt (fonts registered)", "first_ms", "ms", None, 1),
    ("receipt A4 size", "a4_kb", "KiB", None, 1),
    ("receipt 80 mm size", "80mm_kb", "KiB", None, 1),
]

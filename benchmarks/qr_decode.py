"""Reading the card's QR code: decode rate and time per frame for each decoder.

The frames are made by ``tests/qr_frames.py``: a rendered CCCD held at the camera,
640x480, six kinds of trouble (clear at three distances, small, blur, tilt, glare,
a finger over the code) at three levels, ``seeds`` frames each.  Each decoder of
``kiosk.scan.qr.DECODERS`` sees every frame; "adds" counts the frames it reads that
zxing-cpp (the kiosk's first decoder) does not, which is what a fallback would bring.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict

TARGET_RATE = 0.75  # of the frames, for the decoder chain the kiosk uses


def measure(seeds: int = 3) -> dict[str, dict[str, float]]:
    import cv2

    from kiosk.scan.qr import DECODERS, decode_qr
    from tests.qr_frames import CARD_QR, card_image, conditions, frame

    cv2.setNumThreads(1)  # the scanner thread shares two cores with the kiosk
    card = card_image()
    frames = [(c.name.split("-")[0], frame(c, card)) for c in conditions(seeds)]
    decoders = {**DECODERS, "kiosk chain (decode_qr)": decode_qr}
    hits: dict[str, list[bool]] = defaultdict(list)
    times: dict[str, list[float]] = defaultdict(list)
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, image in frames:
        for name, decode in decoders.items():
            started = time.perf_counter()
            ok = decode(image) == CARD_QR
            times[name].append((time.perf_counter() - started) * 1000)
            hits[name].append(ok)
            kinds[name][kind] += ok
    results = {}
    for name in decoders:
        results[name] = {
            "decoded": sum(hits[name]),
            "frames": len(frames),
            "rate": sum(hits[name]) / len(frames),
            "ms_median": statistics.median(times[name]),
            "ms_p95": sorted(times[name])[int(0.95 * (len(frames) - 1))],
            "adds": sum(h and not z for h, z in zip(hits[name], hits["zxing"], strict=True)),
            **{f"kind:{k}": v for k, v in kinds[name].items()},
        }
    return results


def print_table(results: dict[str, dict[str, float]]) -> bool:
    any_row = next(iter(results.values()))
    frames = int(any_row["frames"])
    kinds = [k.removeprefix("kind:") for k in any_row if k.startswith("kind:")]
    per_kind = frames // max(1, len(kinds))
    print(f"\nCard QR code at 640x480 ({frames} synthetic frames, {per_kind} per kind)")
    header = f"{'decoder':<26}{'decoded':>9}{'rate':>7}{'ms/frame':>10}{'p95 ms':>8}{'adds':>6}  "
    print(header + " ".join(f"{k[:6]:>6}" for k in kinds))
    print("-" * (len(header) + 7 * len(kinds)))
    passed = True
    for name, row in results.items():
        print(
            f"{name:<26}{int(row['decoded']):>5}/{frames:<3}{row['rate']:>7.0%}"
            f"{row['ms_median']:>10.1f}{row['ms_p95']:>8.1f}{int(row['adds']):>6}  "
            + " ".join(f"{int(row['kind:' + k]):>6}" for k in kinds)
        )
        if name.startswith("kiosk chain"):
            passed = row["rate"] >= TARGET_RATE
    print(f"target: the kiosk's chain reads >= {TARGET_RATE:.0%}  {'yes' if passed else 'NO'}")
    return passed


if __name__ == "__main__":
    print_table(measure())

"""The passive presentation-attack check on synthetic prints and screens: APCER and BPCER.

    python -m benchmarks.face --pad [--lfw DIR] --skip-speed

Presentations are *rendered* (tests/kiosk/face/attacks.py): a bona fide capture of a
face photo, the same photo halftone-printed and re-photographed, and shown on a screen
and re-photographed.  Faces: the registry's test photos (10 faces of 90 px or more), and
with ``--lfw`` the first photo of each person of the LFW Asian sets whose face is as
large (other people than the ones the threshold was chosen on).  Each presentation is
one camera frame judged alone (the kiosk judges up to three kept frames and needs half
of them to agree).

Reported per presentation-attack instrument species, ISO/IEC 30107-3's names used for
what they count, not as an accredited evaluation: APCER = attacks accepted / attacks
judged, BPCER = bona fide rejected / bona fide judged, each with its exact 95 %
(Clopper–Pearson) interval; frames where no face was found are counted apart (an attack
without a detected face cannot pass the face check anyway).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.face_sets import SETS
from kiosk.face.stats import clopper_pearson

RENDERS_PER_FACE = 3
MIN_SOURCE_FACE_PX = 90


def faces(lfw: Path | None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(registry photos, LFW photos) as BGR images."""
    from benchmarks.face import dataset
    from kiosk.face.detect import FaceDetector

    detector = FaceDetector()

    def usable(image: np.ndarray) -> bool:
        # Sources with faces under 90 px would be enlarged to fill a kiosk frame: their
        # interpolation, not the medium, would be measured (Tom Hanks' 112-px crop).
        found = detector.detect(image)
        return bool(found) and found[0].box[2] >= MIN_SOURCE_FACE_PX

    registry = [image for _label, _s, image in dataset(True) if usable(image)]
    others: list[np.ndarray] = []
    if lfw is not None:
        for person in dict.fromkeys(SETS["lfw-asian"]):
            first = sorted((lfw / person).glob("*.jpg"))[0]
            image = cv2.imread(str(first), cv2.IMREAD_COLOR)
            if usable(image):
                others.append(image)
    return registry, others


def judge(images: list[np.ndarray], renders: int, seed: int) -> dict[str, dict[str, list]]:
    """Per kind: the PAD results of every rendered frame, and the count without a face."""
    from kiosk.face.detect import FaceDetector
    from kiosk.face.pad import measure
    from tests.kiosk.face.attacks import KINDS

    detector = FaceDetector()
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, list]] = {k: {"results": [], "missed": []} for k in KINDS}
    for image in images:
        found = detector.detect(image)
        if not found:
            continue
        box = found[0].box
        for _ in range(renders):
            for kind, render in KINDS.items():
                frame = render(image, box, rng)
                faces_in_frame = detector.detect(frame)
                if not faces_in_frame:
                    out[kind]["missed"].append(1)
                    continue
                out[kind]["results"].append(measure(frame, faces_in_frame[0]))
    return out


def report(title: str, judged: dict[str, dict[str, list]]) -> dict[str, tuple[int, int]]:
    print(f"\n{title}")
    print(f"  {'presentation':<30}{'judged':>7}{'errors':>8}{'rate':>9}{'95 % interval':>20}")
    counts = {}
    for kind, data in judged.items():
        results = data["results"]
        errors = sum((not r.attack) if kind != "live" else r.attack for r in results)
        low, high = clopper_pearson(errors, len(results)) if results else (float("nan"),) * 2
        name = "bona fide (BPCER)" if kind == "live" else f"{kind} attack (APCER)"
        rate = errors / len(results) if results else float("nan")
        print(
            f"  {name:<30}{len(results):>7}{errors:>8}{rate * 100:>8.1f}%"
            f"{low * 100:>9.1f}–{high * 100:.1f} %   (no face found: {len(data['missed'])})"
        )
        peaks = sorted(r.peak_db for r in results)
        if peaks:
            print(
                f"  {'':<30}peak dB: min {peaks[0]:.1f}, median {np.median(peaks):.1f}, "
                f"max {peaks[-1]:.1f}"
            )
        counts[kind] = (errors, len(results))
    return counts


def run_pad(lfw: Path | None = None, renders: int = RENDERS_PER_FACE) -> dict:
    from kiosk.face.pad import PadPolicy

    started = time.perf_counter()
    registry, others = faces(lfw)
    print(
        f"\nPassive presentation-attack check (threshold {PadPolicy().max_peak_db} dB), "
        "synthetic presentations only"
    )
    results = {
        "registry": report(
            f"registry photos ({len(registry)} faces x {renders} renders, the threshold was "
            "chosen on renders of these)",
            judge(registry, renders, seed=1),
        )
    }
    if others:
        results["lfw"] = report(
            f"LFW Asian sets, first photo of each person ({len(others)} faces x 1 render, "
            "other people, other random draws)",
            judge(others, 1, seed=2),
        )
    print(f"  ({time.perf_counter() - started:.0f} s)")
    return results


if __name__ == "__main__":  # pragma: no cover
    root = os.environ.get("FACE_DATA_LFW")
    run_pad(Path(root) if root else None)

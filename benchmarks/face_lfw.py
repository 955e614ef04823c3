"""The matcher on East- and Southeast-Asian faces: FNMR at FMR 0.1 % and 0.01 %, side by side.

    python -m benchmarks.face --lfw /path/to/lfw [--out out/face] [--skip-speed]

``/path/to/lfw`` is the LFW folder (``<Person_Name>/<Person_Name>_0001.jpg``); the sets
and where LFW comes from: benchmarks/face_sets.py.  Images are never copied anywhere;
only counts, scores' statistics and DET curves (PNG) come out.

For every set (East Asian, Southeast Asian, both) and every matcher, each photo is
compared with every other (the photo nearest the image centre is the person, as LFW
intends): FNMR at FMR 0.1 % and 0.01 %, the thresholds that reach them on the set, and
95 % intervals (Clopper–Pearson by pairs; a bootstrap over people that also re-finds
the threshold: :mod:`kiosk.face.stats`).  Then the calibrated threshold's own FMR/FNMR.

Matchers and levers, all on the same photos in one run:

- ``sface-plain``: SFace int8 as OpenCV Zoo runs it (YuNet's 5 points, one crop);
- ``+mirror``: the crop and its mirror image, vectors added;
- ``+mesh``: alignment on FaceMesh's refined points instead of YuNet's;
- ``sface`` (calibrated, the kiosk's): mesh alignment and mirror;
- ``sface, 3 frames``: the probe seen as 3 camera-like frames of one attempt (small
  shifts, rotation, light, sensor noise, blur; rendered), combined as the kiosk does (mean
  of the two best scores) against the reference photo;
- ``sface, pose-gated``: only probes the kiosk's quality check would take as frontal
  (|yaw| <= 15°, |pitch| <= 20°), counting how many are set aside (to be retaken);
- ``dlib``: dlib's ResNet behind YuNet.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.face_sets import LFW_SOURCE, SETS
from kiosk.face.stats import DetCurve, OperatingPoint, ScoredPairs, operating_point, write_det

TARGETS = (0.001, 0.0001)
FRAMES = 3


@dataclass
class Photos:
    """Every photo of the sets: person label, path, and what the matchers made of it."""

    labels: list[str]
    vectors: dict[str, list[np.ndarray]]
    frames: list[np.ndarray]  # (FRAMES, 128) per photo, calibrated pipeline
    yaw: list[float]
    pitch: list[float]
    not_found: int


def _frame_of(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D(
        (width / 2 + rng.uniform(-2, 2), height / 2 + rng.uniform(-2, 2)),
        rng.uniform(-3, 3),
        rng.uniform(0.97, 1.03),
    )
    out = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    out = out.astype(np.float32) * rng.uniform(0.9, 1.1)
    out = out + rng.normal(0, rng.uniform(1.5, 4.0), out.shape)
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 0.9))
    return np.clip(out, 0, 255).astype(np.uint8)


def embed_all(root: Path, people: tuple[str, ...], dlib: bool = True) -> Photos:
    from kiosk.face.align import refined_landmarks
    from kiosk.face.detect import FaceDetector
    from kiosk.face.embed import DlibEmbedder, sface, sface_plain
    from kiosk.face.errors import FaceError
    from kiosk.face.evaluate import centre_face
    from kiosk.face.landmarks import FaceMesh
    from kiosk.face.quality import pose

    detector, mesh = FaceDetector(), FaceMesh()
    plain, calibrated = sface_plain(), sface(landmarker=mesh)
    dlib_embedder = DlibEmbedder() if dlib else None
    rng = np.random.default_rng(19)
    photos = Photos(
        [], {k: [] for k in ("plain", "mirror", "mesh", "sface", "dlib")}, [], [], [], 0
    )
    for person in people:
        folder = root / person
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: not in the LFW folder")
        for path in sorted(folder.glob("*.jpg")):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            try:
                face = centre_face(image, detector)
            except FaceError:
                photos.not_found += 1
                continue
            crop = plain.crop(image, face)
            one = plain.embed_crop(crop)
            flipped = plain.embed_crop(np.ascontiguousarray(crop[:, ::-1]))
            mesh_crop = plain.crop(image, refined_landmarks(image, face, mesh))
            mesh_one = plain.embed_crop(mesh_crop)
            photos.vectors["plain"].append(one)
            photos.vectors["mirror"].append(_unit(one + flipped))
            photos.vectors["mesh"].append(mesh_one)
            photos.vectors["sface"].append(calibrated.embed(image, face))
            if dlib_embedder is not None:
                photos.vectors["dlib"].append(dlib_embedder.embed(image, face))
            frames = []
            for _ in range(FRAMES):
                frame = _frame_of(image, rng)
                found = detector.detect(frame)
                frames.append(
                    calibrated.embed(frame, found[0]) if found else photos.vectors["sface"][-1]
                )
            photos.frames.append(np.stack(frames))
            yaw, pitch, _roll = pose(face)
            photos.yaw.append(abs(yaw))
            photos.pitch.append(abs(pitch))
            photos.labels.append(person)
    return photos


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _asymmetric(reference: np.ndarray, probe_scores: np.ndarray, labels: np.ndarray) -> ScoredPairs:
    """Pairs (reference i, probe j), i != j, from a full score matrix [i, j]."""
    n = len(labels)
    rows, cols = np.where(~np.eye(n, dtype=bool))
    same = labels[rows] == labels[cols]
    scores = probe_scores[rows, cols].astype(np.float64)
    return ScoredPairs(
        scores[same],
        scores[~same],
        labels[rows][same],
        np.stack([labels[rows][~same], labels[cols][~same]], axis=1),
        int(labels.max()) + 1,
    )


def matchers(photos: Photos, selection: np.ndarray, labels: np.ndarray) -> dict[str, ScoredPairs]:
    """Scored pairs of every matcher and lever on the selected photos."""
    out: dict[str, ScoredPairs] = {}
    for name, key in (
        ("sface-plain (OpenCV Zoo)", "plain"),
        ("sface-plain +mirror", "mirror"),
        ("sface-plain +mesh", "mesh"),
        ("sface (mesh+mirror, kiosk)", "sface"),
        ("dlib (YuNet)", "dlib"),
    ):
        if photos.vectors[key]:
            vectors = np.stack(photos.vectors[key])[selection]
            out[name] = ScoredPairs.from_embeddings(vectors, labels)
    references = np.stack(photos.vectors["sface"])[selection]
    frames = np.stack(photos.frames)[selection]  # (n, FRAMES, 128)
    per_frame = np.einsum("id,jkd->ijk", references, frames)
    per_frame.sort(axis=2)
    out[f"sface, {FRAMES} frames (mean of top 2)"] = _asymmetric(
        references, per_frame[:, :, -2:].mean(axis=2), labels
    )
    return out


def gated(photos: Photos, selection: np.ndarray, labels: np.ndarray) -> tuple[ScoredPairs, float]:
    """The kiosk pipeline with probes that a frontal-pose gate would take; (pairs, share kept)."""
    vectors = np.stack(photos.vectors["sface"])[selection]
    frontal = (np.array(photos.yaw)[selection] <= 15) & (np.array(photos.pitch)[selection] <= 20)
    scores = vectors @ vectors.T
    pairs = _asymmetric(vectors, scores, labels)
    n = len(labels)
    rows, cols = np.where(~np.eye(n, dtype=bool))
    keep_probe = frontal[cols]
    same = labels[rows] == labels[cols]
    return (
        ScoredPairs(
            pairs.genuine[keep_probe[same]],
            pairs.impostor[keep_probe[~same]],
            pairs.genuine_people[keep_probe[same]],
            pairs.impostor_people[keep_probe[~same]],
            pairs.people,
        ),
        float(frontal.mean()),
    )


def _pct(value: float) -> str:
    return "-" if value != value else f"{value * 100:.2f}"


def _row(name: str, pairs: ScoredPairs, draws: int, note: str = "") -> list[OperatingPoint]:
    points = [operating_point(pairs, t, draws) for t in TARGETS]
    cells = []
    for p in points:
        low, high = p.fnmr_bootstrap
        cells.append(
            f"{p.threshold if p.threshold is not None else math.nan:>7.3f}"
            f"{_pct(p.fnmr):>7} [{_pct(low)}–{_pct(high)}]"
        )
    print(f"  {name:<38}{cells[0]:>26}{cells[1]:>26}{note}")
    return points


def run_lfw(root: Path, out: Path, draws: int = 1000, dlib: bool = True) -> dict[str, dict]:
    """Print the tables and write one DET PNG per set into ``out``; returns the figures."""
    from kiosk.face.embed import CALIBRATIONS

    started = time.perf_counter()
    everyone = tuple(dict.fromkeys(p for people in SETS.values() for p in people))
    photos = embed_all(root, everyone, dlib=dlib)
    elapsed = time.perf_counter() - started
    print(f"\nEast-Asian face sets from {LFW_SOURCE}")
    print(
        f"{len(photos.labels)} photos embedded ({photos.not_found} without a usable face) in "
        f"{elapsed:.0f} s; FNMR in %, [95 % interval resampling people]"
    )
    out.mkdir(parents=True, exist_ok=True)
    all_labels = np.array(photos.labels)
    threshold = CALIBRATIONS["sface"].threshold
    results: dict[str, dict] = {}
    for set_name, people in SETS.items():
        selection = np.isin(all_labels, people)
        names = sorted(set(all_labels[selection]))
        labels = np.array([names.index(n) for n in all_labels[selection]])
        by_matcher = matchers(photos, selection, labels)
        first = next(iter(by_matcher.values()))
        print(
            f"\n{set_name}: {len(names)} people, {int(selection.sum())} photos, "
            f"{len(first.genuine)} genuine and {len(first.impostor)} impostor pairs"
        )
        print(f"  {'matcher':<38}{'FMR 0.1 %: thr  FNMR':>26}{'FMR 0.01 %: thr  FNMR':>26}")
        figures = {}
        for name, pairs in by_matcher.items():
            figures[name] = _row(name, pairs, draws)
        pairs, kept = gated(photos, selection, labels)
        figures["sface, pose-gated"] = _row(
            "sface, pose-gated probes", pairs, draws, f"  ({(1 - kept) * 100:.0f} % set aside)"
        )
        kiosk = by_matcher["sface (mesh+mirror, kiosk)"]
        fnm = int(np.count_nonzero(kiosk.genuine < threshold))
        fm = int(np.count_nonzero(kiosk.impostor >= threshold))
        print(
            f"  at the calibrated threshold {threshold}: FMR {fm}/{len(kiosk.impostor)} = "
            f"{fm / len(kiosk.impostor) * 100:.3f} %, FNMR {fnm}/{len(kiosk.genuine)} = "
            f"{fnm / len(kiosk.genuine) * 100:.2f} %"
        )
        path = out / f"det-{set_name}.png"
        write_det(
            str(path),
            [
                DetCurve(name, p.genuine, p.impostor, 0.001)
                for name, p in by_matcher.items()
                if "frames" not in name
            ],
            f"DET on {set_name} ({len(names)} people), python -m benchmarks.face --lfw",
        )
        print(f"  DET curve: {path}")
        results[set_name] = {"figures": figures, "at_threshold": (fm, fnm)}
    return results


def main() -> int:  # pragma: no cover - convenience
    root = Path(os.environ.get("FACE_DATA_LFW", ""))
    if not root.is_dir():
        print("set FACE_DATA_LFW to the LFW folder")
        return 1
    run_lfw(root, Path("out/face"))
    return 0

"""``kiosk face …``: technician tools for face verification (no GUI, no Qt).

    kiosk face verify REFERENCE PROBE [--json] [--embedder sface|dlib] [--threshold T]
    kiosk face evaluate DIR [--json] [--embedder sface|dlib] [--target-fmr 0.001]

``verify``: REFERENCE is a chip photo (a DG2 file, a 19794-5 record, JPEG,
JPEG 2000 or PNG), PROBE any photo of one person.  Prints the score, the
threshold, the decision and the timings.  Exit status 0 match, 1 no match,
2 error (the error's English text on stderr, never a traceback).

``evaluate``: DIR holds one folder per person (see :mod:`kiosk.face.evaluate`);
prints genuine/impostor statistics, FMR and FNMR at several thresholds, the
threshold reaching the target FMR, and whether there were enough impostor
pairs to claim it.  People are counted, never named, in the output.

Nothing is written to disk; photos are read, embedded and dropped.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

EMBEDDERS = ("sface", "dlib")
REPORT_THRESHOLDS = {
    "sface": (0.30, 0.363, 0.40, 0.42, 0.45, 0.50),
    "dlib": (0.85, 0.88, 0.90, 0.907, 0.92, 0.94),
}
"""Thresholds shown by ``evaluate`` besides the target's (OpenCV's 0.363, ours, neighbours)."""


def add_face_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    face = sub.add_parser("face", help="face verification tools for technicians")
    fsub = face.add_subparsers(dest="face_command", required=True)
    verify = fsub.add_parser("verify", help="compare a chip photo (or DG2) with a photo")
    verify.add_argument("reference", type=Path, help="DG2 file or image of the reference")
    verify.add_argument("probe", type=Path, help="image of the person to compare")
    _common(verify)
    verify.add_argument("--threshold", type=float, help="override the calibrated threshold")
    evaluate = fsub.add_parser(
        "evaluate", help="error rates and a threshold on your own photos (one folder per person)"
    )
    evaluate.add_argument("folder", type=Path, help="folder with one sub-folder per person")
    _common(evaluate)
    evaluate.add_argument(
        "--target-fmr",
        type=float,
        default=0.001,
        help="false-match rate to calibrate for (default 0.001 = 0.1 %%)",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--embedder", choices=EMBEDDERS, default="sface")


def run_face_command(args: argparse.Namespace) -> int:
    """Run ``kiosk face …``; returns the exit status (errors: 2, with a one-line message)."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    from kiosk.face.errors import FaceError

    try:
        if args.face_command == "verify":
            return _verify(args)
        if args.face_command == "evaluate":
            return _evaluate(args)
        raise ValueError(f"unknown face command {args.face_command!r}")
    except FaceError as exc:
        print(f"error: {error_text(exc.message_key)}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def error_text(key: str) -> str:
    """The English text of a ``face.error.*`` key (the key itself if untranslated)."""
    from kiosk.runtime.i18n import load_catalogue

    return load_catalogue("en").get(key, key)


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return path.read_bytes()


def _verify(args: argparse.Namespace) -> int:
    from kiosk.face.chip_photo import decode_portrait, portrait_face
    from kiosk.face.detect import FaceDetector
    from kiosk.face.embed import make_embedder
    from kiosk.face.verify import FaceVerifier

    if args.threshold is not None and not -1.0 <= args.threshold <= 1.0:
        raise ValueError("--threshold is a cosine similarity between -1 and 1")
    reference_bytes, probe_bytes = _read(args.reference), _read(args.probe)
    started = time.perf_counter()
    verifier = FaceVerifier(FaceDetector(), make_embedder(args.embedder), args.threshold)
    load_ms = (time.perf_counter() - started) * 1000
    reference = verifier.reference(reference_bytes)
    probe = decode_portrait(probe_bytes)
    try:
        mark = time.perf_counter()
        face = portrait_face(probe, verifier.detector)
        detect_ms = (time.perf_counter() - mark) * 1000
        decision = verifier.compare(reference, probe, face)
    finally:
        probe.fill(0)
        reference.wipe()
    timings = {f"reference_{k}": v for k, v in reference.timings_ms.items()}
    timings.update({f"probe_{k}": v for k, v in decision.timings_ms.items()})
    timings["probe_detect"] = detect_ms
    timings["models_load"] = load_ms
    timings = {k: round(v, 2) for k, v in timings.items()}
    report = {
        "embedder": decision.embedder,
        "score": round(decision.score, 4),
        "threshold": decision.threshold,
        "matched": decision.matched,
        "decision": "match" if decision.matched else "no match",
        "timings_ms": timings,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"embedder   {report['embedder']}")
        print(f"score      {report['score']:.4f}  (cosine similarity, higher = more alike)")
        print(f"threshold  {report['threshold']:.4f}")
        print(f"decision   {report['decision']}")
        for name, value in timings.items():
            print(f"  {name:<18}{value:>9.1f} ms")
    return 0 if decision.matched else 1


def _evaluate(args: argparse.Namespace) -> int:
    from kiosk.face.detect import FaceDetector
    from kiosk.face.embed import make_embedder
    from kiosk.face.evaluate import evaluate_folder

    if not args.folder.is_dir():
        raise FileNotFoundError(f"{args.folder}: not a folder")
    embedder = make_embedder(args.embedder)
    result = evaluate_folder(
        args.folder,
        FaceDetector(),
        embedder,
        args.target_fmr,
        REPORT_THRESHOLDS[args.embedder] + (embedder.threshold,),
    )
    report = evaluation_report(result, embedder.threshold)
    if args.json:
        print(json.dumps(report, allow_nan=False))
    else:
        print_evaluation(report)
    return 0


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def evaluation_report(result: Any, default_threshold: float) -> dict[str, Any]:
    """The JSON-able report of an :class:`kiosk.face.evaluate.Evaluation`."""
    from kiosk.face.evaluate import summary

    def stats(scores: Any) -> dict[str, Any]:
        return {k: (v if k == "count" else _finite(v)) for k, v in summary(scores).items()}

    at_target = result.at(result.threshold) if result.threshold is not None else None
    return {
        "embedder": result.embedder,
        "identities": result.identities,
        "images": result.images,
        "skipped": result.skipped,
        "genuine": stats(result.genuine),
        "impostor": stats(result.impostor),
        "default_threshold": default_threshold,
        "rows": [
            {
                "threshold": round(row.threshold, 4),
                "false_matches": row.false_matches,
                "fmr": _finite(row.fmr),
                "false_non_matches": row.false_non_matches,
                "fnmr": _finite(row.fnmr),
            }
            for row in result.rows
        ],
        "target_fmr": result.target_fmr,
        "threshold_for_target": _finite(result.threshold),
        "fnmr_at_target": _finite(at_target.fnmr) if at_target else None,
        "impostor_pairs": len(result.impostor),
        "impostor_pairs_needed": result.impostor_pairs_needed,
        "enough_pairs": result.enough,
    }


def print_evaluation(report: dict[str, Any]) -> None:
    print(
        f"embedder {report['embedder']}: {report['identities']} people, "
        f"{report['images']} images"
        + (f", skipped {report['skipped']}" if report["skipped"] else "")
    )
    print(f"{'pairs':<10}{'count':>7}{'min':>9}{'median':>9}{'mean':>9}{'max':>9}")
    for name in ("genuine", "impostor"):
        s = report[name]
        values = "".join(
            f"{'-' if s[k] is None else format(s[k], '.4f'):>9}"
            for k in ("min", "median", "mean", "max")
        )
        print(f"{name:<10}{s['count']:>7}{values}")
    print(f"\n{'threshold':>10}{'false matches':>15}{'FMR':>9}{'false non-m.':>14}{'FNMR':>9}")
    for row in report["rows"]:
        fmr = "-" if row["fmr"] is None else f"{row['fmr']:.2%}"
        fnmr = "-" if row["fnmr"] is None else f"{row['fnmr']:.2%}"
        mark = "  <- default" if abs(row["threshold"] - report["default_threshold"]) < 5e-5 else ""
        print(
            f"{row['threshold']:>10.4f}{row['false_matches']:>15}{fmr:>9}"
            f"{row['false_non_matches']:>14}{fnmr:>9}{mark}"
        )
    target = report["target_fmr"]
    if report["threshold_for_target"] is None:
        print(f"\nno impostor pairs: no threshold for FMR <= {target:.2%} (need 2+ people)")
        return
    fnmr = report["fnmr_at_target"]
    print(
        f"\nthreshold for FMR <= {target:.2%} on these pairs: "
        f"{report['threshold_for_target']:.4f} (FNMR there: "
        f"{'-' if fnmr is None else format(fnmr, '.2%')})"
    )
    if report["enough_pairs"]:
        print(
            f"impostor pairs: {report['impostor_pairs']} >= {report['impostor_pairs_needed']} "
            "needed: enough to support this FMR (95 %, rule of three), if the people are "
            "many and varied"
        )
    else:
        print(
            f"impostor pairs: {report['impostor_pairs']}, fewer than the "
            f"{report['impostor_pairs_needed']} needed to show FMR <= {target:.2%} "
            "(95 %, rule of three): NOT enough, collect more people before relying on it"
        )

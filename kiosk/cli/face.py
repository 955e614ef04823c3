"""``kiosk face …``: technician tools for face verification (no GUI, no Qt).

    kiosk face verify REFERENCE PROBE [--json] [--embedder sface|custom] [--threshold T]
    kiosk face evaluate DIR [--json] [--embedder sface|custom] [--target-fmr 0.001]
                            [--det det.png] [--centre-face] [--draws N]
    kiosk face cameras [--json]

``--embedder custom`` takes the deployment's own ONNX file: ``--model FILE
--model-sha256 HEX`` (by default the ``face.custom_model`` settings).

``verify``: REFERENCE is a chip photo (a DG2 file, a 19794-5 record, JPEG,
JPEG 2000 or PNG), PROBE any photo of one person.  Prints the score, the
threshold, the decision and the timings.  Exit status 0 match, 1 no match,
2 error (the error's English text on stderr, never a traceback).

``evaluate``: DIR holds one folder per person (see :mod:`kiosk.face.evaluate`);
prints genuine/impostor statistics, FMR and FNMR at several thresholds, FNMR at
FMR 0.1 % and 0.01 % with 95 % intervals, the threshold reaching the target FMR (what
``face.threshold`` would be for this embedder, a custom one included), whether there
were enough impostor pairs to claim it, and the photos it could not use (formats it
does not read named as such).  ``--det`` draws the DET curve into a PNG.  People are
counted, never named.

``cameras``: every ``/dev/videoN`` with its driver, bus, USB identity and port (what
``devices.camera_usb_id`` / ``camera_usb_port`` pin) and whether the kiosk would refuse
it as a virtual camera (:mod:`devices.camera.opencv`).

Nothing but the DET curve, when asked for, is written to disk.
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

EMBEDDERS = ("sface", "custom")
"""What ``--embedder`` accepts: the calibrated built-in embedders and a deployment's own."""
REPORT_THRESHOLDS = (0.30, 0.363, 0.40, 0.42, 0.45, 0.50)
"""Thresholds shown by ``evaluate`` besides the targets' (OpenCV's 0.363, ours, neighbours)."""


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
    evaluate.add_argument("--det", type=Path, help="draw the DET curve into this PNG file")
    evaluate.add_argument(
        "--centre-face",
        action="store_true",
        help="use the face nearest each photo's centre (public sets such as LFW)",
    )
    evaluate.add_argument(
        "--draws", type=int, default=1000, help="bootstrap draws for the intervals (default 1000)"
    )
    cameras = fsub.add_parser(
        "cameras", help="video devices: USB identity, port, and whether the kiosk trusts them"
    )
    cameras.add_argument("--json", action="store_true", help="machine-readable output")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--embedder", choices=EMBEDDERS, default="sface")
    parser.add_argument("--model", type=Path, help="ONNX file of a custom embedder")
    parser.add_argument("--model-sha256", help="sha256 of that file (it is refused otherwise)")
    parser.add_argument(
        "--model-input", default="", help="graph input name, if the file has several inputs"
    )


def run_face_command(args: argparse.Namespace) -> int:
    """Run ``kiosk face …``; returns the exit status (errors: 2, with a one-line message)."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    from kiosk.face.errors import FaceError

    try:
        if args.face_command == "verify":
            return _verify(args)
        if args.face_command == "evaluate":
            return _evaluate(args)
        if args.face_command == "cameras":
            return _cameras(args)
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


def _embedder(args: argparse.Namespace, threshold: float | None) -> Any:
    """The embedder ``--embedder`` names; a custom one needs ``--model`` and its sha256."""
    from kiosk.face.embed import OnnxEmbedder, make_embedder

    if args.embedder != "custom":
        if args.model or args.model_sha256:
            raise ValueError("--model and --model-sha256 go with --embedder custom")
        return make_embedder(args.embedder, threshold)
    if not args.model or not args.model_sha256:
        raise ValueError("--embedder custom needs --model FILE and --model-sha256 HEX")
    return OnnxEmbedder.custom(
        args.model,
        args.model_sha256,
        math.nan if threshold is None else threshold,
        input_name=args.model_input,
    )


def _verify(args: argparse.Namespace) -> int:
    from kiosk.face.chip_photo import decode_portrait, portrait_face
    from kiosk.face.detect import FaceDetector
    from kiosk.face.verify import FaceVerifier

    if args.threshold is not None and not -1.0 <= args.threshold <= 1.0:
        raise ValueError("--threshold is a cosine similarity between -1 and 1")
    if args.embedder == "custom" and args.threshold is None:
        raise ValueError(
            "a custom embedder has no calibrated threshold: give --threshold "
            "(kiosk face evaluate tells what it would be)"
        )
    reference_bytes, probe_bytes = _read(args.reference), _read(args.probe)
    started = time.perf_counter()
    verifier = FaceVerifier(FaceDetector(), _embedder(args, args.threshold), args.threshold)
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


def _cameras(args: argparse.Namespace) -> int:
    """List /dev/videoN devices with what pins them and why one would be refused."""
    from devices.camera.opencv import is_capture, list_devices, virtual_reason

    rows = []
    for device in list_devices():
        usb = device.usb
        rows.append(
            {
                "device": device.path,
                "name": device.name or device.cap_card,
                "driver": device.driver or device.cap_driver,
                "bus": device.bus,
                "capture": is_capture(device),
                "usb_id": (
                    f"{usb.vendor}:{usb.product}" + (f":{usb.serial}" if usb.serial else "")
                    if usb
                    else None
                ),
                "usb_port": usb.port if usb else None,
                "refused": virtual_reason(device),
            }
        )
    if args.json:
        print(json.dumps(rows))
        return 0
    if not rows:
        print("no video devices (/sys/class/video4linux is empty)")
    for row in rows:
        verdict = f"REFUSED: {row['refused']}" if row["refused"] else "trusted"
        kind = "capture" if row["capture"] else "not a capture node"
        print(
            f"{row['device']}: {row['name']} ({row['driver'] or 'no driver'}, {row['bus']}, "
            f"{kind}); usb {row['usb_id'] or '-'} port {row['usb_port'] or '-'}; {verdict}"
        )
    print(
        "pin the kiosk's camera with: kiosk config set devices.camera_usb_id VENDOR:PRODUCT"
        "[:SERIAL] (and devices.camera_usb_port PORT)"
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from kiosk.face.detect import FaceDetector
    from kiosk.face.evaluate import centre_face, evaluate_folder
    from kiosk.face.stats import DetCurve, write_det

    if not args.folder.is_dir():
        raise FileNotFoundError(f"{args.folder}: not a folder")
    if args.draws < 0:
        raise ValueError("--draws is 0 or more")
    if args.det is not None and args.det.suffix.lower() != ".png":
        raise ValueError("--det needs a .png file name")
    embedder = _embedder(args, None)
    own = embedder.threshold
    result = evaluate_folder(
        args.folder,
        FaceDetector(),
        embedder,
        args.target_fmr,
        REPORT_THRESHOLDS + (() if math.isnan(own) else (own,))
        if args.embedder != "custom"
        else (),
        pick=centre_face if args.centre_face else None,
        draws=args.draws,
    )
    report = evaluation_report(result, None if math.isnan(own) else own)
    if args.det is not None:
        label = f"{result.embedder}: {result.identities} people, {len(result.impostor)} imp."
        write_det(
            str(args.det),
            [DetCurve(label, result.genuine, result.impostor, args.target_fmr)],
            f"DET, {result.embedder}, {args.folder.name}",
        )
        report["det"] = str(args.det)
    if args.json:
        print(json.dumps(report, allow_nan=False))
    else:
        print_evaluation(report)
    return 0


def _finite(value: float | None, digits: int = 6) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), digits)


def _interval(bounds: tuple[float, float]) -> list[float | None]:
    return [_finite(bounds[0], 6), _finite(bounds[1], 6)]


def evaluation_report(result: Any, default_threshold: float | None) -> dict[str, Any]:
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
        "unsupported_formats": result.formats,
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
        "operating_points": [
            {
                "target_fmr": p.target_fmr,
                "threshold": _finite(p.threshold, 4),
                "false_matches": p.false_matches,
                "fmr": _finite(p.fmr),
                "fmr_ci95": _interval(p.fmr_interval),
                "false_non_matches": p.false_non_matches,
                "fnmr": _finite(p.fnmr),
                "fnmr_ci95": _interval(p.fnmr_interval),
                "fnmr_ci95_bootstrap_people": _interval(p.fnmr_bootstrap),
                "impostor_pairs": p.impostor_pairs,
                "genuine_pairs": p.genuine_pairs,
                "enough_pairs": p.supported,
            }
            for p in result.points
        ],
        "target_fmr": result.target_fmr,
        "threshold_for_target": _finite(result.threshold),
        "fnmr_at_target": _finite(at_target.fnmr) if at_target else None,
        "impostor_pairs": len(result.impostor),
        "impostor_pairs_needed": result.impostor_pairs_needed,
        "enough_pairs": result.enough,
    }


def _percent(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f} %"


def _skip_text(key: str, count: int, formats: dict[str, int]) -> str:
    if key == "face.error.unsupported_format" and formats:
        named = ", ".join(f"{name} {n}" for name, n in sorted(formats.items()))
        return f"{count} in a format the kiosk does not read ({named}): use JPEG, JPEG 2000 or PNG"
    return f"{count}: {error_text(key)}"


def print_evaluation(report: dict[str, Any]) -> None:
    print(
        f"embedder {report['embedder']}: {report['identities']} people, {report['images']} images"
    )
    for key, count in sorted(report["skipped"].items()):
        print("  skipped " + _skip_text(key, count, report["unsupported_formats"]))
    print(f"{'pairs':<10}{'count':>7}{'min':>9}{'median':>9}{'mean':>9}{'max':>9}")
    for name in ("genuine", "impostor"):
        s = report[name]
        values = "".join(
            f"{'-' if s[k] is None else format(s[k], '.4f'):>9}"
            for k in ("min", "median", "mean", "max")
        )
        print(f"{name:<10}{s['count']:>7}{values}")
    print(f"\n{'threshold':>10}{'false matches':>15}{'FMR':>9}{'false non-m.':>14}{'FNMR':>9}")
    default = report["default_threshold"]
    for row in report["rows"]:
        fmr = "-" if row["fmr"] is None else f"{row['fmr']:.2%}"
        fnmr = "-" if row["fnmr"] is None else f"{row['fnmr']:.2%}"
        mark = (
            "  <- default" if default is not None and abs(row["threshold"] - default) < 5e-5 else ""
        )
        print(
            f"{row['threshold']:>10.4f}{row['false_matches']:>15}{fmr:>9}"
            f"{row['false_non_matches']:>14}{fnmr:>9}{mark}"
        )
    target = report["target_fmr"]
    if report["threshold_for_target"] is None:
        print(f"\nno impostor pairs: no threshold for FMR <= {target:.2%} (need 2+ people)")
        return
    print("\nFNMR at a fixed false-match rate (95 % intervals):")
    for p in report["operating_points"]:
        boot = p["fnmr_ci95_bootstrap_people"]
        boot_text = (
            f"; {_percent(boot[0])} to {_percent(boot[1])} resampling people"
            if boot[0] is not None
            else ""
        )
        print(
            f"  FMR <= {_percent(p['target_fmr'])}: threshold {p['threshold']:.4f}, "
            f"FNMR {_percent(p['fnmr'])} ({p['false_non_matches']}/{p['genuine_pairs']}; "
            f"{_percent(p['fnmr_ci95'][0])} to {_percent(p['fnmr_ci95'][1])} by pairs"
            f"{boot_text}), FMR {_percent(p['fmr'], 3)} ({p['false_matches']}/"
            f"{p['impostor_pairs']})" + ("" if p["enough_pairs"] else "  NOT enough pairs")
        )
    fnmr = report["fnmr_at_target"]
    print(
        f"\nthreshold for FMR <= {target:.2%} on these pairs: "
        f"{report['threshold_for_target']:.4f} (FNMR there: "
        f"{'-' if fnmr is None else format(fnmr, '.2%')}); for this embedder that is the "
        "face.threshold to set, if the data is the kiosk's own"
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
    if report.get("det"):
        print(f"DET curve: {report['det']}")

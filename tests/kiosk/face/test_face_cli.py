"""``kiosk face verify`` and ``kiosk face evaluate``, run in-process."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.card.emulator.builder import build_dg2
from kiosk.cli.face import add_face_parser, run_face_command
from kiosk.face.models import SFACE
from tests.face_images import photo, photo_bytes, side_by_side


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="kiosk")
    add_face_parser(parser.add_subparsers(dest="command"))
    code = run_face_command(parser.parse_args(["face", *map(str, argv)]))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def jpeg(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image)[1].tobytes()


def test_verify_matches_obamas_dg2_with_another_photo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dg2 = write(tmp_path / "dg2.bin", build_dg2(photo_bytes("obama.jpg")))
    probe = write(tmp_path / "probe.jpg", photo_bytes("obama3.jpg"))
    code, out, err = run(capsys, "verify", dg2, probe)
    assert code == 0 and err == ""
    assert "decision   match" in out and "threshold  0.4200" in out
    assert "probe_embed" in out


def test_verify_json_says_biden_is_not_obama(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = write(tmp_path / "ref.jpg", photo_bytes("obama2.jpg"))
    probe = write(tmp_path / "probe.jpg", photo_bytes("biden.jpg"))
    code, out, _err = run(capsys, "verify", reference, probe, "--json")
    report = json.loads(out)
    assert code == 1
    assert report["matched"] is False and report["decision"] == "no match"
    assert report["score"] < report["threshold"] == 0.42
    assert report["embedder"] == "sface"
    assert {"reference_detect", "probe_align", "probe_embed"} <= set(report["timings_ms"])


def test_dlib_is_no_longer_offered_and_a_custom_model_needs_its_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = write(tmp_path / "ref.jpg", photo_bytes("obama.jpg"))
    probe = write(tmp_path / "probe.jpg", photo_bytes("obama2.jpg"))
    with pytest.raises(SystemExit):
        run(capsys, "verify", reference, probe, "--embedder", "dlib")
    assert "invalid choice: 'dlib'" in capsys.readouterr().err
    model = tmp_path / "site.onnx"
    model.write_bytes(SFACE.locate().read_bytes())
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    args = ("verify", reference, probe, "--embedder", "custom", "--model", model)
    args += ("--model-input", "data")  # this file keeps unused graph inputs
    code, _out, err = run(capsys, *args, "--model-sha256", digest)
    assert code == 2 and "no calibrated threshold" in err
    code, out, _err = run(capsys, *args, "--model-sha256", digest, "--threshold", "0.3", "--json")
    assert code == 0 and json.loads(out)["embedder"] == "custom"


def test_a_greyscale_probe_still_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = write(tmp_path / "ref.jpg", photo_bytes("obama.jpg"))
    grey = cv2.cvtColor(photo("obama2.jpg"), cv2.COLOR_BGR2GRAY)
    probe = write(tmp_path / "grey.jpg", jpeg(grey))
    code, out, _err = run(capsys, "verify", reference, probe, "--json")
    assert code == 0 and json.loads(out)["matched"] is True


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    image = photo("obama.jpg")
    whole = photo_bytes("obama.jpg")
    blank = np.full((480, 640, 3), 140, np.uint8)
    return {
        "face.error.no_face": write(tmp_path / "blank.jpg", jpeg(blank)),
        "face.error.several_faces": write(
            tmp_path / "pair.jpg", jpeg(side_by_side(image, photo("biden.jpg")))
        ),
        "face.error.corrupt_image": write(tmp_path / "cut.jpg", whole[: len(whole) // 2]),
        "face.error.photo_too_small": write(
            tmp_path / "tiny.jpg", jpeg(cv2.resize(image, (32, 40), interpolation=cv2.INTER_AREA))
        ),
        "face.error.unsupported_format": write(
            tmp_path / "bitmap.jpg", cv2.imencode(".bmp", image)[1].tobytes()
        ),
    }


@pytest.mark.parametrize(
    "key,text",
    [
        ("face.error.no_face", "No face was found in the picture"),
        ("face.error.several_faces", "There is more than one face in the picture"),
        ("face.error.corrupt_image", "The picture cannot be read"),
        ("face.error.photo_too_small", "The photo on the card is too small to compare"),
        ("face.error.unsupported_format", "in a format the kiosk does not read"),
    ],
)
@pytest.mark.parametrize("side", ["reference", "probe"])
def test_bad_photos_exit_2_with_the_english_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, text: str, side: str
) -> None:
    bad = _bad_inputs(tmp_path)[key]
    good = write(tmp_path / "good.jpg", photo_bytes("obama2.jpg"))
    args = (bad, good) if side == "reference" else (good, bad)
    code, out, err = run(capsys, "verify", *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and text in err
    assert "Traceback" not in err


def test_random_bytes_and_a_missing_file_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noise = write(tmp_path / "noise.dg2", os.urandom(3000))
    good = write(tmp_path / "good.jpg", photo_bytes("obama2.jpg"))
    code, _out, err = run(capsys, "verify", noise, good)
    assert code == 2 and "cannot be read" in err
    code, _out, err = run(capsys, "verify", tmp_path / "absent.jpg", good)
    assert code == 2 and "no such file" in err


def _people(tmp_path: Path) -> Path:
    root = tmp_path / "people"
    for person, names in {
        "person-a": ("obama.jpg", "obama2.jpg", "obama3.jpg"),
        "person-b": ("biden.jpg",),
    }.items():
        (root / person).mkdir(parents=True)
        for name in names:
            write(root / person / name, photo_bytes(name))
    write(root / "person-b" / "notes.txt", b"not a photo")
    write(root / "person-b" / "broken.jpg", photo_bytes("biden.jpg")[:5000])
    return root


def test_evaluate_reports_pairs_rates_and_that_4_people_are_not_enough(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "evaluate", _people(tmp_path), "--json")
    report = json.loads(out)
    assert code == 0
    assert report["identities"] == 2 and report["images"] == 5
    assert report["skipped"] == {"face.error.corrupt_image": 1}
    assert report["genuine"]["count"] == 3 and report["impostor"]["count"] == 3
    assert report["genuine"]["min"] > report["impostor"]["max"]
    default = next(r for r in report["rows"] if r["threshold"] == 0.42)
    assert default["false_matches"] == 0 and default["false_non_matches"] == 0
    assert report["impostor_pairs"] == 3 and report["impostor_pairs_needed"] == 3000
    assert report["enough_pairs"] is False
    assert report["impostor"]["max"] < report["threshold_for_target"] < 0.3
    assert report["fnmr_at_target"] == 0.0
    points = {p["target_fmr"]: p for p in report["operating_points"]}
    assert set(points) == {0.001, 0.0001}
    for point in points.values():
        assert point["fnmr"] == 0.0 and point["genuine_pairs"] == 3
        low, high = point["fnmr_ci95"]
        assert low == 0.0 and 0.7 < high < 0.72  # 0 of 3: the exact bound is 1 - 0.025^(1/3)
        assert point["enough_pairs"] is False


def test_evaluate_text_says_plainly_when_the_data_is_too_small(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "evaluate", _people(tmp_path), "--target-fmr", "0.01")
    assert code == 0
    assert "genuine" in out and "impostor" in out and "<- default" in out
    assert "NOT enough" in out and "300 needed" in out
    assert "obama" not in out.lower() and "person-a" not in out


def test_evaluate_of_a_missing_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "evaluate", tmp_path / "nowhere")
    assert code == 2 and "not a folder" in err


def test_evaluate_names_bmp_and_gif_saved_as_jpg_as_unsupported_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _people(tmp_path)
    image = photo("obama3.jpg")
    write(root / "person-a" / "scan.jpg", cv2.imencode(".bmp", image)[1].tobytes())
    gif = b"GIF89a" + b"\x10\x00\x10\x00" + bytes(200)  # a GIF header: OpenCV reads none
    write(root / "person-b" / "animation.jpg", gif)
    code, out, _err = run(capsys, "evaluate", root, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["skipped"] == {
        "face.error.corrupt_image": 1,
        "face.error.unsupported_format": 2,
    }
    assert report["unsupported_formats"] == {"BMP": 1, "GIF": 1}
    code, out, _err = run(capsys, "evaluate", root)
    assert "2 in a format the kiosk does not read (BMP 1, GIF 1)" in out
    assert "1: The picture cannot be read" in out


def test_evaluate_draws_the_det_curve_and_gives_fnmr_with_intervals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    det = tmp_path / "det.png"
    code, out, _err = run(capsys, "evaluate", _people(tmp_path), "--det", det, "--draws", "50")
    assert code == 0 and f"DET curve: {det}" in out
    assert cv2.imread(str(det)) is not None
    assert "FMR <= 0.10 %: threshold" in out and "FMR <= 0.01 %: threshold" in out
    assert "by pairs" in out and "resampling people" in out


def test_evaluate_tells_a_custom_model_its_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "site.onnx"
    model.write_bytes(SFACE.locate().read_bytes())
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    code, out, _err = run(
        capsys,
        "evaluate",
        _people(tmp_path),
        "--embedder",
        "custom",
        "--model",
        model,
        "--model-sha256",
        digest,
        "--model-input",
        "data",
        "--json",
        "--draws",
        "20",
    )
    report = json.loads(out)
    assert code == 0 and report["embedder"] == "custom"
    assert report["default_threshold"] is None
    assert report["threshold_for_target"] is not None

"""One face check end to end with the real models: position, challenges, decision, attempts.

Frames are real photos put into camera-like frames and run through the real
YuNet, quality check and SFace.  The landmarks the liveness check sees come
from the real FaceMesh points of the probe photo, moved as a head moves
(``sequences.genuine``): photos of one person really blinking and turning are
not available here.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from devices.camera.simulator import SimulatedCamera
from kiosk.base.events import QueueDispatcher
from kiosk.face.check import CheckPolicy, FaceCheck, Phase
from kiosk.face.detect import FaceDetector
from kiosk.face.engine import load_engine
from kiosk.face.landmarks import FaceMesh
from kiosk.face.liveness import Challenge, LivenessCheck, LivenessPolicy
from kiosk.face.quality import assess
from kiosk.journeys.face import FaceStep
from kiosk.runtime.config import FaceSettings
from tests.face_images import camera_frame, photo, photo_bytes
from tests.kiosk.face import sequences as seq

CHALLENGES = [Challenge.BLINK, Challenge.MOVE_CLOSER]


@pytest.fixture(scope="module")
def engine():
    return load_engine(FaceSettings())


class ScriptedLandmarks:
    """The real mesh of the probe, moved through a genuine action sequence, one per frame."""

    def __init__(self, points: np.ndarray, challenges: list[Challenge]) -> None:
        rng = np.random.default_rng(4)
        self.frames = [p for _t, p in seq.genuine(points, challenges, rng)]
        self.index = 0

    def landmarks(self, frame: np.ndarray, box: tuple) -> np.ndarray:
        points = self.frames[min(self.index, len(self.frames) - 1)]
        self.index += 1
        return points


def probe_frames(name: str, engine) -> list[np.ndarray]:
    """Camera-like frames of a photo (the test's own detector: workers may hold the engine's)."""
    image = photo(name)
    face = FaceDetector().detect(image)[0]
    frame = camera_frame(image, face.box)
    rng = np.random.default_rng(5)
    return [
        np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8) for _ in range(4)
    ]


def run_check(engine, reference_name: str, probe_name: str) -> object:
    frames = probe_frames(probe_name, engine)
    mesh = FaceMesh()
    first = frames[0]
    points = mesh.landmarks(first, FaceDetector().detect(first)[0].box)
    check = FaceCheck(
        engine.detector,
        assess,
        ScriptedLandmarks(points, CHALLENGES),
        LivenessCheck(CHALLENGES, LivenessPolicy()),
        engine.verifier,
        engine.reference(photo_bytes(reference_name)),
        CheckPolicy(),
    )
    t, progress = 0.0, None
    for i in range(200):
        progress = check.feed(frames[i % len(frames)], t)
        if check.done:
            break
        t += 1 / seq.FPS
    return progress


def test_the_card_holder_doing_the_challenges_is_matched(engine) -> None:
    result = run_check(engine, "obama.jpg", "obama2.jpg")
    assert result.phase is Phase.MATCHED
    assert result.score >= result.threshold == engine.verifier.threshold
    # Reported with the result; its 400 ms target is wall-clock time, which a loaded
    # machine stretches: checked by benchmarks/face.py, not here.
    assert result.timings_ms["decision_ms"] > 0


def test_someone_else_doing_the_challenges_is_not_matched(engine) -> None:
    result = run_check(engine, "obama.jpg", "biden.jpg")
    assert result.phase is Phase.NOT_MATCHED
    assert result.score < result.threshold


def test_a_still_photo_held_to_the_camera_is_not_live(engine) -> None:
    frames = list(
        seq.printed_photo(probe_frames("obama2.jpg", engine)[0], np.random.default_rng(6), 12)
    )
    check = engine.new_check(engine.reference(photo_bytes("obama.jpg")), random.Random(1))
    t, progress = 0.0, None
    for frame in frames:
        progress = check.feed(frame, t)
        if check.done:
            break
        t += 1 / seq.FPS
    assert progress.phase is Phase.NOT_LIVE and progress.reason == "timeout"
    assert check._kept == []  # the kept frames are dropped with the attempt


class DeadCamera:
    """A camera that opens but never delivers a frame."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def latest(self) -> None:
        return None


def test_three_failed_attempts_call_the_staff(engine) -> None:
    """A printed photo in front of the camera, three times: then a staff member decides."""
    still = probe_frames("obama2.jpg", engine)[0]
    camera = SimulatedCamera([still], fps=15)
    dispatcher = QueueDispatcher()
    settings = FaceSettings(challenge_timeout_s=3.0)
    step = FaceStep(settings, camera, dispatcher, engine_loader=lambda _s: engine)
    outcomes: list[tuple[bool, str | None]] = []
    step.finished.connect(lambda matched, key: outcomes.append((matched, key)))
    step.enter(photo_bytes("obama.jpg"))
    for attempt in range(1, 4):
        assert dispatcher.drain_until(lambda a=attempt: step.attempts == a, 20), step.progress
        if attempt < 3:
            assert step.progress.phase is Phase.NOT_LIVE and step.remaining == 3 - attempt
            step.retry()
    assert outcomes == [(False, "face.result.not_live")]
    assert step.remaining == 0
    step.retry()  # no fourth attempt
    assert step._worker is None
    outcome = step.staff_override("CB-042", "checked against the card")
    assert outcome.result == "staff_override" and outcome.attempts == 3
    step.wipe()
    assert step._reference.reference is None and step.attempts == 0


def test_a_camera_that_sends_nothing_is_reported(engine) -> None:
    dispatcher = QueueDispatcher()
    now = [0.0]
    step = FaceStep(
        FaceSettings(),
        DeadCamera(),
        dispatcher,
        clock=lambda: now[0],
        engine_loader=lambda _s: engine,
    )
    outcomes = []
    step.finished.connect(lambda matched, key: outcomes.append(key))
    step.enter(photo_bytes("obama.jpg"))
    assert dispatcher.drain_until(lambda: step._worker is not None, 30)  # models loaded, looking
    step.tick()
    assert outcomes == []  # not yet: give the camera time
    now[0] = 10.0
    step.tick()
    assert outcomes == ["face.error.camera_no_frames"]


def test_a_chip_photo_without_a_face_goes_straight_to_the_staff(engine) -> None:
    blank = np.full((320, 240, 3), 200, np.uint8)
    import cv2

    _ok, png = cv2.imencode(".png", blank)
    dispatcher = QueueDispatcher()
    camera = SimulatedCamera([probe_frames("obama.jpg", engine)[0]], fps=15)
    step = FaceStep(FaceSettings(), camera, dispatcher, engine_loader=lambda _s: engine)
    outcomes = []
    step.finished.connect(lambda matched, key: outcomes.append(key))
    step.enter(png.tobytes())
    assert dispatcher.drain_until(lambda: bool(outcomes), 30)
    assert outcomes == ["face.error.no_face"] and step.attempts == 1
    step.wipe()


def test_the_engine_refuses_an_altered_model_at_start(tmp_path, monkeypatch) -> None:
    from kiosk.face import models
    from kiosk.face.errors import FaceError

    altered = tmp_path / "yunet.onnx"
    data = bytearray(models.YUNET.locate().read_bytes())
    data[100] ^= 0xFF
    altered.write_bytes(bytes(data))
    monkeypatch.setattr(
        models, "REQUIRED", (models.ModelFile.custom("YuNet", altered, models.YUNET.sha256),)
    )
    monkeypatch.setattr("kiosk.face.engine.REQUIRED", models.REQUIRED)
    models.forget_checks()
    dispatcher = QueueDispatcher()
    step = FaceStep(FaceSettings(), DeadCamera(), dispatcher)
    step.engine_loader = load_engine
    step.preload()
    assert dispatcher.drain_until(lambda: step.engine_error is not None, 30)
    assert step.engine_error == "face.error.model_altered"
    with pytest.raises(FaceError):
        load_engine(FaceSettings())
    models.forget_checks()

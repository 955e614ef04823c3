"""The passive check tells synthetic prints and screens from synthetic live captures.

Every presentation is rendered by tests/kiosk/face/attacks.py (no printer, screen or
camera took part): a handful per kind keeps the test fast; the rates with confidence
bounds come from ``python -m benchmarks.face --pad`` (docs/liveness.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.face.check import CheckPolicy, FaceCheck, Phase
from kiosk.face.feed import FeedMonitor
from kiosk.face.landmarks import FaceMesh
from kiosk.face.liveness import LivenessCheck, LivenessPolicy
from kiosk.face.pad import PadPolicy, looks_presented, measure
from kiosk.face.quality import assess
from tests.face_images import photo, photo_bytes, shared_detector
from tests.kiosk.face import attacks
from tests.kiosk.face import sequences as seq
from tests.kiosk.face.test_check import CHALLENGES, ScriptedLandmarks

FACES = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")


def presentations(kind: str, seed: int = 11) -> list[tuple[np.ndarray, object]]:
    rng = np.random.default_rng(seed)
    out = []
    for name in FACES:
        image = photo(name)
        box = shared_detector().detect(image)[0].box
        frame = attacks.KINDS[kind](image, box, rng)
        faces = shared_detector().detect(frame)
        assert faces, f"{kind} of {name}: no face found"
        out.append((frame, faces[0]))
    return out


def test_live_captures_are_not_taken_for_attacks() -> None:
    results = [measure(frame, face) for frame, face in presentations("live")]
    print("\nlive peaks dB:", [round(r.peak_db, 1) for r in results])
    assert not any(r.attack for r in results)


@pytest.mark.parametrize("kind", ["print", "screen"])
def test_a_printed_photo_and_a_screen_replay_are_caught(kind: str) -> None:
    results = [measure(frame, face) for frame, face in presentations(kind)]
    print(f"\n{kind} peaks dB:", [round(r.peak_db, 1) for r in results])
    assert sum(r.attack for r in results) >= 3  # of 4: the pattern does not always survive
    attack, _ = looks_presented(presentations(kind, seed=12)[:3])
    assert attack


def run(frames: list[np.ndarray], engine, **kwargs) -> object:  # type: ignore[no-untyped-def]
    """A whole attempt (scripted landmarks do the challenges), frames cycled."""
    mesh = FaceMesh()
    first = frames[0]
    points = mesh.landmarks(first, shared_detector().detect(first)[0].box)
    check = FaceCheck(
        engine.detector,
        assess,
        ScriptedLandmarks(points, CHALLENGES),
        LivenessCheck(CHALLENGES, LivenessPolicy()),
        engine.verifier,
        engine.reference(photo_bytes("obama.jpg")),
        CheckPolicy(),
        **kwargs,
    )
    t, progress = 0.0, None
    for i in range(200):
        progress = check.feed(frames[i % len(frames)], t, captured_at=t)
        if check.done:
            break
        t += 1 / seq.FPS
    return progress


@pytest.fixture(scope="module")
def engine():
    from kiosk.face.engine import load_engine
    from kiosk.runtime.config import FaceSettings

    return load_engine(FaceSettings())


def test_the_card_holder_on_a_screen_is_not_live_even_after_the_challenges(engine) -> None:
    """The scripted landmarks pass every challenge: only the passive check stands."""
    frames = [frame for frame, _face in presentations("screen", seed=13)[1:2]] * 2
    rng = np.random.default_rng(3)
    noisy = [np.clip(f + rng.normal(0, 2, f.shape), 0, 255).astype(np.uint8) for f in frames]
    result = run(noisy, engine, presentation=PadPolicy())
    assert result.phase is Phase.NOT_LIVE and result.reason == "presentation_attack"
    assert result.score is None  # never compared with the chip photo


def test_a_feed_that_repeats_its_frames_is_refused_as_replayed(engine) -> None:
    still = presentations("live", seed=14)[1][0]
    result = run([still], engine, feed=FeedMonitor())
    assert result.phase is Phase.NOT_LIVE and result.reason == "replayed_feed"

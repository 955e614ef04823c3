"""The face stack, loaded once: detector, embedder, landmarks, and a fresh check per attempt.

:func:`load_engine` checks every model file's sha256 and loads the networks;
the kiosk calls it at start-up on a task thread, so a missing or altered
model stops the face step with a technician's message before any citizen
arrives, never in front of one.  The engine is then used by one face-check
thread at a time (OpenCV networks are not shared between threads at once).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.face.check import CheckPolicy, FaceCheck
from kiosk.face.detect import FaceDetector
from kiosk.face.embed import Embedder, OnnxEmbedder, make_embedder
from kiosk.face.errors import FaceError
from kiosk.face.feed import FeedMonitor
from kiosk.face.landmarks import FaceMesh
from kiosk.face.liveness import LivenessCheck, LivenessPolicy, pick_challenges
from kiosk.face.models import REQUIRED, check_models
from kiosk.face.pad import PadPolicy
from kiosk.face.quality import assess
from kiosk.face.verify import FaceVerifier, Reference
from kiosk.runtime.config import FaceSettings


def make_configured_embedder(settings: FaceSettings, landmarker: Any = None) -> Embedder:
    """The embedder the settings name; 'custom' only with its own measured threshold."""
    threshold = settings.threshold or None
    if settings.embedder == "custom":
        if not settings.custom_model or not settings.custom_model_sha256 or threshold is None:
            raise FaceError(
                "face.error.model_missing",
                "face.embedder = 'custom' needs face.custom_model, face.custom_model_sha256 "
                "and its own calibrated face.threshold",
            )
        return OnnxEmbedder.custom(
            Path(settings.custom_model), settings.custom_model_sha256, threshold
        )
    return make_embedder(settings.embedder, threshold, landmarker)


@dataclass
class FaceEngine:
    settings: FaceSettings
    detector: FaceDetector
    verifier: FaceVerifier
    landmarker: FaceMesh
    lock: threading.Lock = field(default_factory=threading.Lock)  # one frame at a time

    def reference(self, photo: bytes | bytearray) -> Reference:
        """The chip photo's embedding (``FaceError`` for a bad photo)."""
        return self.verifier.reference(photo)

    def new_check(self, reference: Reference, rng: random.Random | None = None) -> FaceCheck:
        """One attempt with freshly drawn challenges."""
        rng = rng or random.SystemRandom()
        challenges = pick_challenges(rng, self.settings.challenges)
        liveness = LivenessCheck(
            challenges, LivenessPolicy(challenge_timeout_s=self.settings.challenge_timeout_s)
        )
        return FaceCheck(
            self.detector,
            assess,
            self.landmarker,
            liveness,
            self.verifier,
            reference,
            CheckPolicy(),
            feed=FeedMonitor() if self.settings.replay_check else None,
            presentation=PadPolicy() if self.settings.presentation_check else None,
        )

    def describe(self) -> dict[str, Any]:
        """For the log and the heartbeat: which embedder and threshold (no personal data)."""
        return {"embedder": self.verifier.embedder.name, "threshold": self.verifier.threshold}


def load_engine(settings: FaceSettings) -> FaceEngine:
    """Check the model files and load the networks (``FaceError`` naming the bad file)."""
    check_models(REQUIRED)
    detector = FaceDetector()
    mesh = FaceMesh()  # liveness landmarks and the embedder's alignment: one thread at a time
    embedder = make_configured_embedder(settings, mesh)
    verifier = FaceVerifier(detector, embedder, settings.threshold or None)
    return FaceEngine(settings, detector, verifier, mesh)

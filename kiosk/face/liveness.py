"""Liveness: random challenges judged from FaceMesh landmarks over time (no Qt, clock injected).

A printed photo, a still picture on a phone and a replayed video of another
session must not pass.  The kiosk asks for actions drawn at random (blink,
turn the head to the left or to the right, come closer) and watches the
landmarks of every processed frame (:meth:`LivenessCheck.update`):

1. *Baseline* (``baseline_s``, no prompt shown): the person as they stand —
   their own eye opening (the eye aspect ratio of open eyes ranges from 0.14
   to 0.37 between people and photos, so no fixed threshold can say
   "closed"), their neutral head yaw, their apparent size (inter-ocular
   distance) and the face's proportions (eyes-to-mouth over inter-ocular).
   A face that does not move at all over the baseline — not even by the
   sensor noise of a real camera — is a frozen or injected picture: the
   attempt fails (``no_motion``).  That is a cheap static check only; a
   photo held in a hand moves, which is why the challenges follow.
2. *Challenges*, one at a time, each within ``challenge_timeout_s``:

   - blink: the eye opening falls below ``blink_ratio`` of the person's own
     baseline for at least one frame and is back above ``reopen_ratio``
     within ``blink_max_s``.  The opening is divided by how much the face's
     proportions shrank vertically, and a frame where they shrank by more
     than ``blink_min_squash`` is not judged: tilting a flat photo backwards
     squashes the eyes with everything else (measured: eyes at 64–73 % on a
     photo tilted by 55°, the eyes-to-mouth proportion at 64–84 %, while a
     blink leaves it at 93–100 %);
   - turn left / right: the yaw moves ``turn_deg`` from the neutral in the
     direction asked, then comes back within ``return_deg`` of it; a turn the
     other way does not count.  Left and right are the *person's* (the camera
     image is not mirrored; the preview the citizen sees is);
   - move closer: the inter-ocular distance grows by ``closer_ratio`` over
     its smallest value since the prompt (not since the baseline, so a face
     already close from an earlier moment does not pass by itself).

3. Throughout: no face for more than ``face_lost_s`` fails (``face_lost``); a
   face whose size or position jumps between two observations (another face,
   a picture swapped in) fails (``face_changed``).

The random draw is what defeats a replayed recording of another session: it
passes only when the fresh draw asks exactly what was recorded, in the same
order.  Every draw holds a blink, the one challenge a flat picture cannot
fake: a photo can be brought closer, and a photo of a face already turned,
itself turned about its vertical axis, reads as a head turn of up to 18°
(measured on the synthetic attacks).  With two challenges that leaves six
ordered draws, so a blind replay passes one time in six; three challenges
(``face.challenges``) make it one in eighteen.  Not stopped: a live,
puppeteered face (a deepfake driven in real time), a mask worn by a person.
docs/liveness.md has the measured error rates and the limits.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import median

import numpy as np

from kiosk.face.landmarks import (
    LOWER_LIP,
    UPPER_LIP,
    eye_aspect_ratio,
    eye_centres,
    head_pose,
    inter_ocular_distance,
)


class Challenge(StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"  # the person's left
    TURN_RIGHT = "turn_right"
    MOVE_CLOSER = "move_closer"

    @property
    def prompt_key(self) -> str:
        """The translated instruction (``assets/i18n``: ``face.challenge.*``)."""
        return f"face.challenge.{self.value}"


PICTURE_PROOF = frozenset({Challenge.BLINK})
"""Challenges a flat picture cannot fake (see the module docstring); every draw holds one."""


def pick_challenges(rng: random.Random, count: int = 2) -> list[Challenge]:
    """``count`` different challenges in a random order.

    The kiosk passes ``random.SystemRandom()``; tests pass a seeded
    ``random.Random``.  Every draw holds a blink (:data:`PICTURE_PROOF`),
    at a random place in the order; the others are drawn from the rest.
    """
    if count < 1:
        raise ValueError("at least one challenge")
    count = min(count, len(Challenge))
    proof = sorted(PICTURE_PROOF)
    must = proof[rng.randrange(len(proof))]
    others = [c for c in Challenge if c is not must]
    picked = [must, *rng.sample(others, count - 1)]
    rng.shuffle(picked)
    return picked


@dataclass(frozen=True)
class LivenessPolicy:
    """The thresholds; docs/liveness.md says why each has its value."""

    baseline_s: float = 0.8  # watched, with no prompt, before the first challenge
    baseline_frames: int = 6  # at least this many observations in the baseline
    still_motion: float = 0.0005  # landmark motion per frame below this (× inter-ocular): frozen
    blink_ratio: float = 0.7  # closed: eye opening below 70 % of the person's own
    reopen_ratio: float = 0.85  # open again: back above 85 %
    blink_min_squash: float = 0.88  # face proportions below 88 % of the baseline: not judged
    blink_max_s: float = 0.6  # from the first closed frame to the reopened one
    turn_deg: float = 15.0  # yaw away from the neutral, in the direction asked
    return_deg: float = 7.5  # and back within this of the neutral
    closer_ratio: float = 1.2  # inter-ocular distance grown by 20 %
    challenge_timeout_s: float = 6.0  # per challenge (the kiosk's face.challenge_timeout_s)
    face_lost_s: float = 1.0  # no face for longer than this fails
    jump_size_ratio: float = 0.3  # size changing by 30 % between two observations: another face
    jump_shift: float = 1.0  # eyes moving by an inter-ocular distance between two observations


@dataclass(frozen=True)
class LivenessState:
    """What the check says after an observation (no image, no landmarks)."""

    prompt_key: str | None  # the current challenge's text; None during the baseline and when done
    progress: float  # 0..1 over all challenges
    passed: bool = False
    failed: bool = False
    reason: str = ""  # when failed: timeout | face_lost | face_changed | no_motion
    challenge: Challenge | None = None  # the current challenge (None during the baseline)


@dataclass(frozen=True)
class _Seen:
    """The measures of one observation: only numbers, never the landmarks themselves."""

    t: float
    openness: float  # mean eye aspect ratio
    aspect: float  # eyes-to-mouth distance over inter-ocular distance
    yaw: float
    iod: float
    centre: tuple[float, float]


def _measure(t: float, points: np.ndarray) -> _Seen:
    left, right = eye_aspect_ratio(points)
    yaw, _pitch = head_pose(points)
    eye_left, eye_right = eye_centres(points)
    centre = (eye_left + eye_right) / 2
    mouth = (points[UPPER_LIP, :2] + points[LOWER_LIP, :2]) / 2
    iod = inter_ocular_distance(points)
    height = float(np.linalg.norm(mouth - centre))
    return _Seen(
        t,
        (left + right) / 2,
        height / iod if iod > 0 else 0.0,
        yaw,
        iod,
        (float(centre[0]), float(centre[1])),
    )


@dataclass
class _Baseline:
    seen: list[_Seen] = field(default_factory=list)
    motion: list[float] = field(default_factory=list)  # RMS landmark motion / IOD per frame
    openness: float = 0.0
    aspect: float = 0.0
    yaw: float = 0.0
    iod: float = 0.0


class LivenessCheck:
    """One attempt's challenges; fed one observation per processed frame.

    Not thread-safe: one check belongs to one face-check thread.  Time ``t``
    is any monotonic clock in seconds (the caller's), so tests drive it.
    """

    def __init__(
        self, challenges: Sequence[Challenge], policy: LivenessPolicy = LivenessPolicy()
    ) -> None:
        if not challenges:
            raise ValueError("at least one challenge")
        if len(set(challenges)) != len(challenges):
            raise ValueError("a challenge is asked once")
        self.challenges = [Challenge(c) for c in challenges]
        self.policy = policy
        self.index = 0
        self._base = _Baseline()
        self._ready = False
        self._last: _Seen | None = None
        self._last_points: np.ndarray | None = None
        self._lost_since: float | None = None
        self._started = 0.0
        self._closed_at: float | None = None
        self._turned = False
        self._smallest = 0.0
        self._state = LivenessState(None, 0.0)

    @property
    def current(self) -> Challenge | None:
        """The challenge being judged (None during the baseline and when done)."""
        if not self._ready or self.index >= len(self.challenges):
            return None
        return self.challenges[self.index]

    @property
    def state(self) -> LivenessState:
        return self._state

    def update(self, t: float, points: np.ndarray | None) -> LivenessState:
        """One observation: the 468 landmarks of the frame at time ``t`` (None: no face)."""
        if self._state.passed or self._state.failed:
            return self._state
        if points is None:
            if self._lost_since is None:
                self._lost_since = t
            if t - self._lost_since > self.policy.face_lost_s:
                return self._finish("face_lost")
            return self._timed_out(t) or self._report()
        self._lost_since = None
        seen = _measure(t, points)
        if self._jumped(seen):
            return self._finish("face_changed")
        self._last = seen
        if not self._ready:
            previous, self._last_points = self._last_points, points[:, :2].astype(np.float64)
            return self._watch(seen, previous)
        if timed_out := self._timed_out(t):
            return timed_out
        if self._judge(seen):
            self.index += 1
            if self.index == len(self.challenges):
                self._state = LivenessState(None, 1.0, passed=True)
                return self._state
            self._start(t)
        return self._report()

    # -- the baseline -----------------------------------------------------------------------

    def _watch(self, seen: _Seen, previous: np.ndarray | None) -> LivenessState:
        base, policy = self._base, self.policy
        if previous is not None and self._last_points is not None and seen.iod > 0:
            step = np.sqrt(np.mean(np.sum((self._last_points - previous) ** 2, axis=1)))
            base.motion.append(float(step) / seen.iod)
        base.seen.append(seen)
        if seen.t - base.seen[0].t < policy.baseline_s or len(base.seen) < policy.baseline_frames:
            return self._report()
        if base.motion and median(base.motion) < policy.still_motion:
            return self._finish("no_motion")
        base.openness = median(s.openness for s in base.seen)
        base.aspect = median(s.aspect for s in base.seen)
        base.yaw = median(s.yaw for s in base.seen)
        base.iod = median(s.iod for s in base.seen)
        self._ready = True
        self._last_points = None  # the baseline's motion is measured; keep no landmarks
        self._start(seen.t)
        return self._report()

    # -- judging ----------------------------------------------------------------------------

    def _start(self, t: float) -> None:
        self._started = t
        self._closed_at = None
        self._turned = False
        self._smallest = self._last.iod if self._last else self._base.iod

    def _judge(self, seen: _Seen) -> bool:
        policy, base, challenge = self.policy, self._base, self.current
        if challenge is Challenge.BLINK:
            squash = seen.aspect / base.aspect if base.aspect > 0 else 1.0
            opening = seen.openness / (base.openness * max(squash, 1e-3))
            if opening < policy.blink_ratio and squash >= policy.blink_min_squash:
                if self._closed_at is None:
                    self._closed_at = seen.t
                return False
            if self._closed_at is None or opening < policy.reopen_ratio:
                return False
            closed_for = seen.t - self._closed_at
            self._closed_at = None  # eyes kept shut too long are no blink: wait for another
            return closed_for <= policy.blink_max_s
        if challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT):
            # Positive yaw is the person's left (kiosk.face.landmarks.head_pose).
            sign = 1.0 if challenge is Challenge.TURN_LEFT else -1.0
            turned = sign * (seen.yaw - base.yaw)
            if turned >= policy.turn_deg:
                self._turned = True
            return self._turned and abs(seen.yaw - base.yaw) <= policy.return_deg
        if challenge is Challenge.MOVE_CLOSER:
            self._smallest = min(self._smallest, seen.iod)
            return seen.iod >= policy.closer_ratio * self._smallest
        return False

    def _jumped(self, seen: _Seen) -> bool:
        last = self._last
        if last is None or last.iod <= 0:
            return False
        if abs(seen.iod / last.iod - 1) > self.policy.jump_size_ratio:
            return True
        shift = np.hypot(seen.centre[0] - last.centre[0], seen.centre[1] - last.centre[1])
        return bool(shift > self.policy.jump_shift * last.iod)

    def _timed_out(self, t: float) -> LivenessState | None:
        if self._ready and t - self._started > self.policy.challenge_timeout_s:
            return self._finish("timeout")
        return None

    # -- what the screen shows --------------------------------------------------------------

    def _report(self) -> LivenessState:
        challenge = self.current
        self._state = LivenessState(
            challenge.prompt_key if challenge else None,
            self.index / len(self.challenges),
            challenge=challenge,
        )
        return self._state

    def _finish(self, reason: str) -> LivenessState:
        self._state = LivenessState(
            None, self.index / len(self.challenges), failed=True, reason=reason
        )
        self._last_points = None
        return self._state

"""Liveness: random challenges judged from FaceMesh landmarks over time (no Qt, clock injected).

A printed photo, a still picture on a phone and a replayed video of another
session must not pass.  The kiosk asks for actions in a random order (blink,
turn the head left or right, move closer) and watches the landmarks:

- first a short *baseline* of the person as they stand: their own eye
  opening (eye aspect ratios of still photos range from 0.14 to 0.37, so no
  fixed threshold can say "closed"), their neutral head yaw, their size;
- a *blink* is a dip of the eye opening below ``blink_ratio`` of that
  baseline that reopens within ``blink_max_s``;
- a *turn* is a yaw of ``turn_deg`` away from the neutral, in the direction
  asked, coming back towards the camera (a head turned the wrong way does
  not count);
- *closer* is the face growing by ``closer_ratio``.

Each challenge has ``challenge_timeout_s``; a face lost for ``face_lost_s``
or one that jumps (another face, or a picture swapped in) fails the attempt.
What a random challenge order defeats, and what it does not (a live,
puppeteered face; a mask), is in docs/face.md.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import median

import numpy as np

from kiosk.face.landmarks import eye_aspect_ratio, face_size, head_yaw


class Challenge(StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    MOVE_CLOSER = "move_closer"

    @property
    def prompt_key(self) -> str:
        return f"face.challenge.{self.value}"


def pick_challenges(rng: random.Random, count: int = 2) -> list[Challenge]:
    """``count`` different challenges in a random order (seed the rng from the OS)."""
    challenges = list(Challenge)
    if rng.random() < 0.5:  # never both turns: one of them, at random
        challenges.remove(Challenge.TURN_LEFT)
    else:
        challenges.remove(Challenge.TURN_RIGHT)
    return rng.sample(challenges, min(count, len(challenges)))


@dataclass(frozen=True)
class LivenessPolicy:
    baseline_s: float = 0.6  # how long the person is watched before the first challenge
    baseline_frames: int = 5
    blink_ratio: float = 0.7  # closed: eye opening below 70 % of the person's own
    reopen_ratio: float = 0.85  # open again: back above 85 %
    blink_max_s: float = 0.8  # a blink, not eyes kept shut
    turn_deg: float = 15.0
    closer_ratio: float = 1.2
    challenge_timeout_s: float = 8.0
    face_lost_s: float = 1.0
    jump_ratio: float = 0.35  # face size changing this much between frames: not the same face


@dataclass(frozen=True)
class LivenessState:
    prompt_key: str | None  # the current challenge's text (None while watching or when done)
    progress: float  # 0..1 over all challenges
    passed: bool = False
    failed: bool = False
    reason: str = ""  # timeout | face_lost | face_changed


@dataclass
class _Observation:
    t: float
    ear: float
    yaw: float
    size: float


class LivenessCheck:
    """Fed one landmark set per processed frame (``None``: no face); see the module docstring."""

    def __init__(
        self, challenges: Sequence[Challenge], policy: LivenessPolicy = LivenessPolicy()
    ) -> None:
        if not challenges:
            raise ValueError("at least one challenge")
        self.challenges = list(challenges)
        self.policy = policy
        self.index = 0
        self._baseline: list[_Observation] = []
        self.base_ear = 0.0
        self.neutral_yaw = 0.0
        self.base_size = 0.0
        self._challenge_started: float | None = None
        self._lost_since: float | None = None
        self._last_size: float | None = None
        self._closed_at: float | None = None
        self._turned = False
        self._state = LivenessState(None, 0.0)

    @property
    def current(self) -> Challenge | None:
        return self.challenges[self.index] if self.index < len(self.challenges) else None

    def update(self, t: float, points: np.ndarray | None) -> LivenessState:
        if self._state.passed or self._state.failed:
            return self._state
        if points is None:
            if self._lost_since is None:
                self._lost_since = t
            elif t - self._lost_since > self.policy.face_lost_s:
                return self._finish(failed=True, reason="face_lost")
            return self._progress(t)
        self._lost_since = None
        right, left = eye_aspect_ratio(points)
        seen = _Observation(t, (right + left) / 2, head_yaw(points), face_size(points))
        if self._last_size and abs(seen.size / self._last_size - 1) > self.policy.jump_ratio:
            return self._finish(failed=True, reason="face_changed")
        self._last_size = seen.size
        if self.base_ear == 0.0:
            self._baseline.append(seen)
            span = t - self._baseline[0].t
            if span >= self.policy.baseline_s and len(self._baseline) >= (
                self.policy.baseline_frames
            ):
                self.base_ear = median(o.ear for o in self._baseline)
                self.neutral_yaw = median(o.yaw for o in self._baseline)
                self.base_size = median(o.size for o in self._baseline)
                self._start_challenge(t)
            return self._progress(t)
        if self._challenge_started is not None and (
            t - self._challenge_started > self.policy.challenge_timeout_s
        ):
            return self._finish(failed=True, reason="timeout")
        if self._judge(seen):
            self.index += 1
            if self.current is None:
                return self._finish(failed=False)
            self._start_challenge(t)
        return self._progress(t)

    def _start_challenge(self, t: float) -> None:
        self._challenge_started = t
        self._closed_at = None
        self._turned = False

    def _judge(self, seen: _Observation) -> bool:
        policy, challenge = self.policy, self.current
        if challenge is Challenge.BLINK:
            if seen.ear < policy.blink_ratio * self.base_ear:
                if self._closed_at is None:
                    self._closed_at = seen.t
                elif seen.t - self._closed_at > policy.blink_max_s:
                    self._closed_at = None  # eyes kept shut is not a blink; wait for another
                return False
            if self._closed_at is not None and seen.ear >= policy.reopen_ratio * self.base_ear:
                return seen.t - self._closed_at <= policy.blink_max_s
            return False
        if challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT):
            sign = 1.0 if challenge is Challenge.TURN_LEFT else -1.0
            turned = sign * (seen.yaw - self.neutral_yaw)
            if turned >= policy.turn_deg:
                self._turned = True
            # Passed once the head comes back towards the camera after the turn.
            return self._turned and turned <= policy.turn_deg / 2
        if challenge is Challenge.MOVE_CLOSER:
            return seen.size >= policy.closer_ratio * self.base_size
        return False

    def _progress(self, t: float) -> LivenessState:
        challenge = self.current
        prompt = challenge.prompt_key if challenge and self.base_ear else None
        self._state = LivenessState(prompt, self.index / len(self.challenges))
        return self._state

    def _finish(self, *, failed: bool, reason: str = "") -> LivenessState:
        done = self.index / len(self.challenges)
        self._state = LivenessState(None, 1.0 if not failed else done, not failed, failed, reason)
        return self._state

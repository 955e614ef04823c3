"""Synthetic camera sequences for the liveness tests, built from real photos.

No recording of one person really blinking, turning and coming closer is
available here (only still photos: three of Barack Obama, one of Joe Biden,
from the ``face_recognition`` 1.3.0 sdist), so the genuine side is made from
the photos, at the image level, and the real detector box and the real
FaceMesh are run on every frame:

- *blink*: the eyes are painted shut with the skin colour just below them and
  a lash line (fully closed), or their upper lids are pulled half-way down by
  a vertical squash (half closed).  FaceMesh's own eyelid points hardly move
  on such frames (2–10 %); the iris model's refinement
  (:class:`kiosk.face.landmarks.FaceMesh`) sees the eye aspect ratio fall to
  30–60 % of the open value — ``test_landmarks.py`` checks it on each photo;
- *head turn*: the face is re-rendered turned about the vertical axis by a
  piecewise-affine warp of FaceMesh's own 3-D mesh (each triangle of the mesh
  moves where the rotated mesh puts it; the depth comes from FaceMesh's z).
  A plain horizontal compression or a cylinder warp moved FaceMesh's yaw by
  only 3–10°, too little; the mesh warp of 35° moves it by 18–35°;
- *moving closer*: the frame is scaled up about the face over a second;
- and throughout, a head's natural micro-motion: slow sway, sub-pixel
  shifts, tiny rotations, sensor noise, and a spontaneous blink now and then.

The genuine person is *reactive*: they wait for the prompt, take a human
reaction time, then act.  Attacks are reactive too, as a determined attacker
is: a printed photo held in a shaking hand is brought closer when the kiosk
asks to come closer, turned about its vertical axis when asked to turn,
tilted backwards and forwards when asked to blink; the same for a still
picture shown on a phone (bezel, moiré, a reflection, a brighter screen).
The replay of another session is done at the landmark level: the landmarks
recorded from a genuine session are fed again, unchanged (a perfect replay,
the attacker's best case).

Face boxes: YuNet (``cv2.FaceDetectorYN``) on each rendered variant, moved
with the per-frame shake, rather than YuNet on every frame (it would triple
the test's time).  For the attacks that gives FaceMesh a box even where a
detector might lose a steeply tilted photo, which favours the attacker.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from kiosk.face.landmarks import FaceMesh
from kiosk.face.liveness import Challenge, LivenessCheck, LivenessState
from kiosk.face.models import YUNET
from tests.face_images import camera_frame, photo

FPS = 10.0
"""Processed frames a second: a kiosk processes more; fewer is harder for a blink."""
SIZE = (480, 360)
Box = tuple[float, float, float, float]
Shot = tuple[np.ndarray, Box]

# The eye outlines (the person's right eye, then left), for painting them shut.
RIGHT_EYE_OUTLINE = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE_OUTLINE = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)
RIGHT_UPPER, RIGHT_LOWER = (33, 246, 161, 160, 159, 158, 157, 173, 133), (
    33, 7, 163, 144, 145, 153, 154, 155, 133,
)  # fmt: skip
LEFT_UPPER, LEFT_LOWER = (263, 466, 388, 387, 386, 385, 384, 398, 362), (
    263, 249, 390, 373, 374, 380, 381, 382, 362,
)  # fmt: skip


class Detector:
    """YuNet straight from OpenCV (the tests do not depend on kiosk.face.detect)."""

    def __init__(self) -> None:
        self._net = cv2.FaceDetectorYN.create(str(YUNET.locate()), "", SIZE)
        self._size = SIZE

    def box(self, image: np.ndarray) -> Box | None:
        size = (image.shape[1], image.shape[0])
        if size != self._size:
            self._net.setInputSize(size)
            self._size = size
        _, faces = self._net.detect(image)
        if faces is None or len(faces) == 0:
            return None
        x, y, w, h = (float(v) for v in faces[0][:4])
        return x, y, w, h


@dataclass
class Scene:
    """One photo placed in a camera frame, with its FaceMesh points and rendered variants."""

    name: str
    frame: np.ndarray
    box: Box
    points: np.ndarray
    mesh: FaceMesh
    detector: Detector
    _variants: dict[tuple[str, int], Shot] = field(default_factory=dict)

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2, y + h / 2

    def variant(self, kind: str, level: int) -> Shot:
        """A rendered variant (cached): ("eyes", 0/50/100 % closed) or ("yaw", degrees)."""
        key = (kind, level)
        if key not in self._variants:
            if level == 0:
                image = self.frame
            elif kind == "eyes":
                image = closed_eyes(self.frame, self.points, level / 100)
            else:
                image = turned(self.frame, self.points, level)
            self._variants[key] = (image, self.detector.box(image) or self.box)
        return self._variants[key]


def make_scene(
    name: str, mesh: FaceMesh, detector: Detector, image: np.ndarray | None = None
) -> Scene:
    """``name``'s photo (or ``image``) as a 480×360 camera frame, the face about 30 % wide."""
    if image is None:
        original = photo(name)
        found = Detector().box(original)
        if found is None:
            raise AssertionError(f"no face in {name}")
        image = camera_frame(original, found, face_width=0.3, size=SIZE)
    box = detector.box(image)
    if box is None:
        raise AssertionError(f"no face in the frame made from {name}")
    return Scene(name, image, box, mesh.landmarks(image, box), mesh, detector)


# -- rendering the actions -------------------------------------------------------------------


def closed_eyes(frame: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """The eyes ``amount`` closed: 1 painted shut, otherwise upper lids pulled down."""
    out = frame.copy()
    if amount >= 1:
        for outline, lower in ((RIGHT_EYE_OUTLINE, RIGHT_LOWER), (LEFT_EYE_OUTLINE, LEFT_LOWER)):
            eye = points[list(outline), :2].astype(np.float64)
            centre = eye.mean(axis=0)
            height = float(np.ptp(eye[:, 1]))
            polygon = ((eye - centre) * (1.15, 1.5) + centre).astype(np.int32)
            mask = np.zeros(frame.shape[:2], np.uint8)
            cv2.fillPoly(mask, [polygon], 255)
            below = np.zeros_like(mask)  # the skin just under the eye
            cv2.fillPoly(below, [(polygon + np.array([0, int(2 * height)])).astype(np.int32)], 255)
            skin = np.array(cv2.mean(frame, below)[:3])
            weight = cv2.GaussianBlur(mask, (7, 7), 0).astype(np.float32)[..., None] / 255
            out = (out * (1 - weight) + skin * weight).astype(np.uint8)
            lid = points[list(lower), :2]
            lid = lid[np.argsort(lid[:, 0])] - (0, 0.5)
            cv2.polylines(out, [lid.astype(np.int32)], False, (40, 35, 35), 1, cv2.LINE_AA)
        return out
    for upper, lower in ((RIGHT_UPPER, RIGHT_LOWER), (LEFT_UPPER, LEFT_LOWER)):
        up = points[list(upper), :2]
        low = points[list(lower), :2]
        x0, x1 = int(min(up[:, 0].min(), low[:, 0].min())) - 2, int(up[:, 0].max()) + 3
        xs = np.arange(x0, x1, dtype=np.float32)
        top = np.interp(xs, *up[np.argsort(up[:, 0])].T)
        bottom = np.interp(xs, *low[np.argsort(low[:, 0])].T)
        drop = amount * np.clip(bottom - top, 0, None)  # how far each column's lid comes down
        reach = 2.5 * max(float((bottom - top).max()), 2.0)
        y0, y1 = int(top.min() - reach), int(bottom.max()) + 3
        ys = np.arange(y0, y1, dtype=np.float32)[:, None]
        above = np.clip(1 - (top[None, :] - ys) / reach, 0, 1)
        source = np.where(
            ys >= top + drop, ys, np.where(ys >= top, ys - drop, ys - drop * above)
        ).astype(np.float32)
        map_x = np.repeat(xs[None, :], len(ys), axis=0)
        out[y0:y1, x0:x1] = cv2.remap(frame, map_x, source, cv2.INTER_LINEAR)
    return out


def _triangles(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    subdivision = cv2.Subdiv2D((-1, -1, size[0] + 2, size[1] + 2))
    for x, y in points:
        subdivision.insert((float(x), float(y)))
    triangles = []
    for corners in subdivision.getTriangleList().reshape(-1, 3, 2):
        index = [int(np.argmin(np.abs(points - c).sum(axis=1))) for c in corners]
        if np.abs(points[index] - corners).sum(axis=1).max() < 0.5:
            triangles.append(index)
    return np.array(triangles)


def turned(frame: np.ndarray, points: np.ndarray, degrees: float) -> np.ndarray:
    """The face turned by ``degrees`` about the vertical axis (+: the person's own left).

    Every FaceMesh point is rotated in 3-D (FaceMesh's z as depth, the axis a
    little behind the cheeks) and the image follows triangle by triangle;
    a ring of fixed points around the head and the frame's corners keep the
    background in place.  Triangles are drawn far to near, so the far side of
    the face disappears behind the near side as it would.
    """
    h, w = frame.shape[:2]
    mesh = points.astype(np.float64)
    centre = mesh[:, :2].mean(axis=0)
    radius = float(np.linalg.norm(mesh[:, :2] - centre, axis=1).max())
    ring = [
        centre + 1.6 * radius * np.array([math.cos(a), math.sin(a)])
        for a in np.linspace(0, 2 * math.pi, 20, endpoint=False)
    ]
    fixed = np.vstack([np.clip(ring, 0, (w - 1, h - 1)), [(0, 0), (w - 1, 0), (0, h - 1)]])
    fixed = np.vstack([fixed, [(w - 1, h - 1)]])
    source = np.vstack([mesh[:, :2], fixed])
    axis_depth = (mesh[234, 2] + mesh[454, 2]) / 2 + 0.3 * radius
    theta = math.radians(degrees)
    target = source.copy()
    target[: len(mesh), 0] = (
        centre[0]
        + (mesh[:, 0] - centre[0]) * math.cos(theta)
        - (mesh[:, 2] - axis_depth) * math.sin(theta)
    )
    depth = np.concatenate([mesh[:, 2], np.full(len(fixed), mesh[:, 2].max() + 1)])
    out = frame.copy()
    triangles = _triangles(source, (w, h))
    for triangle in triangles[np.argsort(-depth[triangles].mean(axis=1))]:
        src, dst = source[triangle].astype(np.float32), target[triangle].astype(np.float32)
        x, y, bw, bh = cv2.boundingRect(dst)
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + bw, w), min(y + bh, h)
        if x1 <= x0 or y1 <= y0:
            continue
        offset = np.float32([x0, y0])
        matrix = cv2.getAffineTransform(src, dst - offset)
        patch = cv2.warpAffine(
            frame, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT,
        )  # fmt: skip
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        corners = np.round((dst - offset) * 16).astype(np.int32)
        cv2.fillConvexPoly(mask, corners, 255, cv2.LINE_AA, 4)
        weight = mask[..., None].astype(np.float32) / 255
        region = out[y0:y1, x0:x1]
        region[:] = (region * (1 - weight) + patch * weight).astype(np.uint8)
    return out


def screen_picture(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``frame`` shown on a phone held up to the camera: bezel, moiré, reflection, brightness."""
    h, w = frame.shape[:2]
    inner = cv2.resize(frame, (int(w * 0.72), int(h * 0.72)), interpolation=cv2.INTER_AREA)
    ih, iw = inner.shape[:2]
    ys, xs = np.mgrid[0:ih, 0:iw].astype(np.float32)
    angle = rng.uniform(0, math.pi)
    moire = 1 + 0.06 * np.sin((xs * math.cos(angle) + ys * math.sin(angle)) * 2 * math.pi / 3.1)
    glare = 28 * np.clip(1 - np.hypot(xs - iw * 0.8, ys - ih * 0.2) / (0.6 * iw), 0, 1)
    shown = inner.astype(np.float32) * 1.12 * moire[..., None] + glare[..., None] + (10, 4, -4)
    picture = np.full_like(frame, 25)
    y, x = (h - ih) // 2, (w - iw) // 2
    cv2.rectangle(picture, (x - 14, y - 24), (x + iw + 14, y + ih + 24), (12, 12, 12), -1)
    picture[y : y + ih, x : x + iw] = np.clip(shown, 0, 255).astype(np.uint8)
    return picture


# -- motion ------------------------------------------------------------------------------------


class Shake:
    """Smooth random motion (sum of slow sines) plus white jitter, as an affine matrix."""

    def __init__(
        self, rng: np.random.Generator, shift: float, turn_deg: float, zoom: float, noise: float
    ) -> None:
        self.rng = rng
        self.amplitude = np.array([shift, shift, turn_deg, zoom])
        self.frequency = rng.uniform(0.2, 1.2, (4, 3))
        self.phase = rng.uniform(0, 2 * math.pi, (4, 3))
        self.noise = noise

    def matrix(self, t: float, centre: tuple[float, float], scale: float = 1.0) -> np.ndarray:
        sway = (np.sin(2 * math.pi * self.frequency * t + self.phase).sum(axis=1) / 3).copy()
        dx, dy, angle, zoom = sway * self.amplitude
        matrix = cv2.getRotationMatrix2D(centre, angle, scale * (1 + zoom))
        matrix[:, 2] += np.array([dx, dy]) + self.rng.normal(0, self.noise, 2)
        return matrix


def _noise_pool(seed: int = 7, count: int = 6) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 2.5, (SIZE[1], SIZE[0], 3)).astype(np.int16) for _ in range(count)]


NOISE = _noise_pool()


def shoot(image: np.ndarray, box: Box, matrix: np.ndarray, rng: np.random.Generator) -> Shot:
    """One camera frame: ``image`` moved by ``matrix`` (2×3 or 3×3), with sensor noise."""
    corners = np.array(
        [[box[0], box[1]], [box[0] + box[2], box[1]], [box[0], box[1] + box[3]],
         [box[0] + box[2], box[1] + box[3]]], np.float32,
    )  # fmt: skip
    if matrix.shape == (3, 3):
        moved = cv2.warpPerspective(image, matrix, SIZE, borderMode=cv2.BORDER_REPLICATE)
        placed = cv2.perspectiveTransform(corners[None], matrix)[0]
    else:
        moved = cv2.warpAffine(image, matrix, SIZE, borderMode=cv2.BORDER_REPLICATE)
        placed = cv2.transform(corners[None], matrix)[0]
    noisy = moved.astype(np.int16) + NOISE[int(rng.integers(len(NOISE)))]
    frame = np.clip(noisy, 0, 255).astype(np.uint8)
    x0, y0 = placed.min(axis=0)
    x1, y1 = placed.max(axis=0)
    return frame, (float(x0), float(y0), float(x1 - x0), float(y1 - y0))


# -- who is in front of the camera -------------------------------------------------------------


class Actor(Protocol):
    def shot(self, t: float, state: LivenessState) -> Shot | None:
        """The frame at ``t``, knowing what the kiosk shows (None: nobody in front)."""


class Person:
    """A live person (the genuine presentation): waits for the prompt, reacts, acts.

    ``wrong_way`` turns the other way, ``idle`` does nothing asked;
    ``leave_at`` walks out of view then.
    """

    def __init__(
        self,
        scene: Scene,
        rng: np.random.Generator,
        *,
        wrong_way: bool = False,
        idle: bool = False,
        leave_at: float | None = None,
    ) -> None:
        self.scene, self.rng = scene, rng
        self.shake = Shake(rng, shift=1.5, turn_deg=0.6, zoom=0.006, noise=0.3)
        self.wrong_way, self.idle, self.leave_at = wrong_way, idle, leave_at
        self.scale = 1.0
        self._challenge: Challenge | None = None
        self._act_at = 0.0
        self._start_scale = 1.0
        self._peak = 35.0
        self._blink_s = 0.3
        self._growth = 1.37
        self._next_natural_blink = rng.uniform(0.2, 4.0)

    def shot(self, t: float, state: LivenessState) -> Shot | None:
        if self.leave_at is not None and t >= self.leave_at:
            return None
        if state.challenge is not self._challenge:
            self._challenge = state.challenge
            self._act_at = t + self.rng.uniform(0.4, 0.9)  # a human reaction time
            self._start_scale = self.scale
            self._peak = self.rng.uniform(30.0, 40.0)
            self._blink_s = self.rng.uniform(0.25, 0.4)
            self._growth = self.rng.uniform(1.3, 1.45)
        since = t - self._act_at
        eyes, yaw = self._natural_blink(t), 0
        challenge = None if self.idle else self._challenge
        if challenge is Challenge.BLINK and 0 <= since <= self._blink_s:
            # Half-closed for one frame each way, shut in between.
            eyes = 50 if since < 0.1 or since > self._blink_s - 0.1 else 100
        elif challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT) and 0 <= since <= 1.6:
            sign = 1 if (challenge is Challenge.TURN_LEFT) != self.wrong_way else -1
            # Out over 0.6 s, hold 0.3 s, back over 0.6 s.
            reach = min(since / 0.6, 1.0, max(0.0, (1.5 - since) / 0.6))
            yaw = sign * int(round(self._peak * reach / 5) * 5)
        elif challenge is Challenge.MOVE_CLOSER and since >= 0:
            self.scale = self._start_scale * (1 + (self._growth - 1) * min(since / 1.0, 1.0))
        image, box = self.scene.variant("yaw", yaw) if yaw else self.scene.variant("eyes", eyes)
        return shoot(image, box, self.shake.matrix(t, self.scene.centre, self.scale), self.rng)

    def _natural_blink(self, t: float) -> int:
        """People blink every few seconds without being asked."""
        if t >= self._next_natural_blink + 0.2:
            self._next_natural_blink = t + self.rng.uniform(2.0, 6.0)
        return 100 if self._next_natural_blink <= t < self._next_natural_blink + 0.2 else 0


class HeldPicture:
    """A flat picture held up in a hand, moved as a determined attacker would.

    Asked to come closer, the picture is brought closer (a flat picture can
    do that); asked to turn, it is turned about its vertical axis; asked to
    blink, it is tilted backwards and forwards (squashing the eyes with the
    rest of the face).
    """

    def __init__(self, scene: Scene, rng: np.random.Generator, focal: float = 520.0) -> None:
        self.scene, self.rng, self.focal = scene, rng, focal
        self.shake = Shake(rng, shift=5.0, turn_deg=2.5, zoom=0.03, noise=0.8)
        self.scale = 1.0
        self._challenge: Challenge | None = None
        self._act_at = 0.0
        self._start_scale = 1.0

    def shot(self, t: float, state: LivenessState) -> Shot | None:
        if state.challenge is not self._challenge:
            self._challenge = state.challenge
            self._act_at = t + self.rng.uniform(0.4, 0.9)
            self._start_scale = self.scale
        since = t - self._act_at
        pan = tilt = 0.0
        swing = math.sin(2 * math.pi * max(since, 0.0) / 1.6)  # back and forth every 1.6 s
        if self._challenge is Challenge.MOVE_CLOSER and since >= 0:
            self.scale = self._start_scale * (1 + 0.4 * min(since / 1.0, 1.0))
        elif self._challenge is Challenge.TURN_LEFT and since >= 0:
            pan = 40 * abs(swing)
        elif self._challenge is Challenge.TURN_RIGHT and since >= 0:
            pan = -40 * abs(swing)
        elif self._challenge is Challenge.BLINK and since >= 0:
            tilt = 55 * abs(swing)
        image, box = self.scene.variant("eyes", 0)
        matrix = np.vstack([self.shake.matrix(t, self.scene.centre, self.scale), (0, 0, 1)])
        if pan or tilt:
            matrix = self._rotated(pan, tilt) @ matrix
        return shoot(image, box, matrix, self.rng)

    def _rotated(self, pan_deg: float, tilt_deg: float) -> np.ndarray:
        """The homography of the picture's plane turned about its vertical/horizontal axes."""
        cx, cy = self.scene.centre
        half = 150.0
        square = np.float32([[-half, -half], [half, -half], [half, half], [-half, half]])
        pan, tilt = math.radians(pan_deg), math.radians(tilt_deg)
        projected = []
        for x, y in square:
            x3, z = x * math.cos(pan), x * math.sin(pan)
            y3, z = y * math.cos(tilt), z + y * math.sin(tilt)
            scale = self.focal / (self.focal + z)
            projected.append((cx + x3 * scale, cy + y3 * scale))
        return cv2.getPerspectiveTransform(square + np.float32([cx, cy]), np.float32(projected))


# -- running an attempt ------------------------------------------------------------------------


Observer = Callable[[float, np.ndarray | None], None]


def run(
    check: LivenessCheck,
    actor: Actor,
    mesh: FaceMesh,
    *,
    limit_s: float = 40.0,
    record: list[tuple[float, np.ndarray | None]] | None = None,
) -> LivenessState:
    """Feed ``actor``'s frames to ``check`` until it decides; optionally keep the landmarks."""
    t, state = 0.0, check.state
    while t < limit_s:
        shot = actor.shot(t, state)
        points = mesh.landmarks(*shot) if shot is not None else None
        if record is not None:
            record.append((t, points))
        state = check.update(t, points)
        if state.passed or state.failed:
            return state
        t = round(t + 1 / FPS, 6)
    raise AssertionError("the check never decided")


def replay(
    check: LivenessCheck, recording: list[tuple[float, np.ndarray | None]], lead_s: float = 0.0
) -> LivenessState:
    """Feed a recorded session's landmarks again (``lead_s``: the replay starts that late)."""
    state = check.state
    for t, points in recording:
        state = check.update(t + lead_s, points)
        if state.passed or state.failed:
            return state
    last = recording[-1][0] + lead_s
    while not (state.passed or state.failed):  # the video ended: nobody is there any more
        last += 1 / FPS
        state = check.update(last, None)
    return state


def draw_seed(rng: np.random.Generator) -> random.Random:
    return random.Random(int(rng.integers(1 << 31)))


# -- landmark-level helpers (used by tests/kiosk/face/test_check.py) ---------------------------

LID_PAIRS = ((160, 144), (158, 153), (385, 380), (387, 373))  # (upper, lower) lid points


def jitter(points: np.ndarray, rng: np.random.Generator, pixels: float = 0.6) -> np.ndarray:
    moved = points.copy()
    moved[:, :2] += rng.normal(0, pixels, (points.shape[0], 2)) + rng.normal(0, pixels, 2)
    return moved


def blink(points: np.ndarray, closed: float) -> np.ndarray:
    """``closed`` 0 (open) .. 1 (shut): the upper lid points move down onto the lower ones."""
    moved = points.copy()
    for upper, lower in LID_PAIRS:
        moved[upper, :2] = points[upper, :2] + closed * 0.85 * (
            points[lower, :2] - points[upper, :2]
        )
    return moved


def turn(points: np.ndarray, degrees: float) -> np.ndarray:
    """The 3-D mesh rotated about the vertical axis: + is the person's left."""
    theta = math.radians(degrees)
    centre = points.mean(axis=0)
    moved = points.copy()
    x, z = points[:, 0] - centre[0], points[:, 2] - centre[2]
    moved[:, 0] = centre[0] + x * math.cos(theta) - z * math.sin(theta)
    moved[:, 2] = centre[2] + x * math.sin(theta) + z * math.cos(theta)
    return moved


def grow(points: np.ndarray, factor: float) -> np.ndarray:
    centre = points[:, :2].mean(axis=0)
    moved = points.copy()
    moved[:, :2] = centre + (points[:, :2] - centre) * factor
    moved[:, 2] *= factor
    return moved


def action(points: np.ndarray, challenge: Challenge, seconds: float = 1.2) -> list[np.ndarray]:
    """The landmarks of one genuine action, starting and ending at rest."""
    frames = []
    count = int(seconds * FPS)
    for i in range(count):
        phase = i / (count - 1)
        if challenge is Challenge.BLINK:
            frames.append(blink(points, min(max(0.0, 1 - abs(phase - 0.5) / 0.12), 1.0)))
        elif challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT):
            sign = 1 if challenge is Challenge.TURN_LEFT else -1
            frames.append(turn(points, sign * 28 * math.sin(math.pi * phase)))
        else:
            frames.append(grow(points, 1 + 0.35 * min(phase * 1.5, 1.0)))
    return frames


def genuine(
    points: np.ndarray, challenges: list[Challenge], rng: np.random.Generator, rest_s: float = 1.0
) -> list[tuple[float, np.ndarray]]:
    """(time, landmarks) of a person doing ``challenges`` in order at fixed times (not reactive).

    For tests that script the landmarks around a whole face check; the liveness tests use the
    image-level, reactive :class:`Person` instead.
    """
    frames: list[np.ndarray] = [points] * int(rest_s * FPS)
    scale = 1.0
    for challenge in challenges:
        frames += action(grow(points, scale), challenge)
        if challenge is Challenge.MOVE_CLOSER:
            scale *= 1.35
        frames += [grow(points, scale)] * int(0.6 * FPS)
    return [(i / FPS, jitter(frame, rng)) for i, frame in enumerate(frames)]


def printed_photo(image: np.ndarray, rng: np.random.Generator, seconds: float) -> list[np.ndarray]:
    """A photo held up to the camera (not reactive): it shakes, tilts and wobbles."""
    h, w = image.shape[:2]
    frames = []
    for i in range(int(seconds * FPS)):
        angle = 2.5 * math.sin(i / 5) + rng.normal(0, 0.4)
        scale = 1 + 0.03 * math.sin(i / 7) + rng.normal(0, 0.005)
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        matrix[:, 2] += rng.normal(0, 3, 2)
        frames.append(cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE))
    return frames

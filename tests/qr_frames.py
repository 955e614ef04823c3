"""Synthetic 640x480 camera frames of a CCCD held under the camera, its QR code degraded.

Used by the QR unit tests and by ``benchmarks/qr_decode.py``.  A card (85.6 x 54 mm)
is drawn with its QR code in the top-right corner as on the CCCD's front, then put in
the frame in perspective (tilted), small (held far away), blurred (out of focus or
moving), under a glare spot, or partly covered by a finger, with sensor noise and JPEG
compression as a webcam gives.  Everything is made from a seed: the same set every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

FRAME = (640, 480)
CARD_MM = (85.6, 54.0)
PX_PER_MM = 10
# A made-up citizen, in the CCCD's QR layout (no real person's data).
CARD_QR = (
    "001185012345|185012345|Trần Thị Ngọc Ánh|14031985|Nữ|"
    "Số 12 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội|10052023||"
)


@dataclass(frozen=True)
class Condition:
    """How one frame is made; the defaults are a clear card filling half the frame."""

    name: str
    card_width_px: float = 540.0  # the card's width in the frame (a card held close)
    yaw_deg: float = 0.0  # tilt about the card's vertical axis
    pitch_deg: float = 0.0  # tilt about its horizontal axis
    roll_deg: float = 3.0  # turned in the plane
    blur_sigma: float = 0.0
    glare: float = 0.0  # 0..1, a bright spot over the QR code
    occlusion: float = 0.0  # fraction of the QR code's width covered by a finger
    seed: int = 0


def card_image(text: str = CARD_QR) -> np.ndarray:
    """The card's front at 10 px/mm: tinted background, text lines, photo, QR top-right."""
    width, height = (round(v * PX_PER_MM) for v in CARD_MM)
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:height, 0:width]
    card = np.zeros((height, width, 3), np.float32)
    card[..., 0] = 215 + 25 * x / width  # pale blue-green guilloche tint (BGR)
    card[..., 1] = 225 - 10 * y / height
    card[..., 2] = 200 + 20 * np.sin(x / 23.0) * np.sin(y / 17.0)
    card = np.clip(card + rng.normal(0, 3, card.shape), 0, 255).astype(np.uint8)
    cv2.rectangle(card, (40, 150), (230, 420), (170, 160, 150), -1)  # the photo
    for row in range(8):  # the printed fields, as dark bars
        top = 150 + row * 42
        cv2.rectangle(card, (270, top), (270 + 260 + (row * 53) % 200, top + 14), (60, 50, 40), -1)
    params = cv2.QRCodeEncoder_Params()
    params.correction_level = cv2.QRCodeEncoder_CORRECT_LEVEL_M
    code = cv2.QRCodeEncoder.create(params).encode(text)  # with its 4-module quiet zone
    side = 200  # about 2 cm, as printed on the card
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_AREA)
    top, left = 30, width - side - 30
    card[top : top + side, left : left + side] = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
    return card


def qr_box() -> tuple[int, int, int]:
    """Where ``card_image`` put the QR code: top, left, side (card pixels)."""
    width = round(CARD_MM[0] * PX_PER_MM)
    return 30, width - 230, 200


def _corners(condition: Condition, shape: tuple[int, int]) -> np.ndarray:
    """The card's corners in the frame: a pinhole camera looking at the tilted card."""
    height, width = shape
    yaw, pitch, roll = (
        math.radians(a) for a in (condition.yaw_deg, condition.pitch_deg, condition.roll_deg)
    )
    pts = np.array(
        [
            [-width / 2, -height / 2, 0],
            [width / 2, -height / 2, 0],
            [width / 2, height / 2, 0],
            [-width / 2, height / 2, 0],
        ],
        np.float64,
    )
    ry = np.array(
        [[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]]
    )
    rx = np.array(
        [[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]]
    )
    rz = np.array(
        [[math.cos(roll), -math.sin(roll), 0], [math.sin(roll), math.cos(roll), 0], [0, 0, 1]]
    )
    pts = pts @ (rz @ rx @ ry).T
    focal = 700.0
    distance = focal * width / condition.card_width_px
    projected = pts[:, :2] * focal / (pts[:, 2:3] + distance)
    rng = np.random.default_rng(condition.seed)
    centre = np.array(FRAME, np.float64) / 2 + rng.uniform(-40, 40, 2)
    return (projected + centre).astype(np.float32)


def frame(condition: Condition, card: np.ndarray | None = None) -> np.ndarray:
    """One 640x480 BGR frame of the card under ``condition``."""
    card = card_image() if card is None else card.copy()
    rng = np.random.default_rng(condition.seed)
    top, left, side = qr_box()
    if condition.occlusion > 0:  # a fingertip coming in over the code's right side
        rx, ry = side // 6, side // 4
        tip = (left + side - int(side * condition.occlusion) + rx, top + side * 3 // 5)
        skin = (120, 150, 205)
        cv2.ellipse(card, tip, (rx, ry), 0, 0, 360, skin, -1)
        cv2.rectangle(card, (tip[0], tip[1] - ry), (card.shape[1], tip[1] + ry), skin, -1)
    height, width = card.shape[:2]
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, _corners(condition, (height, width)))
    background = np.full((FRAME[1], FRAME[0], 3), (95, 100, 105), np.uint8)  # the desk
    background = cv2.add(background, rng.integers(0, 12, background.shape, dtype=np.uint8))
    out = cv2.warpPerspective(
        card,
        matrix,
        FRAME,
        dst=background,
        borderMode=cv2.BORDER_TRANSPARENT,
        flags=cv2.INTER_AREA,
    )
    out = out.astype(np.float32)
    if condition.glare > 0:  # a lamp's reflection on the laminate, over the code
        qr_centre = cv2.perspectiveTransform(
            np.array([[[left + side * 0.6, top + side * 0.45]]], np.float32), matrix
        )[0, 0]
        y, x = np.mgrid[0 : FRAME[1], 0 : FRAME[0]]
        radius = condition.card_width_px * 0.09
        spot = np.exp(-((x - qr_centre[0]) ** 2 + (y - qr_centre[1]) ** 2) / (2 * radius**2))
        out += (condition.glare * 255 * spot)[..., None]
    if condition.blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), condition.blur_sigma)
    out += rng.normal(0, 4, out.shape)  # sensor noise
    image = np.clip(out, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])  # the webcam's
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def conditions(seeds: int = 3) -> list[Condition]:
    """The benchmark's set: six kinds of degradation at three levels, ``seeds`` each."""
    kinds: list[tuple[str, dict[str, float], tuple[float, float, float]]] = [
        ("clear", {"card_width_px": 1}, (600.0, 540.0, 480.0)),
        ("small", {"card_width_px": 1}, (420.0, 370.0, 330.0)),
        ("blur", {"blur_sigma": 1}, (0.6, 0.9, 1.2)),
        ("tilt", {"yaw_deg": 1, "pitch_deg": 0.6}, (25.0, 40.0, 50.0)),
        ("glare", {"glare": 1}, (0.5, 0.8, 1.1)),
        ("occlusion", {"occlusion": 1}, (0.15, 0.25, 0.35)),
    ]
    out = []
    for name, scales, levels in kinds:
        for level_index, level in enumerate(levels):
            for seed in range(seeds):
                values = {key: factor * level for key, factor in scales.items()}
                out.append(
                    Condition(f"{name}-{level_index + 1}", seed=seed * 31 + level_index, **values)
                )
    return out

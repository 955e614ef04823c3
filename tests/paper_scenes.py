"""Synthetic camera frames of a paper for the tests and the demo's recorded frames.

A printed page (heading, lines of text, a blue signature, a red round stamp) in
perspective on a wooden table with a pen, a sticky note and a coin, lit
unevenly, with sensor noise; optionally a thumb on its edge, an arm's shadow
or motion blur.  The page's true corners are known (:func:`demo_page_corners`),
so the page finder's tests can measure how close it gets.

``python -m tests.paper_scenes --write-demo`` renders the few frames the demo's
simulated camera plays when the operator shows it a paper
(``assets/demo/paper/``, read by :func:`devices.camera.simulator.demo_paper_sequence`):
product code never imports this module.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import cv2
import numpy as np

from devices.camera.simulator import DEMO_PAPER
from kiosk.scan.pages import A4_RATIO

_INK = (28, 28, 28)
_STAMP_RED = (45, 40, 200)


def _printed_page(seed: int, aspect: float = A4_RATIO, height: int = 1188) -> np.ndarray:
    """A white page with a heading, lines of text, a signature and a red round stamp."""
    rng = np.random.default_rng(seed)
    width = round(height / aspect)
    page = np.full((height, width, 3), (244, 246, 247), np.uint8)
    s = width / 840  # sizes below are for an 840-px-wide A4 page
    font = cv2.FONT_HERSHEY_SIMPLEX

    def text(line: str, x: float, y: float, size: float, thick: int) -> None:
        cv2.putText(page, line, (round(x * s), round(y)), font, size * s, _INK, thick, cv2.LINE_AA)

    text("CONG HOA XA HOI CHU NGHIA VIET NAM", 110, 80, 0.95, 2)
    text("Doc lap - Tu do - Hanh phuc", 250, 122, 0.8, 2)
    text("GIAY XAC NHAN", 270, 215, 1.3, 3)
    y = 300.0
    while y < height - 330:
        x = 80.0
        end = 760 if rng.random() > 0.15 else float(rng.uniform(300, 700))
        while True:
            word = "".join(rng.choice(list("acdeghiklmnopqrstuvxy"), int(rng.integers(2, 8))))
            advance = (len(word) + 1) * 16.5
            if x + advance > end:
                break
            text(word, x, y, 0.75, 2)
            x += advance
        y += 46
    # Signature: a blue scribble.
    base_x, base_y = 120 * s, height - 190
    points = [
        (base_x + k * 9 * s, base_y + 18 * math.sin(k * 0.9) + 6 * math.sin(k * 2.3))
        for k in range(24)
    ]
    cv2.polylines(
        page, [np.array(points, np.int32)], False, (150, 60, 30), max(2, round(3 * s)), cv2.LINE_AA
    )
    # The stamp: two rings, a star and the office's name, in red.
    centre = (round(width - 220 * s), round(height - 200))
    cv2.circle(page, centre, round(100 * s), _STAMP_RED, max(2, round(6 * s)), cv2.LINE_AA)
    cv2.circle(page, centre, round(74 * s), _STAMP_RED, max(1, round(3 * s)), cv2.LINE_AA)
    star = [
        (
            centre[0] + (22 if k % 2 == 0 else 9) * s * math.sin(k * math.pi / 5),
            centre[1] - 30 * s - (22 if k % 2 == 0 else 9) * s * math.cos(k * math.pi / 5),
        )
        for k in range(10)
    ]
    cv2.fillPoly(page, [np.array(star, np.int32)], _STAMP_RED, cv2.LINE_AA)
    cv2.putText(
        page,
        "UBND",
        (centre[0] - round(52 * s), centre[1] + round(22 * s)),
        font,
        1.1 * s,
        _STAMP_RED,
        max(2, round(3 * s)),
        cv2.LINE_AA,
    )
    return page


def _smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], size: tuple[int, int]
) -> np.ndarray:
    """Random values on a coarse ``shape`` grid, smoothly interpolated to ``size`` (w, h)."""
    coarse = rng.normal(0, 1, shape).astype(np.float32)
    return cv2.resize(coarse, size, interpolation=cv2.INTER_CUBIC)


def _wooden_table(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Planks with wavy grain, streaks and knots: a busy background, as float32 BGR."""
    width, height = size
    ys = np.arange(height, dtype=np.float32)[:, None]
    warp = _smooth_noise(rng, (5, 9), size) * 18 + _smooth_noise(rng, (24, 40), size) * 3
    v = ys + warp
    plank_height = height / rng.uniform(2.2, 3.2)
    plank = np.floor(v / plank_height)
    tones = rng.uniform(-0.16, 0.16, 64).astype(np.float32)
    tone = tones[plank.astype(np.int64) % 64]
    period = rng.uniform(5.0, 9.0)
    grain = np.sin(2 * np.pi * v / period + plank * 1.7)
    streaks = cv2.resize(
        rng.normal(0, 1, (max(2, height // 3), max(2, width // 90))).astype(np.float32),
        size,
        interpolation=cv2.INTER_LINEAR,
    )
    lum = 1.0 + tone + 0.07 * grain + 0.07 * streaks
    seam = np.mod(v, plank_height) < 2.5
    lum[seam] *= 0.45
    xs = np.arange(width, dtype=np.float32)[None, :]
    for _ in range(3):
        kx, ky = rng.uniform(0, width), rng.uniform(0, height)
        rx, ry = rng.uniform(14, 30), rng.uniform(6, 12)
        knot = np.exp(-(((xs - kx) / rx) ** 2 + ((ys - ky) / ry) ** 2))
        lum *= 1 - 0.45 * knot
    base = np.array([40, 84, 136], np.float32) * rng.uniform(0.85, 1.15)
    return lum[:, :, None] * base


def _add_clutter(table: np.ndarray, rng: np.random.Generator, keep_clear: np.ndarray) -> None:
    """A pen, a yellow sticky note and a coin, away from where the page will lie."""
    height, width = table.shape[:2]
    (x0, y0), (x1, y1) = keep_clear.min(axis=0) - 40, keep_clear.max(axis=0) + 40

    def place(half: float) -> tuple[float, float] | None:
        for _ in range(30):
            x, y = rng.uniform(half, width - half), rng.uniform(half, height - half)
            if x + half < x0 or x - half > x1 or y + half < y0 or y - half > y1:
                return x, y
        return None

    spot = place(110)
    if spot:
        angle = rng.uniform(0, 180)
        box = cv2.boxPoints(((spot[0], spot[1]), (190, 11), angle)).astype(np.int32)
        cv2.fillConvexPoly(table, box, (110, 45, 25), cv2.LINE_AA)
        tip = cv2.boxPoints(((spot[0], spot[1]), (190, 3), angle)).astype(np.int32)
        cv2.polylines(table, [tip], True, (190, 160, 150), 1, cv2.LINE_AA)
    spot = place(60)
    if spot:
        box = cv2.boxPoints(((spot[0], spot[1]), (95, 95), rng.uniform(-20, 20)))
        cv2.fillConvexPoly(table, box.astype(np.int32), (90, 215, 240), cv2.LINE_AA)
    spot = place(30)
    if spot:
        centre = (round(spot[0]), round(spot[1]))
        cv2.circle(table, centre, 22, (150, 160, 165), -1, cv2.LINE_AA)
        cv2.circle(table, centre, 17, (120, 130, 135), 2, cv2.LINE_AA)


def _draw_hand(frame: np.ndarray, corners: np.ndarray) -> None:
    """A thumb over the middle of the page's bottom edge, the hand beyond it."""
    bl, br = corners[3], corners[2]
    along = br - bl
    edge_length = float(np.linalg.norm(along))
    u = along / edge_length
    outward = np.array([u[1], -u[0]])
    if outward @ (bl - corners[0]) < 0:
        outward = -outward
    angle = math.degrees(math.atan2(outward[1], outward[0]))
    point = bl + 0.4 * along
    skin = np.zeros(frame.shape[:2], np.uint8)
    thumb_centre = point - outward * 0.06 * edge_length
    axes = (round(0.16 * edge_length), round(0.07 * edge_length))
    cv2.ellipse(skin, (thumb_centre.round().astype(int)), axes, angle, 0, 360, 255, -1)
    palm_centre = point + outward * 0.35 * edge_length
    palm_axes = (round(0.32 * edge_length), round(0.3 * edge_length))
    cv2.ellipse(skin, palm_centre.round().astype(int), palm_axes, angle, 0, 360, 255, -1)
    alpha = cv2.GaussianBlur(skin, (5, 5), 0).astype(np.float32)[:, :, None] / 255
    shade = cv2.GaussianBlur(skin, (0, 0), 0.04 * edge_length).astype(np.float32) / 255
    colour = np.array([105, 135, 190], np.float32) * (0.75 + 0.3 * shade[:, :, None])
    frame *= 1 - alpha
    frame += alpha * colour


def demo_page_corners(
    size: tuple[int, int] = (1280, 720),
    angle_deg: float = 6.0,
    scale: float = 0.9,
    offset: tuple[float, float] = (0.0, 0.0),
    tilt: float = 0.07,
    aspect: float = A4_RATIO,
) -> np.ndarray:
    """Where :func:`demo_page_scene` puts the page's corners (tl, tr, br, bl), in pixels.

    ``scale``: the page's height as a share of the frame's; ``offset``: its centre's shift
    from the frame's centre as shares of width and height; ``tilt``: how much shorter the
    far (top) edge looks; ``aspect``: the page's height / width.
    """
    width, height = size
    page_h = height * scale
    page_w = page_h / aspect
    corners = np.array(
        [
            [-page_w / 2, -page_h / 2],
            [page_w / 2, -page_h / 2],
            [page_w / 2, page_h / 2],
            [-page_w / 2, page_h / 2],
        ],
    )
    corners[:2, 0] *= 1 - tilt
    theta = math.radians(angle_deg)
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    corners = corners @ rotation.T + (
        width / 2 + offset[0] * width,
        height / 2 + offset[1] * height,
    )
    return corners.astype(np.float32)


def _render(
    table: np.ndarray,
    page: np.ndarray,
    corners: np.ndarray,
    rng: np.random.Generator,
    *,
    light: float,
    shadow: float,
    hand: bool,
    motion_px: int,
    noise: float,
    corner_radius: int,
) -> np.ndarray:
    height, width = table.shape[:2]
    ph, pw = page.shape[:2]
    source = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners)
    warped = cv2.warpPerspective(page, matrix, (width, height), flags=cv2.INTER_AREA)
    outline = np.zeros((ph, pw), np.uint8)
    r = corner_radius
    cv2.rectangle(outline, (r, 0), (pw - r, ph), 255, -1)
    cv2.rectangle(outline, (0, r), (pw, ph - r), 255, -1)
    for cx, cy in ((r, r), (pw - r, r), (pw - r, ph - r), (r, ph - r)):
        cv2.circle(outline, (cx, cy), r, 255, -1, cv2.LINE_AA)
    alpha = cv2.warpPerspective(outline, matrix, (width, height), flags=cv2.INTER_LINEAR)
    alpha = alpha.astype(np.float32)[:, :, None] / 255
    # The page's soft shadow on the table (light from the top-left).
    drop = cv2.warpAffine(alpha, np.float32([[1, 0, 7], [0, 1, 9]]), (width, height))
    drop = cv2.GaussianBlur(drop, (0, 0), 7)[:, :, None]
    frame = table * (1 - 0.45 * drop)
    frame = frame * (1 - alpha) + warped.astype(np.float32) * alpha
    if hand:
        _draw_hand(frame, corners)
    # Light: brighter at the top-left, a little vignetting; optionally an arm's shadow
    # across the page (a soft-edged band).
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    illumination = 1.06 - 0.18 * (0.7 * xs + 0.3 * ys)
    illumination = illumination - 0.12 * ((xs - 0.5) ** 2 + (ys - 0.5) ** 2)
    if shadow > 0:
        centre = corners.mean(axis=0)
        px, py = (
            np.arange(width, dtype=np.float32)[None, :],
            np.arange(height, dtype=np.float32)[:, None],
        )
        side = ((px - centre[0]) * 0.8 + (py - centre[1]) * 0.6) / (0.05 * height)
        illumination = illumination * (1 - shadow / (1 + np.exp(-side)))
    frame = frame * (illumination * light)[:, :, None]
    if motion_px > 1:
        kernel = np.zeros((motion_px, motion_px), np.float32)
        kernel[motion_px // 2, :] = 1 / motion_px
        rotation = cv2.getRotationMatrix2D((motion_px / 2 - 0.5, motion_px / 2 - 0.5), 30, 1)
        kernel = cv2.warpAffine(kernel, rotation, (motion_px, motion_px))
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
    frame = frame + rng.normal(0, noise, frame.shape).astype(np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8)


def demo_page_scene(
    size: tuple[int, int] = (1280, 720),
    angle_deg: float = 6.0,
    seed: int = 7,
    *,
    scale: float = 0.9,
    offset: tuple[float, float] = (0.0, 0.0),
    tilt: float = 0.07,
    aspect: float = A4_RATIO,
    light: float = 1.0,
    shadow: float = 0.0,
    hand: bool = False,
    motion_px: int = 0,
    noise: float = 3.0,
    clutter: bool = True,
    corner_radius: int = 10,
) -> np.ndarray:
    """A synthetic camera frame: a printed page with a red stamp, in perspective, on a
    wooden table with a pen, a sticky note and a coin, lit unevenly, with sensor noise.

    The page's true corners are :func:`demo_page_corners` with the same geometry
    arguments.  ``light`` scales the exposure, ``shadow`` (0–1) darkens one side of the
    page as an arm would, ``hand`` puts a thumb on its bottom edge, ``motion_px`` blurs as
    a moving hand does (before the noise, as in a camera), ``corner_radius`` rounds the
    page's corners (page pixels, on a 1188-px-high page).
    """
    rng = np.random.default_rng(seed)
    corners = demo_page_corners(size, angle_deg, scale, offset, tilt, aspect)
    table = _wooden_table(size, rng)
    if clutter:
        _add_clutter(table, rng, corners)
    return _render(
        table,
        _printed_page(seed, aspect),
        corners,
        rng,
        light=light,
        shadow=shadow,
        hand=hand,
        motion_px=motion_px,
        noise=noise,
        corner_radius=corner_radius,
    )


def page_sequence(
    size: tuple[int, int] = (1280, 720), frames: int = 40, seed: int = 7
) -> list[np.ndarray]:
    """The page comes in from the right, turns and settles, then is held still.

    The first third of the frames move (the page enters cut by the frame's edge, then
    slides and turns into place with a little shake); the rest hold it still, with the
    sub-pixel tremor of a real hand.  For the simulated camera, the demo and the tests.
    """
    rng = np.random.default_rng(seed)
    moving = max(1, frames // 3)
    final = {"angle_deg": 6.0, "scale": 0.85, "offset": (0.0, 0.0)}
    table = _wooden_table(size, rng)
    _add_clutter(table, rng, demo_page_corners(size, **final))  # type: ignore[arg-type]
    page = _printed_page(seed)
    sequence = []
    for i in range(frames):
        left = max(0.0, (moving - i) / moving)  # 1 when entering … 0 once settled
        ease = left * left * (3 - 2 * left)
        corners = demo_page_corners(
            size,
            angle_deg=6.0 + 22 * ease,
            scale=0.85 - 0.1 * ease,
            offset=(0.5 * ease, 0.015 * math.sin(7 * left)),
        )
        if i >= moving:
            corners = corners + rng.normal(0, 0.3, (1, 2)).astype(np.float32)
        sequence.append(
            _render(
                table,
                page,
                corners,
                rng,
                light=1.0,
                shadow=0.0,
                hand=False,
                motion_px=9 if 0 < left < 1 else 0,
                noise=3.0,
                corner_radius=10,
            )
        )
    return sequence


# The demo's recorded frames ------------------------------------------------------------

DEMO_SIZE = (960, 540)  # the page's text still reads; five frames stay near 200 KB
DEMO_FRAMES = (0, 3, 6, 9, 12)  # of a 30-frame sequence: enters, turns, settles, held still
DEMO_QUALITY = 75


def write_demo(directory: Path = DEMO_PAPER) -> list[Path]:
    """Render the demo's paper frames as JPEGs ``01.jpg``… in ``directory`` (replacing any)."""
    frames = page_sequence(DEMO_SIZE, frames=30)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.jpg"):
        old.unlink()
    paths = []
    for number, index in enumerate(DEMO_FRAMES, 1):
        ok, data = cv2.imencode(
            ".jpg",
            frames[index],
            [cv2.IMWRITE_JPEG_QUALITY, DEMO_QUALITY, cv2.IMWRITE_JPEG_OPTIMIZE, 1],
        )
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        path = directory / f"{number:02d}.jpg"
        path.write_bytes(data.tobytes())
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.paper_scenes", description=__doc__)
    parser.add_argument(
        "--write-demo",
        action="store_true",
        help=f"render the demo camera's paper frames into {DEMO_PAPER}",
    )
    args = parser.parse_args(argv)
    if not args.write_demo:
        parser.print_help()
        return 2
    paths = write_demo()
    for path in paths:
        print(f"{path}  {path.stat().st_size // 1000} KB")
    print(f"total {sum(p.stat().st_size for p in paths) // 1000} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

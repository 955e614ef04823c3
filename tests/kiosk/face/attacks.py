"""Synthetic presentations for the passive check: live captures, printed photos, screens.

Everything here is *rendered*: no printer, screen or camera took part.  Each function
takes a face photo (BGR) and its detector box and returns a 320×240 "camera frame" (a
quarter of a kiosk frame, to keep the tests fast) with the face 40–55 % of its width,
the 130–175 px a face has in a 640×480 kiosk frame:

- :func:`live`: the photo as the person in front of the camera: placed in the frame
  (enlarged photos smoothed as a lens would, so that resampling leaves no pixel
  pattern), then the camera model: optics blur σ 0.5–1.0 px,
  signal-dependent sensor noise σ 1.5–3.5, and half the time an MJPEG camera's JPEG
  (quality 75–95).
- :func:`printed`: the photo printed with a CMYK halftone (four rotated dot screens,
  15°/75°/0°/45°, cell 3.5–7 render pixels, ink on slightly warm paper), held up to the
  camera (face 30–40 % of the frame, a few degrees of perspective, a light gradient),
  re-photographed by the same camera model.  The render is 2–4 times finer than the
  camera, so the dot screen reaches the camera as a pattern near or above its Nyquist
  frequency: sometimes visible, sometimes aliased into moiré, sometimes averaged away.
- :func:`screen`: the photo shown on a phone or monitor: each screen pixel three
  vertical R, G, B sub-pixel stripes with dark gaps (fill 60–85 %), gamma, a bluish
  white point and the camera's exposure making up for the dark gaps, then held up and
  re-photographed as above, the screen's pixel pitch 0.6–2.5 camera pixels (finer than
  the camera resolves, up to a visible grid).

The ranges are the team's guesses at a kiosk camera 40–60 cm from an A5 print or a
phone; real attacks were not available, so results on these renders say how the
measure behaves on these patterns, not how often real attacks pass.
"""

from __future__ import annotations

import cv2
import numpy as np

from tests.face_images import camera_frame

FRAME = (320, 240)
FACE_WIDTH = (0.40, 0.55)


def place(photo: np.ndarray, box: tuple, face_width: float, size: tuple[int, int]) -> np.ndarray:
    """The photo framed so that the face in ``box`` is ``face_width`` of ``size``'s width.

    Enlarging interpolates with weights that repeat at the scale's period, which would
    print a faint pixel pattern on the face; a lens sees none, so an enlarged photo is
    smoothed by half a source pixel afterwards.
    """
    scale = face_width * size[0] / box[2]
    frame = camera_frame(photo, box, face_width=face_width, size=size)
    if scale > 1:
        frame = cv2.GaussianBlur(frame, (0, 0), 0.5 * scale)
    return frame


def _camera(image: np.ndarray, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Exposure, optics blur, sensor noise and (half the time) an MJPEG camera's JPEG."""
    out = cv2.GaussianBlur(image.astype(np.float32) * gain, (0, 0), rng.uniform(0.5, 1.0))
    sigma = rng.uniform(1.5, 3.5)
    out = out + rng.normal(0, 1, out.shape).astype(np.float32) * sigma * np.sqrt(
        0.4 + np.clip(out, 0, 255) / 255
    )
    out = np.clip(np.round(out), 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        quality = int(rng.integers(75, 96))
        out = cv2.imdecode(cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], 1)
    return out


def live(photo: np.ndarray, box: tuple, rng: np.random.Generator) -> np.ndarray:
    return _camera(place(photo, box, rng.uniform(*FACE_WIDTH), FRAME), rng)


def _held_up(render: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``render`` (the frame at a finer resolution) tilted a little in depth, lit unevenly
    and brought to camera resolution by area averaging (the sensor's pixels)."""
    height, width = render.shape[:2]
    jitter = rng.uniform(-0.04, 0.04, (4, 2)) * [width, height]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    warp = cv2.getPerspectiveTransform(corners, (corners + jitter).astype(np.float32))
    tilted = cv2.warpPerspective(
        render, warp, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    gradient = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(1.0, 1.15), width, dtype=np.float32)
    lit = tilted.astype(np.float32) * gradient[None, :, None]
    return cv2.resize(lit, FRAME, interpolation=cv2.INTER_AREA)


def _framed_render(
    photo: np.ndarray, box: tuple, scale: float, rng: np.random.Generator
) -> np.ndarray:
    """The photo framed as a live face would be, at ``scale`` times the camera resolution."""
    size = (int(FRAME[0] * scale), int(FRAME[1] * scale))
    return place(photo, box, rng.uniform(*FACE_WIDTH), size)


def _halftone(render: np.ndarray, cell: float, rng: np.random.Generator) -> np.ndarray:
    """CMYK halftone of a BGR image: each ink a rotated grid of round dots."""
    image = render.astype(np.float32) / 255
    b, g, r = image[:, :, 0], image[:, :, 1], image[:, :, 2]
    k = 1 - np.maximum(np.maximum(r, g), b)
    denominator = np.maximum(1 - k, 1e-3)
    cyan, magenta, yellow = (
        (1 - r - k) / denominator,
        (1 - g - k) / denominator,
        (1 - b - k) / denominator,
    )
    height, width = k.shape
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    paper = np.array([236, 242, 246], np.float32) * rng.uniform(0.92, 1.0)  # BGR, warm
    inks = {  # BGR colour each ink leaves on paper, and its screen angle
        "c": (np.array([230, 170, 20], np.float32), 15, cyan),
        "m": (np.array([140, 30, 220], np.float32), 75, magenta),
        "y": (np.array([20, 225, 245], np.float32), 0, yellow),
        "k": (np.array([25, 25, 25], np.float32), 45, k),
    }
    out = np.ones((height, width, 3), np.float32)
    for colour, angle, coverage in inks.values():
        theta = np.deg2rad(angle + rng.uniform(-2, 2))
        u = (xx * np.cos(theta) + yy * np.sin(theta)) / cell
        v = (-xx * np.sin(theta) + yy * np.cos(theta)) / cell
        distance = np.hypot(u - np.round(u), v - np.round(v))  # 0 at a dot centre
        radius = np.sqrt(np.clip(coverage, 0, 1) / np.pi)  # dot area = coverage
        dot = np.clip((radius - distance) * cell + 0.5, 0, 1)  # antialiased edge
        out *= 1 - dot[:, :, None] * (1 - colour / paper)[None, None, :]
    return np.clip(out * paper, 0, 255).astype(np.uint8)


def printed(photo: np.ndarray, box: tuple, rng: np.random.Generator) -> np.ndarray:
    scale = rng.uniform(2.0, 4.0)
    render = _framed_render(photo, box, scale, rng)
    paper = _halftone(render, rng.uniform(3.5, 7.0), rng)
    return _camera(_held_up(paper, rng), rng)


def screen(photo: np.ndarray, box: tuple, rng: np.random.Generator) -> np.ndarray:
    pitch_camera = rng.uniform(0.6, 2.5)  # camera pixels per screen pixel
    sub = 6  # render pixels per screen pixel (two per sub-pixel stripe)
    pixels = _framed_render(photo, box, 1 / pitch_camera, rng)  # one value per screen pixel
    shown = 255 * (pixels.astype(np.float32) / 255) ** rng.uniform(0.8, 1.0)
    shown *= np.array([1.08, 1.0, 0.92], np.float32)  # a bluish white point (BGR)
    render = np.repeat(np.repeat(shown, sub, axis=0), sub, axis=1)
    cell = np.zeros((sub, sub, 3), np.float32)
    fill = rng.uniform(0.6, 0.85)
    lit_rows = max(1, round(sub * fill))
    for channel, column in ((2, 0), (1, 2), (0, 4)):  # R, G, B stripes (BGR indices)
        cell[:lit_rows, column : column + 2, channel] = 1.0
    tiles = np.tile(cell, (render.shape[0] // sub, render.shape[1] // sub, 1))
    glowing = render * tiles
    # The sub-pixels light a third of the area each, the rows ``fill``: the camera's
    # exposure makes up for it, as it does for a real screen.
    gain = 3.0 / fill * rng.uniform(0.85, 1.0)
    return _camera(_held_up(glowing, rng), rng, gain)


KINDS = {"live": live, "print": printed, "screen": screen}
"""Presentation kinds by name: bona fide, and two presentation-attack instrument species."""

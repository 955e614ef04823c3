"""Photographing a paper that is still needed: find the page, straighten it, size-cap it (no Qt).

The citizen holds the paper in front of the kiosk's camera.  Each frame is
searched for the page (the largest bright quadrilateral, else the largest
quadrilateral of edges); the citizen gets one short instruction ("bring it
closer", "the whole page, please", "hold still", "more light").  When the
page has stayed put for a few frames (:class:`PageTracker`), the kiosk takes
the picture by itself, as banking apps do, straightens it to the page's
shape (A4 when it is close to A4) and encodes it as a JPEG under a size cap
(:func:`encode_attachment`).  The citizen sees the result and keeps it or
takes it again.  Nothing is written to disk: the photo goes into the sealed
dossier.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

A4_RATIO = math.sqrt(2)  # 297 / 210
MIN_AREA = 0.25  # of the frame: smaller than this and the text is unreadable
EDGE_MARGIN = 0.01  # a corner this close to the frame's edge: the page is cut
MIN_BRIGHTNESS = 60
MIN_SHARPNESS = 40.0  # variance of the Laplacian on the page
DEFAULT_MAX_BYTES = 500_000

GUIDANCE = (
    "capture.guide.no_page",
    "capture.guide.move_closer",
    "capture.guide.whole_page",
    "capture.guide.hold_still",
    "capture.guide.more_light",
    "capture.guide.good",
)


@dataclass(frozen=True)
class PageDetection:
    corners: np.ndarray | None  # 4×2 float32: top-left, top-right, bottom-right, bottom-left
    guidance_key: str
    area: float = 0.0  # share of the frame
    sharpness: float = 0.0

    @property
    def good(self) -> bool:
        return self.guidance_key == "capture.guide.good"


def order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    pts = points.reshape(4, 2).astype(np.float32)
    total = pts.sum(axis=1)
    diff = np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(total)], pts[np.argmin(diff)], pts[np.argmax(total)], pts[np.argmax(diff)]],
        dtype=np.float32,
    )


def _quads(mask: np.ndarray, min_area: float) -> list[np.ndarray]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for contour in contours:
        if cv2.contourArea(contour) < min_area:
            continue
        hull = cv2.convexHull(contour)
        perimeter = cv2.arcLength(hull, True)
        for epsilon in (0.02, 0.03, 0.05):
            approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
            if len(approx) == 4:
                found.append(approx.reshape(4, 2).astype(np.float32))
                break
    return found


def find_page(image: np.ndarray) -> PageDetection:
    """The page in one camera frame, and what to tell the citizen."""
    height, width = image.shape[:2]
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    if float(gray.mean()) < MIN_BRIGHTNESS * 0.6:
        return PageDetection(None, "capture.guide.more_light")
    scale = 640 / max(width, height)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    frame_area = small.shape[0] * small.shape[1]
    min_area = 0.04 * frame_area
    # Paper is the brightest large thing in front of the kiosk; edges as a second try.
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    candidates = _quads(bright, min_area)
    if not candidates:
        edges = cv2.dilate(cv2.Canny(small, 40, 120), np.ones((3, 3), np.uint8))
        candidates = _quads(edges, min_area)
    if not candidates:
        return PageDetection(None, "capture.guide.no_page")
    quad = max(candidates, key=lambda q: cv2.contourArea(q))
    corners = order_corners(quad / scale)
    area = float(cv2.contourArea(corners)) / (width * height)
    margin_x, margin_y = EDGE_MARGIN * width, EDGE_MARGIN * height
    touches = bool(
        np.any(corners[:, 0] <= margin_x)
        or np.any(corners[:, 0] >= width - 1 - margin_x)
        or np.any(corners[:, 1] <= margin_y)
        or np.any(corners[:, 1] >= height - 1 - margin_y)
    )
    page_mask = np.zeros(gray.shape, np.uint8)
    cv2.fillConvexPoly(page_mask, corners.astype(np.int32), 255)
    inside = gray[page_mask > 0]
    outside = gray[page_mask == 0]
    brightness = float(inside.mean()) if inside.size else 0.0
    # A page stands out from what is around it; the whole picture is not a page.
    if area > 0.95 or (outside.size and brightness - float(outside.mean()) < 25):
        return PageDetection(None, "capture.guide.no_page")
    sharpness = float(cv2.Laplacian(gray, cv2.CV_64F)[page_mask > 0].var()) if inside.size else 0
    if touches:
        key = "capture.guide.whole_page"
    elif area < MIN_AREA:
        key = "capture.guide.move_closer"
    elif brightness < MIN_BRIGHTNESS + 40:
        key = "capture.guide.more_light"
    elif sharpness < MIN_SHARPNESS:
        key = "capture.guide.hold_still"
    else:
        key = "capture.guide.good"
    return PageDetection(corners, key, area, sharpness)


class PageTracker:
    """Says when the page has been held still long enough to take the picture."""

    def __init__(self, steady_frames: int = 5, tolerance: float = 0.012) -> None:
        self.steady_frames = steady_frames
        self.tolerance = tolerance
        self._last: np.ndarray | None = None
        self._count = 0

    def update(self, image: np.ndarray) -> tuple[PageDetection, bool]:
        """(this frame's detection, whether the page is steady and good now)."""
        detection = find_page(image)
        if not detection.good or detection.corners is None:
            self._last, self._count = None, 0
            return detection, False
        diagonal = math.hypot(image.shape[0], image.shape[1])
        if self._last is not None and (
            float(np.abs(detection.corners - self._last).max()) <= self.tolerance * diagonal
        ):
            self._count += 1
        else:
            self._count = 1
        self._last = detection.corners
        return detection, self._count >= self.steady_frames


def rectify(image: np.ndarray, corners: np.ndarray, long_side_px: int = 1600) -> np.ndarray:
    """The page seen straight on, portrait; A4's shape when it is close to A4."""
    tl, tr, br, bl = corners.astype(np.float32)
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    ratio = max(width, height) / max(min(width, height), 1.0)
    if abs(ratio - A4_RATIO) / A4_RATIO < 0.15:
        ratio = A4_RATIO
    if height >= width:
        out_h, out_w = long_side_px, round(long_side_px / ratio)
        target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]])
    else:  # held sideways: turn it to portrait
        out_h, out_w = long_side_px, round(long_side_px / ratio)
        target = np.array([[out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1], [0, 0]])
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target.astype(np.float32))
    return cv2.warpPerspective(image, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC)


def enhance(page: np.ndarray) -> np.ndarray:
    """Even out the lighting so text reads well; colours stay (stamps are red and matter)."""
    lab = cv2.cvtColor(page, cv2.COLOR_BGR2LAB)
    lightness = lab[:, :, 0]
    background = cv2.medianBlur(cv2.resize(lightness, None, fx=0.125, fy=0.125), 9)
    background = cv2.resize(background, (lightness.shape[1], lightness.shape[0]))
    flat = cv2.divide(lightness, np.maximum(background, 1), scale=235)
    lab[:, :, 0] = flat
    return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)


@dataclass(frozen=True)
class CapturedPage:
    """A photographed paper, ready for the sealed dossier.

    ``bytes`` cannot be overwritten in Python: the session drops its only
    reference when it ends (and the sealed copy is what is kept).
    """

    jpeg: bytes
    width: int
    height: int
    sha256: str


def encode_attachment(page: np.ndarray, max_bytes: int = DEFAULT_MAX_BYTES) -> CapturedPage:
    """JPEG under ``max_bytes``: lower quality first, then smaller, until it fits."""
    image = page
    while True:
        for quality in (85, 75, 65, 55, 45):
            ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and len(data) <= max_bytes:
                raw = data.tobytes()
                return CapturedPage(
                    raw, image.shape[1], image.shape[0], hashlib.sha256(raw).hexdigest()
                )
        if max(image.shape[:2]) < 400:
            raise ValueError(f"the page does not fit in {max_bytes} bytes")
        image = cv2.resize(image, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)


class PaperScanner:
    """Looks at the camera's latest frame on its own thread until the page is taken.

    ``on_progress(detection, frame_size)`` for every frame looked at, then
    ``on_captured(CapturedPage)`` once (both from this thread: the core
    re-posts them).  Frames are never stored.
    """

    def __init__(
        self,
        camera: object,
        on_progress: Callable[[PageDetection, tuple[int, int]], None],
        on_captured: Callable[[CapturedPage], None],
        max_bytes: int = DEFAULT_MAX_BYTES,
        interval_s: float = 0.08,
    ) -> None:
        self.camera = camera
        self.on_progress = on_progress
        self.on_captured = on_captured
        self.max_bytes = max_bytes
        self.interval_s = interval_s
        self.tracker = PageTracker()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paper-scanner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        seen = -1
        while not self._stop.wait(self.interval_s):
            frame = self.camera.latest()  # type: ignore[attr-defined]
            if frame is None or frame.seq == seen:
                continue
            seen = frame.seq
            try:
                detection, steady = self.tracker.update(frame.image)
                size = (int(frame.image.shape[1]), int(frame.image.shape[0]))
                self.on_progress(detection, size)
                if steady and detection.corners is not None:
                    started = time.perf_counter()
                    page = enhance(rectify(frame.image, detection.corners))
                    captured = encode_attachment(page, self.max_bytes)
                    log.info(
                        "paper_captured",
                        extra={
                            "fields": {
                                "bytes": len(captured.jpeg),
                                "ms": round((time.perf_counter() - started) * 1000, 1),
                            }
                        },
                    )
                    self._stop.set()
                    self.on_captured(captured)
                    return
            except (cv2.error, ValueError):
                log.warning("paper_scan_failed")


# Demo and test scenes ------------------------------------------------------------------


def _page_image(seed: int, width: int = 840, height: int = 1188) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.full((height, width, 3), 246, np.uint8)
    cv2.putText(page, "CONG HOA XA HOI CHU NGHIA VIET NAM", (90, 90), 0, 1.0, (20, 20, 20), 2)
    cv2.putText(page, "Doc lap - Tu do - Hanh phuc", (230, 140), 0, 0.9, (20, 20, 20), 2)
    cv2.putText(page, "VAN BAN XAC NHAN", (250, 240), 0, 1.3, (10, 10, 10), 3)
    y = 320
    while y < height - 260:
        length = int(rng.integers(420, 700))
        words = " ".join("x" * int(rng.integers(2, 8)) for _ in range(length // 40))
        cv2.putText(page, words, (80, y), 0, 0.8, (40, 40, 40), 2)
        y += 48
    centre = (width - 230, height - 170)
    cv2.circle(page, centre, 95, (40, 40, 200), 6)
    cv2.circle(page, centre, 70, (40, 40, 200), 3)
    cv2.putText(page, "UBND", (centre[0] - 55, centre[1] + 12), 0, 1.1, (40, 40, 200), 3)
    return page


def demo_page_scene(
    size: tuple[int, int] = (1280, 720),
    angle_deg: float = 6.0,
    scale: float = 0.9,
    offset: tuple[float, float] = (0.0, 0.0),
    seed: int = 7,
    brightness: float = 1.0,
    blur: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A camera frame of a paper on a desk, and the page's true corners (for tests)."""
    width, height = size
    rng = np.random.default_rng(seed)
    page = _page_image(seed)
    ph, pw = page.shape[:2]
    # A wooden desk: brown with grain.
    desk = np.zeros((height, width, 3), np.uint8)
    desk[:] = (50, 85, 125)
    grain = (rng.normal(0, 1, (height, 1, 1)) * 12).astype(np.int16)
    desk = np.clip(desk.astype(np.int16) + grain, 0, 255).astype(np.uint8)
    # The page, in perspective: fit its height to ``scale`` of the frame, then tilt.
    page_h = height * scale
    page_w = page_h * pw / ph
    cx, cy = width / 2 + offset[0] * width, height / 2 + offset[1] * height
    half = np.array([[-page_w / 2, -page_h / 2], [page_w / 2, -page_h / 2]])
    half = np.vstack([half, -half])  # tl, tr, br, bl
    theta = math.radians(angle_deg)
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    corners = half @ rotation.T
    corners[:2, 0] *= 0.93  # the far edge looks shorter
    corners += (cx, cy)
    corners = corners.astype(np.float32)
    source = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners)
    warped = cv2.warpPerspective(page, matrix, (width, height))
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (width, height))
    frame = np.where(mask[:, :, None] > 0, warped, desk)
    # Light from the top-left, sensor noise, optional shake.
    gradient = np.linspace(1.05, 0.85, width)[None, :, None] * brightness
    frame = np.clip(frame * gradient + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
    if blur:
        frame = cv2.GaussianBlur(frame, (blur * 2 + 1, blur * 2 + 1), 0)
    return frame, corners


def page_sequence(size: tuple[int, int] = (1280, 720), frames: int = 40) -> list[np.ndarray]:
    """The page comes into the picture, moves, then is held still (demo and tracker tests)."""
    sequence = []
    for i in range(frames):
        moving = max(0, frames // 2 - i) / (frames // 2)
        image, _corners = demo_page_scene(
            size, angle_deg=6 + 10 * moving, offset=(0.25 * moving, 0.0), seed=7
        )
        sequence.append(image)
    return sequence

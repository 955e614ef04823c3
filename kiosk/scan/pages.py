"""Photographing a paper that is still needed: find the page, straighten it, size-cap it (no Qt).

The citizen holds the paper in front of the kiosk's camera (or lays it on the
shelf under it).  Each frame is searched for the page (:func:`find_page`): the
largest plausible quadrilateral that stands out from what is around it.  The
citizen gets one short instruction at a time ("bring it closer", "the whole
page, please", "more light", "hold still").  When the page has stayed put for
a few frames (:class:`PageTracker`) the kiosk takes the picture by itself, as
banking apps do, straightens it to the page's shape (A4 when it is close to
A4, :func:`rectify`), evens out the lighting (:func:`enhance`, colour kept:
stamps are red and matter) and encodes it as a JPEG under a size cap
(:func:`encode_attachment`).  The citizen sees the result and keeps it or
takes it again.  Nothing is written to disk: the photo goes into the sealed
dossier.

:func:`demo_page_scene` and :func:`page_sequence` draw synthetic camera frames
(a printed page with a red stamp on a wooden table) for the simulated camera,
the demo and the tests.

Threading: every function here is pure (numpy/OpenCV, no shared state) and
safe from any thread; a :class:`PageTracker` belongs to one thread;
:class:`PaperScanner` runs its own thread and calls back from it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from devices.camera.base import new_frames

log = logging.getLogger(__name__)

NO_PAGE = "capture.guide.no_page"
MOVE_CLOSER = "capture.guide.move_closer"
WHOLE_PAGE = "capture.guide.whole_page"
HOLD_STILL = "capture.guide.hold_still"
MORE_LIGHT = "capture.guide.more_light"
GOOD = "capture.guide.good"
GUIDANCE = (NO_PAGE, MOVE_CLOSER, WHOLE_PAGE, HOLD_STILL, MORE_LIGHT, GOOD)
"""Every key :func:`find_page` can return (translated in ``assets/i18n``)."""

A4_RATIO = 297 / 210  # ISO 216: every A-series sheet is 1 : √2
DEFAULT_MAX_BYTES = 500_000


@dataclass(frozen=True)
class ScanPolicy:
    """Thresholds for :func:`find_page`; every default is explained on its line."""

    # The frame is searched at this long side: 640 px keeps a page's edges several pixels
    # long while a frame costs a few milliseconds.
    work_side: int = 640
    # Below this share of the frame a quadrilateral is not considered at all (text on
    # labels, sticky notes, phones on the table).
    min_candidate_area: float = 0.02
    # Below this share of the frame the page's text is too small to read once straightened
    # (an A4 page at 25 % of a 1280×720 frame is about 400×560 px).
    min_page_area: float = 0.25
    # A corner this close to the frame's edge (share of width/height): the page is cut.
    edge_margin: float = 0.01
    # Share of a region's outline that may run along the frame's border (see ``_score``).
    max_border_share: float = 0.6
    # Interior angles outside this range are not a sheet of paper seen by a kiosk camera.
    min_angle_deg: float = 45.0
    # Long side / short side: A4 is 1.41, receipts reach about 3.
    max_aspect: float = 3.2
    # The quadrilateral must cover the region it was fitted to (intersection over union):
    # a dent from a finger costs a few per cent, a blob of table grain much more.
    min_fit: float = 0.9
    # Mean "paperness" (bright and unsaturated) inside minus just outside: a page stands
    # out from the table; a patch of wall or table does not.
    min_contrast: float = 25.0
    # The brightest 1 % of the frame darker than this: too dark to look for anything.
    min_frame_light: float = 45.0
    # Median grey level on the page: below this, text drowns in sensor noise.
    min_page_light: float = 85.0
    # Variance of the Laplacian inside the page (after a light denoise, at a page height of
    # at most ``sharpness_side`` px, scaled to paper at grey level 200): sharp print scores
    # about 400, a hand moving 5 px during the exposure about 70, 7 px about 45 (the text
    # of a page filling a 720-px-high frame is then hard to read).  See ``find_page`` for
    # the blank-page caveat.
    min_sharpness: float = 50.0
    sharpness_side: int = 720


DEFAULT_POLICY = ScanPolicy()


@dataclass(frozen=True, eq=False)
class PageDetection:
    """What :func:`find_page` saw in one frame (a value snapshot: safe to pass between threads).

    ``corners`` is a 4×2 float32 array in frame pixels ordered top-left, top-right,
    bottom-right, bottom-left, or ``None`` when no page was found.  ``steady`` and
    ``progress`` are filled in by :class:`PageTracker` (``progress`` goes from 0 to 1 while
    the page is held still, for a ring on the screen).
    """

    corners: np.ndarray | None
    guidance_key: str
    area: float = 0.0  # share of the frame covered by the page
    brightness: float = 0.0  # median grey level on the page
    sharpness: float = 0.0  # variance of the Laplacian on the page
    steady: bool = False
    progress: float = 0.0

    @property
    def good(self) -> bool:
        return self.guidance_key == GOOD


def order_corners(points: np.ndarray) -> np.ndarray:
    """The 4 points as top-left, top-right, bottom-right, bottom-left (clockwise on screen).

    Sorted by angle around the centre, then started at the point nearest the frame's
    top-left: unlike sorting by x+y and x−y this never repeats a point, at any rotation.
    """
    pts = np.asarray(points, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen (y points down)
    first = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -first, axis=0)


# Finding the page ----------------------------------------------------------------------


def _paperness(small: np.ndarray) -> np.ndarray:
    """Bright and unsaturated: paper, also in shadow; wood, skin and plastic score low."""
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    value = hsv[:, :, 2].astype(np.int16)
    saturation = hsv[:, :, 1].astype(np.int16)
    score = np.clip(value - saturation, 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(score, (5, 5), 0)


def _candidate_contours(paper: np.ndarray, gray: np.ndarray) -> list[np.ndarray]:
    """Outlines of regions that might be the page, from two independent cues."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    contours: list[np.ndarray] = []
    # 1. Paper is the brightest unsaturated thing in the picture.  Closing fills the
    # text; opening cuts thin bridges to bright things that touch the page.  Otsu's
    # level splits a page with a shadow across it, so a lower level is tried as well
    # (the scoring throws out whatever it merges with the table).
    otsu, _ = cv2.threshold(paper, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    for level in (otsu, 0.55 * otsu):
        _, bright = cv2.threshold(paper, level, 255, cv2.THRESH_BINARY)
        bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel)
        bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, kernel)
        found, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        contours.extend(found)
    # 2. The page's outline as edges: survives a grey table (no colour cue) and a
    # shadow (the outline is unbroken where a threshold splits the page).  Every
    # contour, holes included: where table grain touches the outline, the outline's
    # inside is still a clean hole.
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 40, 120)
    edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    found, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    contours.extend(found)
    return contours


def _snap_to_edges(gray: np.ndarray, quad: np.ndarray, reach: float = 6.0) -> np.ndarray:
    """Moves each side onto the page's actual edge, to a fraction of a pixel.

    Along each side, at 32 places away from the corners, the grey level is sampled
    across the side (±``reach`` px) and the steepest bright-to-dark step going outwards
    is taken; a robust line through those points replaces the side.  A finger or a
    shadow's edge spoils a few samples, which the Huber fit and a second pass ignore.
    A side with too few clear steps (cut by the frame, low contrast) keeps its place.
    """
    height, width = gray.shape
    smooth = cv2.GaussianBlur(gray, (3, 3), 0).astype(np.float32)
    centre = quad.mean(axis=0).astype(np.float64)
    offsets = np.arange(-reach, reach + 0.25, 0.5)
    fractions = np.linspace(0.08, 0.92, 32)
    lines = []
    for i in range(4):
        start, end = quad[i].astype(np.float64), quad[(i + 1) % 4].astype(np.float64)
        length = float(np.linalg.norm(end - start))
        u = (end - start) / max(length, 1e-6)
        outward = np.array([-u[1], u[0]])
        if (start - centre) @ outward < 0:
            outward = -outward
        line = (start, u)
        base = start + fractions[:, None] * (end - start)
        samples = base[:, None, :] + offsets[None, :, None] * outward
        values = cv2.remap(
            smooth,
            samples[:, :, 0].astype(np.float32),
            samples[:, :, 1].astype(np.float32),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        drop = values[:, :-2] - values[:, 2:]  # how much darker one step further out
        best = np.argmax(drop, axis=1)
        rows = np.arange(len(best))
        strength = drop[rows, best]
        # Sub-pixel: the top of a parabola through the step and its neighbours.
        left = drop[rows, np.maximum(best - 1, 0)]
        right = drop[rows, np.minimum(best + 1, drop.shape[1] - 1)]
        curvature = left - 2 * strength + right
        shift = np.where(curvature < 0, 0.5 * (left - right) / np.minimum(curvature, -1e-6), 0)
        position = offsets[best + 1] + 0.5 * np.clip(shift, -1, 1)
        points = base + position[:, None] * outward
        inside = (
            (points[:, 0] > 1)
            & (points[:, 0] < width - 2)
            & (points[:, 1] > 1)
            & (points[:, 1] < height - 2)
        )
        keep = inside & (strength > max(6.0, 0.4 * float(np.median(strength))))
        if keep.sum() >= 8:
            line = _line_through(points[keep].astype(np.float32))
            normal = np.array([-line[1][1], line[1][0]])
            close = keep & (np.abs((points - line[0]) @ normal) < 1.5)
            if close.sum() >= 8:
                line = _line_through(points[close].astype(np.float32))
        lines.append(line)
    try:
        corners = np.array([_intersect(lines[i - 1], lines[i]) for i in range(4)], np.float32)
    except ValueError:
        return quad
    if float(np.abs(corners - quad).max()) > 3 * reach:
        return quad
    return corners


def _line_through(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vx, vy, x0, y0 = cv2.fitLine(points, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)


def _intersect(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    (p, u), (q, v) = a, b
    denominator = u[0] * v[1] - u[1] * v[0]
    if abs(denominator) < 1e-6:
        raise ValueError("parallel sides")
    t = ((q[0] - p[0]) * v[1] - (q[1] - p[1]) * v[0]) / denominator
    return p + t * u


def _refine_quad(points: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Corners as intersections of lines fitted to each side's outline points.

    Only the middle 80 % of a side is used, so rounded or dog-eared corners do not pull
    the corner inwards, and the Huber fit with a distance gate ignores a finger's dent or
    bump on an edge.  Falls back to the polygon's own vertices when a side has too few
    points (e.g. along the frame's border where the outline is clipped).
    """
    lines = []
    for i in range(4):
        start, end = quad[i].astype(np.float64), quad[(i + 1) % 4].astype(np.float64)
        direction = end - start
        length = float(np.linalg.norm(direction))
        if length < 1:
            return quad
        u = direction / length
        along = (points - start) @ u / length
        line = (start, u)
        gate = max(2.0, 0.04 * length)
        for _ in range(2):
            across = np.abs((points - line[0]) @ np.array([-line[1][1], line[1][0]]))
            chosen = points[(along > 0.1) & (along < 0.9) & (across < gate)]
            if len(chosen) < 6:
                break
            line = _line_through(chosen.astype(np.float32))
            gate = max(1.5, gate / 2)
        lines.append(line)
    try:
        corners = np.array([_intersect(lines[i - 1], lines[i]) for i in range(4)], np.float32)
    except ValueError:
        return quad
    side = cv2.arcLength(quad.reshape(-1, 1, 2), True) / 4
    if float(np.abs(corners - quad).max()) > 0.15 * side:
        return quad
    return corners


def _fit_quad(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.01, 0.02, 0.03, 0.045, 0.06, 0.08):
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float32)
            points = contour.reshape(-1, 2)[::3].astype(np.float64)  # every 3rd: enough
            return order_corners(_refine_quad(points, order_corners(quad)))
        if len(approx) < 4:
            return None
    return None


def _angles_deg(quad: np.ndarray) -> list[float]:
    angles = []
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cosine = float(u @ v) / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-6)
        angles.append(math.degrees(math.acos(max(-1.0, min(1.0, cosine)))))
    return angles


def _side_lengths(corners: np.ndarray) -> tuple[float, float]:
    """(width, height) of the quadrilateral: the mean of opposite sides."""
    tl, tr, br, bl = corners.astype(np.float64)
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width), float(height)


def _score(contour: np.ndarray, quad: np.ndarray, paper: np.ndarray, policy: ScanPolicy) -> float:
    """How much this quadrilateral looks like the page (0: not at all)."""
    height, width = paper.shape
    if not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return 0.0
    # A region running along the frame's border for much of its outline is lit table or
    # wall cut off by the frame (or by a shadow's edge); a page cut by the frame has one
    # or two sides there.
    points = contour.reshape(-1, 2)
    on_border = (
        (points[:, 0] <= 1)
        | (points[:, 1] <= 1)
        | (points[:, 0] >= width - 2)
        | (points[:, 1] >= height - 2)
    )
    if float(on_border.mean()) > policy.max_border_share:
        return 0.0
    limits = np.array([width - 1, height - 1], np.float32)
    low, high = quad <= 2, quad >= limits - 2  # per corner and axis: at that frame edge
    sides_on_border = sum(
        bool(np.any(low[i] & low[(i + 1) % 4]) or np.any(high[i] & high[(i + 1) % 4]))
        for i in range(4)
    )
    if sides_on_border > 2:
        return 0.0
    angles = _angles_deg(quad)
    if min(angles) < policy.min_angle_deg or max(angles) > 180 - policy.min_angle_deg:
        return 0.0
    w, h = _side_lengths(quad)
    if min(w, h) < 1 or max(w, h) / min(w, h) > policy.max_aspect:
        return 0.0
    quad_mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(quad_mask, np.round(quad).astype(np.int32), 255)
    region = np.zeros_like(quad_mask)
    cv2.drawContours(region, [contour], -1, 255, cv2.FILLED)
    union = cv2.countNonZero(cv2.bitwise_or(quad_mask, region))
    fit = cv2.countNonZero(cv2.bitwise_and(quad_mask, region)) / max(union, 1)
    if fit < policy.min_fit:
        return 0.0
    ring_width = max(3, round(0.02 * max(width, height)))
    ring_kernel = np.ones((2 * ring_width + 1, 2 * ring_width + 1), np.uint8)
    ring = cv2.subtract(cv2.dilate(quad_mask, ring_kernel), quad_mask)
    inner = cv2.erode(quad_mask, ring_kernel)
    if not cv2.countNonZero(ring) or not cv2.countNonZero(inner):
        return 0.0
    contrast = cv2.mean(paper, inner)[0] - cv2.mean(paper, ring)[0]
    if contrast < policy.min_contrast:
        return 0.0
    area = cv2.countNonZero(quad_mask) / (width * height)
    # Fit counts most: a page merged with the hand holding it is bigger but fits worse.
    # Sides on the frame's border halve the score: a whole page in view beats a bright
    # patch of table cut off by the frame.
    return area * fit**4 * min(1.0, contrast / (2 * policy.min_contrast)) / 2**sides_on_border


def _sharpness(
    bgr: np.ndarray, corners: np.ndarray, brightness: float, policy: ScanPolicy
) -> float:
    """Variance of the Laplacian inside the page, as if the page were ``policy.sharpness_side``
    px tall at most and its paper at grey level 200: the number then means the same at any
    camera resolution and exposure (the Laplacian grows with contrast, so with light)."""
    height, width = bgr.shape[:2]
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return 0.0
    crop = cv2.cvtColor(bgr[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    local = corners - np.array([x0, y0], np.float32)
    factor = min(1.0, policy.sharpness_side / max(_side_lengths(corners)))
    if factor < 1.0:
        crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        local = local * factor
    # A light denoise first: sensor noise alone would otherwise look like sharp detail.
    crop = cv2.GaussianBlur(crop, (3, 3), 0)
    laplacian = cv2.Laplacian(crop, cv2.CV_32F)
    mask = np.zeros(crop.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(local).astype(np.int32), 255)
    # Leave the page's own border out: it is the sharpest edge whether or not the text is.
    mask = cv2.erode(mask, np.ones((15, 15), np.uint8))
    if not cv2.countNonZero(mask):
        return 0.0
    _mean, std = cv2.meanStdDev(laplacian, mask=mask)
    return float(std[0, 0]) ** 2 * (200.0 / max(brightness, 1.0)) ** 2


def _filled_with_print(
    bgr: np.ndarray, paper: np.ndarray, gray_small: np.ndarray, policy: ScanPolicy
) -> bool:
    """Is the camera looking at a page from too close (paper everywhere, with print)?"""
    if float(np.mean(paper > 150)) < 0.6:  # most of the picture bright and colourless
        return False
    height, width = bgr.shape[:2]
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    brightness = float(np.median(gray_small))
    return _sharpness(bgr, frame, brightness, policy) >= policy.min_sharpness


def find_page(bgr: np.ndarray, policy: ScanPolicy = DEFAULT_POLICY) -> PageDetection:
    """The page in one camera frame, and the one thing to tell the citizen.

    Checks speak in this order (the citizen fixes one thing at a time, the biggest
    first): frame too dark to see anything > no page > page cut by the frame's edge >
    page too small > page too dark > page blurred > good.

    Sharpness is the variance of the Laplacian on the page, so it measures print: an
    almost blank page reads as blurred.  Papers a citizen brings (statements, letters)
    have text; the kiosk can still fall back to the counter.
    """
    if bgr is None or bgr.ndim not in (2, 3) or bgr.size == 0 or bgr.dtype != np.uint8:
        raise ValueError("find_page needs an 8-bit BGR (or grey) image")
    if bgr.ndim == 2:
        bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
    height, width = bgr.shape[:2]
    scale = min(1.0, policy.work_side / max(width, height))
    small = (
        cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1.0
        else bgr
    )
    gray_small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    if float(np.percentile(gray_small[::2, ::2], 99)) < policy.min_frame_light:
        return PageDetection(None, MORE_LIGHT)
    paper = _paperness(small)
    min_area = policy.min_candidate_area * paper.size
    best: tuple[float, np.ndarray] | None = None
    for contour in _candidate_contours(paper, gray_small):
        if cv2.contourArea(contour) < min_area:
            continue
        quad = _fit_quad(contour)
        if quad is None:
            continue
        score = _score(contour, quad, paper, policy)
        if score > 0 and (best is None or score > best[0]):
            best = (score, quad)
    if best is None:
        # A page held right against the lens has no outline to find; say so rather than
        # "no page" (the citizen would bring it closer still).
        if _filled_with_print(bgr, paper, gray_small, policy):
            return PageDetection(None, WHOLE_PAGE, area=1.0)
        return PageDetection(None, NO_PAGE)
    quad = order_corners(_snap_to_edges(gray_small, best[1]))
    # Work pixel i covers frame pixels [i/scale, (i+1)/scale): centres map with a shift.
    corners = ((quad + 0.5) / scale - 0.5).astype(np.float32)
    area = float(cv2.contourArea(corners)) / (width * height)
    page_mask = np.zeros(gray_small.shape, np.uint8)
    cv2.fillConvexPoly(page_mask, np.round(quad).astype(np.int32), 255)
    brightness = float(np.median(gray_small[page_mask > 0]))
    sharpness = _sharpness(bgr, corners, brightness, policy)
    margin = np.array([policy.edge_margin * width, policy.edge_margin * height])
    limit = np.array([width - 1, height - 1]) - margin
    if np.any(corners < margin) or np.any(corners > limit):
        key = WHOLE_PAGE
    elif area < policy.min_page_area:
        key = MOVE_CLOSER
    elif brightness < policy.min_page_light:
        key = MORE_LIGHT
    elif sharpness < policy.min_sharpness:
        key = HOLD_STILL
    else:
        key = GOOD
    return PageDetection(corners, key, area, brightness, sharpness)


class PageTracker:
    """Says when the page has been held still long enough to take the picture.

    Feed it every frame looked at; ``update`` returns that frame's detection with
    ``steady`` set once the corners have stayed within ``tolerance`` (a share of the
    frame's diagonal: 0.5 % is about 7 px at 1280×720) of where they were when the page
    stopped, for ``steady_frames`` good frames in a row.  Compared with the run's first
    frame, not the previous one, so a slow drift never counts as still.  One thread only.
    """

    def __init__(
        self,
        steady_frames: int = 5,
        tolerance: float = 0.005,
        policy: ScanPolicy = DEFAULT_POLICY,
    ) -> None:
        if steady_frames < 1:
            raise ValueError("steady_frames must be at least 1")
        self.steady_frames = steady_frames
        self.tolerance = tolerance
        self.policy = policy
        self._anchor: np.ndarray | None = None
        self._count = 0

    def reset(self) -> None:
        """Forget the page (a retake starts counting again)."""
        self._anchor, self._count = None, 0

    def update(self, bgr: np.ndarray) -> PageDetection:
        detection = find_page(bgr, self.policy)
        if not detection.good or detection.corners is None:
            self.reset()
            return detection
        limit = self.tolerance * math.hypot(bgr.shape[0], bgr.shape[1])
        if (
            self._anchor is not None
            and float(np.abs(detection.corners - self._anchor).max()) <= limit
        ):
            self._count += 1
        else:
            self._anchor, self._count = detection.corners, 1
        return replace(
            detection,
            steady=self._count >= self.steady_frames,
            progress=min(1.0, self._count / self.steady_frames),
        )


# Straightening and cleaning up ---------------------------------------------------------


def rectify(bgr: np.ndarray, corners: np.ndarray, long_side_px: int = 1600) -> np.ndarray:
    """The page seen straight on, in portrait, ``long_side_px`` tall.

    The shape is A4's when the measured one is within 12 % of it (the measurement is
    biased by perspective by about that much), otherwise the measured one.  A page held
    sideways is turned a quarter clockwise; which way is up cannot be told from the
    outline, so an upside-down result is for the citizen to see and retake.
    """
    if long_side_px < 64:
        raise ValueError("long_side_px is too small for a page")
    corners = order_corners(np.asarray(corners, np.float32))
    width, height = _side_lengths(corners)
    if min(width, height) < 2:
        raise ValueError("the corners do not enclose a page")
    ratio = max(width, height) / min(width, height)
    if abs(ratio / A4_RATIO - 1) < 0.12:
        ratio = A4_RATIO
    long_side, short_side = long_side_px, max(1, round(long_side_px / ratio))
    # Shrinking a lot in one warp aliases the text: shrink the frame first.
    shrink = long_side_px / max(width, height)
    if shrink < 0.66:
        bgr = cv2.resize(
            bgr, None, fx=shrink * 1.25, fy=shrink * 1.25, interpolation=cv2.INTER_AREA
        )
        corners = corners * shrink * 1.25
    out_w, out_h = (short_side, long_side) if height >= width else (long_side, short_side)
    target = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    page = cv2.warpPerspective(
        bgr, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    if width > height:
        page = cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE)
    return page


def enhance(page: np.ndarray, white: float = 240.0) -> np.ndarray:
    """Even out the lighting so the text reads well; colours stay (stamps are red and matter).

    The paper's own colour is estimated per channel at 1/8 scale with text and stamp
    removed (a max filter wider than a stroke), and each channel is divided by it: shadows
    and a warm or cold cast go, ink keeps its hue.  Gains are capped so a dark strip of
    table at the border is not blown up into noise.
    """
    if page.ndim != 3 or page.shape[2] != 3:
        raise ValueError("enhance needs a BGR image")
    height, width = page.shape[:2]
    small = cv2.resize(
        page, (max(8, width // 8), max(8, height // 8)), interpolation=cv2.INTER_AREA
    )
    background = cv2.dilate(small, np.ones((5, 5), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), 3)
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    gain = np.clip(white / np.maximum(background.astype(np.float32), 1.0), 0.8, 3.0)
    return np.clip(page.astype(np.float32) * gain, 0, 255).astype(np.uint8)


# The attachment ------------------------------------------------------------------------


@dataclass(frozen=True)
class CapturedPage:
    """A photographed paper, ready for the sealed dossier.

    Immutable so a reviewed photo cannot change before it is sealed; ``sha256`` is the
    digest of ``jpeg`` and goes into the dossier's list of papers.  Python ``bytes``
    cannot be overwritten in place, so there is no ``wipe()`` to pretend otherwise: the
    session holds the only reference and drops it when the citizen retakes, cancels or
    finishes, and the garbage collector frees the memory.  ``jpeg`` is left out of
    ``repr`` so a log line never carries the photo.
    """

    jpeg: bytes = field(repr=False)
    width: int
    height: int
    sha256: str

    @property
    def size_bytes(self) -> int:
        return len(self.jpeg)


JPEG_QUALITIES = (90, 85, 80, 75, 70, 65, 60, 55, 50)
"""Tried best first; below 50 JPEG rings around text more than a smaller picture blurs it."""


def _jpeg(image: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(
        ".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1]
    )
    if not ok:
        raise ValueError("the page could not be encoded as JPEG")
    return data.tobytes()


def encode_attachment(
    page: np.ndarray, max_bytes: int = DEFAULT_MAX_BYTES, min_long_side: int = 640
) -> CapturedPage:
    """The page as a JPEG of at most ``max_bytes``.

    Quality is lowered first (down to 50), then the picture is made smaller step by step
    (by 15 % each), never below ``min_long_side`` px (text becomes unreadable).  At each
    size the lowest quality is tried first and, when it fits, the best quality that still
    fits is searched for, so few encodes are needed even for a 12-megapixel page.
    Raises ``ValueError`` when the page cannot fit.  No metadata (EXIF) is written.
    """
    if page is None or page.ndim not in (2, 3) or page.size == 0 or page.dtype != np.uint8:
        raise ValueError("encode_attachment needs an 8-bit image")
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    image = page
    while True:
        lowest = _jpeg(image, JPEG_QUALITIES[-1])
        if len(lowest) <= max_bytes:
            fits, low, high = lowest, 0, len(JPEG_QUALITIES) - 1  # index ``high`` fits
            while low < high:
                middle = (low + high) // 2
                data = _jpeg(image, JPEG_QUALITIES[middle])
                if len(data) <= max_bytes:
                    fits, high = data, middle
                else:
                    low = middle + 1
            if high == len(JPEG_QUALITIES) - 1:
                fits = lowest
            return CapturedPage(
                fits, int(image.shape[1]), int(image.shape[0]), hashlib.sha256(fits).hexdigest()
            )
        long_side = max(image.shape[:2])
        if long_side <= min_long_side:
            raise ValueError(
                f"the page does not fit in {max_bytes} bytes even at {long_side} px "
                f"and JPEG quality {JPEG_QUALITIES[-1]}"
            )
        factor = max(0.85, min_long_side / long_side)
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


# The capture loop ----------------------------------------------------------------------


class PaperScanner:
    """Looks at the camera's latest frame on its own thread until the page is taken.

    ``on_progress(detection, frame_size)`` for every frame looked at, then
    ``on_captured(CapturedPage)`` once (both from this thread: the core re-posts
    them to the GUI thread).  Frames are never stored or written anywhere.
    """

    def __init__(
        self,
        camera: object,
        on_progress: Callable[[PageDetection, tuple[int, int]], None],
        on_captured: Callable[[CapturedPage], None],
        max_bytes: int = DEFAULT_MAX_BYTES,
        interval_s: float = 0.05,
        tracker: PageTracker | None = None,
    ) -> None:
        self.camera = camera
        self.on_progress = on_progress
        self.on_captured = on_captured
        self.max_bytes = max_bytes
        self.interval_s = interval_s
        self.tracker = tracker or PageTracker()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paper-scanner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        for frame in new_frames(self.camera, self._stop, self.interval_s):  # type: ignore[arg-type]
            try:
                detection = self.tracker.update(frame.image)
                size = (int(frame.image.shape[1]), int(frame.image.shape[0]))
                self.on_progress(detection, size)
                if detection.steady and detection.corners is not None:
                    started = time.perf_counter()
                    page = enhance(rectify(frame.image, detection.corners))
                    captured = encode_attachment(page, self.max_bytes)
                    log.info(
                        "paper_captured",
                        extra={
                            "fields": {
                                "bytes": captured.size_bytes,
                                "width": captured.width,
                                "height": captured.height,
                                "ms": round((time.perf_counter() - started) * 1000, 1),
                            }
                        },
                    )
                    self._stop.set()
                    self.on_captured(captured)
                    return
            except (cv2.error, ValueError):
                log.warning("paper_scan_failed", exc_info=True)
                self.tracker.reset()


# Demo and test scenes ------------------------------------------------------------------

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

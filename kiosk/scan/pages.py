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

The photo is taken on the camera's thread by :class:`kiosk.scan.paper.PaperScanner`;
the shape measurements live in :mod:`kiosk.scan.quad`.  The synthetic scenes the tests
use (a printed page with a red stamp on a wooden table) are in ``tests/paper_scenes.py``.

Threading: every function here is pure (numpy/OpenCV, no shared state) and
safe from any thread; a :class:`PageTracker` belongs to one thread.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from kiosk.scan.quad import angles_deg, fit_quad, order_corners, side_lengths, snap_to_edges

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
    angles = angles_deg(quad)
    if min(angles) < policy.min_angle_deg or max(angles) > 180 - policy.min_angle_deg:
        return 0.0
    w, h = side_lengths(quad)
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
    factor = min(1.0, policy.sharpness_side / max(side_lengths(corners)))
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
        quad = fit_quad(contour)
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
    quad = order_corners(snap_to_edges(gray_small, best[1]))
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
    width, height = side_lengths(corners)
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

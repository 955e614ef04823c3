"""Quadrilaterals in a camera frame: fitting one to a region's outline, moving its sides onto
the page's edges, ordering its corners (pure numpy/OpenCV, safe from any thread).

:func:`kiosk.scan.pages.find_page` decides which region is the page; this module only
measures shapes.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


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


def snap_to_edges(gray: np.ndarray, quad: np.ndarray, reach: float = 6.0) -> np.ndarray:
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


def fit_quad(contour: np.ndarray) -> np.ndarray | None:
    """The quadrilateral around an outline (corners ordered as :func:`order_corners`), or
    ``None`` when the outline's convex hull does not simplify to four corners."""
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


def angles_deg(quad: np.ndarray) -> list[float]:
    """The four interior angles, in degrees, at each corner in order."""
    angles = []
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cosine = float(u @ v) / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-6)
        angles.append(math.degrees(math.acos(max(-1.0, min(1.0, cosine)))))
    return angles


def side_lengths(corners: np.ndarray) -> tuple[float, float]:
    """(width, height) of the quadrilateral: the mean of opposite sides."""
    tl, tr, br, bl = corners.astype(np.float64)
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width), float(height)

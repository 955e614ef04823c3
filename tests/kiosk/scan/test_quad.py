"""Quadrilaterals: corners are ordered the same way at any rotation."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.scan.quad import order_corners
from tests.paper_scenes import demo_page_corners

FRAME = (1280, 720)


@pytest.mark.parametrize("angle", [0, 20, 44, 46, 90, 135, 180, 270])
def test_corners_come_clockwise_from_the_top_left_at_any_rotation(angle: int) -> None:
    square = demo_page_corners(FRAME, angle_deg=angle, tilt=0.0, aspect=1.0, scale=0.5)
    shuffled = square[[2, 0, 3, 1]]
    ordered = order_corners(shuffled)
    assert len({tuple(p) for p in ordered.round(3).tolist()}) == 4
    assert int(np.argmin(ordered.sum(axis=1))) == 0
    area2 = sum(
        ordered[i][0] * ordered[(i + 1) % 4][1] - ordered[(i + 1) % 4][0] * ordered[i][1]
        for i in range(4)
    )
    assert area2 > 0  # clockwise on screen, where y points down

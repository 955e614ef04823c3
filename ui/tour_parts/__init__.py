"""Further walks of the demo tour, one module per area, run after the citizen's tour.

Each part is a function ``part(driver) -> Iterator[Condition]`` (``driver`` is the
:class:`ui.automatic.AutomaticDriver`, a condition a callable returning True when the walk
may go on) that starts from the attract screen and ends there; it takes screenshots with
``driver.shot(name)`` (names prefixed with its area, e.g. ``staff-dashboard``).  Add a part
to ``PARTS`` to include it in ``kiosk demo-tour`` and ``make tour``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Condition = Callable[[], bool]
Part = Callable[[Any], Iterator[Condition]]

PARTS: list[Part] = []

from ui.tour_parts import technician  # noqa: E402  (after Part: parts may name it)

PARTS.append(technician.part)

from ui.tour_parts import payment  # noqa: E402

PARTS.append(payment.part)

from ui.tour_parts import staff  # noqa: E402

PARTS.append(staff.part)

from ui.tour_parts import speech  # noqa: E402

PARTS.append(speech.part)


def all_parts(driver: Any) -> Iterator[Condition]:
    """Every registered part, one after the other."""
    for part in PARTS:
        yield from part(driver)

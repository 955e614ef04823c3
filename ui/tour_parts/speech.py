"""The tour's speech walk: the Listen button, a screen said by itself, the headset.

From the start screen the citizen touches "Nghe hướng dẫn" (the kiosk reads the screen
and from now on every screen), opens the look-up (said as it appears), then chooses the
headset: personal values may now be read out to them.  Back to the start screen, the
next citizen starts silent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kiosk.runtime.flow import Step

Condition = Callable[[], bool]


def part(driver: Any) -> Iterator[Condition]:
    core = driver.core
    yield driver.at(Step.ATTRACT)
    driver.click("listen")
    yield driver.settle()
    driver.shot("speech-attract-listening")
    driver.click("tile_lookup")
    yield driver.at(Step.LOOKUP)
    yield lambda: core.speech.on
    driver.click("headset")
    yield lambda: core.speech.headset
    yield driver.settle()
    driver.shot("speech-lookup-headset")
    driver.click("back")
    yield driver.at(Step.ATTRACT)
    yield lambda: not core.speech.on

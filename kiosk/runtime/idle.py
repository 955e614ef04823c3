"""Idle timeout with a one-touch warning (WCAG 2.2.1 Timing Adjustable).

Pure logic over an injected clock: the UI calls :meth:`IdleGuard.poll` from a
one-second timer and :meth:`IdleGuard.touch` on every user input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class IdlePhase(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class IdleStatus:
    phase: IdlePhase
    seconds_left: int


class IdleGuard:
    """Counts idle time; a warning opens ``warning_s`` before ``timeout_s``."""

    def __init__(self, timeout_s: float, warning_s: float, clock: Callable[[], float]) -> None:
        if warning_s >= timeout_s:
            raise ValueError("the warning must start before the timeout")
        self.timeout_s = timeout_s
        self.warning_s = warning_s
        self._base = (timeout_s, warning_s)
        self._clock = clock
        self._last = clock()
        self._armed = False

    def arm(self) -> None:
        """Start counting (a session step that can time out)."""
        self._armed = True
        self._last = self._clock()

    def scale(self, factor: float) -> None:
        """Give ``factor`` times the configured time (speech mode doubles it: listening to a
        screen takes longer than reading it); 1 restores it."""
        self.timeout_s, self.warning_s = (value * factor for value in self._base)

    def disarm(self) -> None:
        self._armed = False

    def touch(self) -> None:
        self._last = self._clock()

    def poll(self) -> IdleStatus:
        if not self._armed:
            return IdleStatus(IdlePhase.ACTIVE, int(self.timeout_s))
        idle = self._clock() - self._last
        left = self.timeout_s - idle
        if left <= 0:
            return IdleStatus(IdlePhase.EXPIRED, 0)
        if left <= self.warning_s:
            return IdleStatus(IdlePhase.WARNING, int(left + 0.999))
        return IdleStatus(IdlePhase.ACTIVE, int(left))

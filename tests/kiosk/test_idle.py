import pytest

from kiosk.runtime.idle import IdleGuard, IdlePhase
from tests.conftest import FakeClock


def test_phases_follow_idle_time_and_touch_resets() -> None:
    clock = FakeClock()
    guard = IdleGuard(120, 30, clock)
    assert guard.poll().phase is IdlePhase.ACTIVE  # not armed
    guard.arm()
    clock.advance(89)
    assert guard.poll().phase is IdlePhase.ACTIVE
    clock.advance(2)
    status = guard.poll()
    assert status.phase is IdlePhase.WARNING and status.seconds_left == 29
    guard.touch()
    assert guard.poll().phase is IdlePhase.ACTIVE
    clock.advance(121)
    assert guard.poll().phase is IdlePhase.EXPIRED
    guard.disarm()
    assert guard.poll().phase is IdlePhase.ACTIVE


def test_warning_must_start_before_timeout() -> None:
    with pytest.raises(ValueError):
        IdleGuard(30, 30, FakeClock())

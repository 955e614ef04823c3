"""Plain helpers several test files need, defined once here.

Fixtures stay in the ``conftest.py`` files (the demo card is the ``card`` fixture of
``tests/devices/conftest.py``); what is here is imported by name.  Work queued on a
:class:`~kiosk.base.events.QueueDispatcher` is waited for with its own ``drain_until``
(or :func:`wait_for_step`); :func:`wait_until` is for threads that report with no
dispatcher in between (devices, the sync worker, a child process).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from devices.card.access import AccessKey

if TYPE_CHECKING:  # annotations only: the device tests need not import the kiosk
    from devices.card.simulator import SimulatedCard
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.flow import Step


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, every: float = 0.01) -> bool:
    """Ask ``predicate`` every ``every`` seconds until it holds; False if ``timeout`` passed first.

    ``predicate`` runs on the test's thread; it may do work (run a command once) as well
    as look.
    """
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


def wait_for_step(
    dispatcher: QueueDispatcher, current: Callable[[], Step], step: Step, timeout: float = 20.0
) -> None:
    """Run the dispatcher's queued work until ``current()`` is ``step``; fail the test if not."""
    reached = dispatcher.drain_until(lambda: current() is step, timeout)
    assert reached, f"expected {step}, still in {current()}"


def key_for(card: SimulatedCard, expiry: date | None = None) -> AccessKey:
    """The chip's access key from the numbers printed on ``card``; ``expiry`` makes a wrong one."""
    assert card.date_of_expiry is not None
    return AccessKey.from_cccd(card.id_number, card.date_of_birth, expiry or card.date_of_expiry)

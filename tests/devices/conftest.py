import pytest

from devices.card.emulator.pki import TestPki, create_test_pki
from devices.card.simulator import SimulatedCard


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return create_test_pki()


@pytest.fixture(scope="module")
def card() -> SimulatedCard:
    return SimulatedCard.from_profile()


def wait_until(predicate, timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds (device threads report asynchronously)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False

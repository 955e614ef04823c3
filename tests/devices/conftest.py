import pytest

from devices.card.emulator.pki import TestPki, create_test_pki
from devices.card.simulator import SimulatedCard


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return create_test_pki()


@pytest.fixture(scope="module")
def card() -> SimulatedCard:
    """The demo card (frozen: one per module is shared safely)."""
    return SimulatedCard.from_profile()

"""Instant card detection (issue 12): the PC/SC thread waits on the reader, it no longer polls.

Through the real pcscd and vsmartcard's vpcd.  pcscd itself learns of a vpcd card only
at its next poll of the driver (every 400 ms: vpcd has no event thread, a CCID reader
does), so the kiosk's share is timed from pcscd's own report, noted by a context of its
own (:class:`tests.devices.pcscd_watch.PcscdWatch`).  The daemon is the one
``tests/devices/test_pcsc.py`` starts (or the machine's), once for this module.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

import pytest

from devices.card.base import ReaderState
from devices.card.emulator.builder import build_chip
from devices.card.emulator.chip import EmulatedChip
from devices.card.emulator.vpcd import VpcdCard
from devices.card.pcsc import PcscCardReader, list_readers
from tests.devices.pcscd_watch import PcscdWatch
from tests.devices.test_pcsc import READER, pcscd, wait_state  # noqa: F401 - the fixture
from tests.helpers import key_for


@pytest.fixture
def waiting(pcscd, pki) -> Iterator[PcscCardReader]:  # noqa: F811 - the fixture imported above
    reader = PcscCardReader(READER, [pki.csca])  # the kiosk's own settings: 0.5 s waits
    reader.start()
    yield reader
    reader.stop()


def test_a_card_is_reported_as_soon_as_pcscd_sees_it_not_at_the_next_poll(
    waiting, pki, card
) -> None:
    # As found: the thread polled every 0.5 s, so the greeting waited 0-500 ms more.
    name = next(r for r in list_readers()[1] if r.startswith(READER))
    watch = PcscdWatch(name)
    inserted: list[float] = []
    seen = threading.Event()
    waiting.card_inserted.connect(lambda _s: (inserted.append(time.monotonic()), seen.set()))
    chip = EmulatedChip(build_chip(card.identity(), pki))
    delays = []
    try:
        for offset in (0.05, 0.17, 0.29, 0.41, 0.11):
            wait_state(waiting, ReaderState.READY)
            time.sleep(offset)  # cards land at any moment of the reader's wait
            seen.clear()
            started = time.monotonic()
            vpcd = VpcdCard(chip)
            vpcd.insert()
            assert seen.wait(20), "the card was not reported"
            reported = watch.first_report_after(started)
            vpcd.remove()
            assert reported is not None
            delays.append(inserted[-1] - reported)
    finally:
        watch.close()
    assert statistics.median(delays) < 0.1, delays  # typically well under 1 ms
    assert max(delays) < 0.35, delays


def test_stop_returns_promptly_while_the_thread_waits_on_the_reader(pcscd, pki) -> None:  # noqa: F811
    reader = PcscCardReader(READER, [pki.csca], poll_s=10.0)  # one long wait
    reader.start()
    wait_state(reader, ReaderState.READY)
    time.sleep(0.2)  # inside SCardGetStatusChange now
    started = time.monotonic()
    reader.stop()
    assert time.monotonic() - started < 5.0  # not the 10 s the thread was told to wait


def test_a_read_asked_during_a_long_wait_starts_at_once(pcscd, pki, card) -> None:  # noqa: F811
    reader = PcscCardReader(READER, [pki.csca], poll_s=10.0)
    present = threading.Event()
    reader.card_inserted.connect(lambda _s: present.set())
    reader.start()
    vpcd = VpcdCard(EmulatedChip(build_chip(card.identity(), pki)))
    try:
        wait_state(reader, ReaderState.READY)
        vpcd.insert()
        assert present.wait(20)
        time.sleep(0.2)  # waiting again, for up to 10 s
        started = time.monotonic()
        result = reader.read_card(key_for(card)).result(timeout=30)
        assert time.monotonic() - started < 6.0  # not after the 10 s wait (a read: well under 1 s)
        assert result.authenticity == "verified"
    finally:
        vpcd.remove()
        reader.stop()

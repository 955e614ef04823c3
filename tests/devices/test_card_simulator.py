import threading
import time
from dataclasses import replace
from datetime import date

import pytest

from devices.card.base import (
    AccessDeniedError,
    CardDeadlines,
    CardError,
    CardRemovedError,
    CardTimeoutError,
    ReaderState,
    ReadStep,
)
from devices.card.simulator import SimulatedCard, SimulatedCardReader
from tests.helpers import key_for, wait_until


@pytest.fixture
def reader():
    reader = SimulatedCardReader()
    reader.start()
    yield reader
    reader.stop()


def test_demo_profile_describes_a_full_card(card: SimulatedCard) -> None:
    assert len(card.id_number) == 12 and card.id_number.isdigit()
    assert card.full_name == "Trần Thị Ngọc Ánh"
    assert card.photo.startswith(b"\x89PNG")
    assert "Trần" not in repr(card)


def test_insert_and_remove_are_announced_on_the_reader_thread(reader, card) -> None:
    events: list[tuple[str, ReaderState, str]] = []
    done = threading.Event()

    def record(kind: str):
        def handler(status) -> None:
            events.append((kind, status.state, threading.current_thread().name))
            if kind == "removed":
                done.set()

        return handler

    reader.card_inserted.connect(record("inserted"))
    reader.card_removed.connect(record("removed"))
    reader.insert(card)
    reader.remove()
    assert done.wait(20)
    assert [(k, s) for k, s, _ in events] == [
        ("inserted", ReaderState.CARD_PRESENT),
        ("removed", ReaderState.READY),
    ]
    assert {t for _, _, t in events} == {"card-reader"}


def test_read_runs_the_real_protocol_and_returns_the_identity(reader, card) -> None:
    steps: list[ReadStep] = []
    reader.read_progress.connect(steps.append)
    reader.insert(card)
    result = reader.read_card(key_for(card)).result(timeout=30)
    assert result.identity.id_number == card.id_number
    assert result.identity.full_name == card.full_name
    assert result.identity.place_of_residence == card.place_of_residence
    assert result.identity.date_of_birth == card.date_of_birth
    assert bytes(result.identity.photo or b"").startswith(b"\xff\xd8")  # the chip's JPEG
    assert result.authenticity == "verified"
    assert steps == list(ReadStep)
    assert result.apdus >= 10 and "access_control" in result.timings_ms


def test_card_pulled_out_mid_read_raises_removed(reader, card) -> None:
    reader.apdu_delay_s = 0.05
    reader.insert(card)
    future = reader.read_card(key_for(card))
    threading.Timer(0.25, reader.remove).start()
    with pytest.raises(CardRemovedError):
        future.result(timeout=30)


def test_reading_without_a_card_raises_removed(reader, card) -> None:
    with pytest.raises(CardRemovedError):
        reader.read_card(key_for(card)).result(timeout=30)


def test_a_wrong_key_is_refused_by_the_chip(reader, card) -> None:
    reader.insert(card)
    wrong = key_for(card, expiry=date(2030, 1, 1))
    with pytest.raises(AccessDeniedError) as raised:
        reader.read_card(wrong).result(timeout=30)
    assert raised.value.message_key == "card.error.access_denied"


def test_a_mute_chip_is_unreadable(reader, card) -> None:
    reader.insert(replace(card, fault="unreadable"))
    with pytest.raises(CardError) as raised:
        reader.read_card(key_for(card)).result(timeout=30)
    assert raised.value.message_key == "card.error.unreadable"


def test_an_untrusted_reader_reports_the_signer(card) -> None:
    reader = SimulatedCardReader(trust_store=[])
    reader.insert(card)
    assert reader.read_card(key_for(card)).result(timeout=30).authenticity == "signer_not_trusted"
    reader.stop()


def test_removing_the_card_drops_its_data(reader, card) -> None:
    reader.insert(card)
    assert reader.chip is not None
    reader.remove()
    assert reader.chip is None
    assert reader.status().state is ReaderState.READY


# Deadlines: a chip that stops answering ------------------------------------------------


def test_a_silent_chip_is_abandoned_after_its_deadline_and_the_next_card_is_read(card) -> None:
    reader = SimulatedCardReader(deadlines=CardDeadlines(apdu_s=0.3, read_s=10))
    states: list[ReaderState] = []
    reader.status_changed.connect(lambda s: states.append(s.state))
    reader.start()
    try:
        reader.insert(replace(card, fault="silent", silent_after=4))
        started = time.monotonic()
        with pytest.raises(CardTimeoutError) as raised:
            reader.read_card(key_for(card)).result(timeout=30)
        assert time.monotonic() - started < 5  # the 0.3 s deadline, not the chip or the 10 s one
        assert raised.value.message_key == "card.error.timeout"
        assert "within 0.3 s" in str(raised.value)
        assert reader.status().state is ReaderState.NOT_RESPONDING
        reader.remove()  # the citizen takes the silent card off: the held call ends
        assert wait_until(lambda: reader.status().state is ReaderState.READY)
        # The next card under the kiosk's own deadlines: 0.3 s a command is a chip's need,
        # not a loaded machine's (the next read gets a new card-io thread, with these).
        reader.deadlines = CardDeadlines()
        reader.insert(card)
        assert reader.read_card(key_for(card)).result(timeout=30).authenticity == "verified"
        assert ReaderState.NOT_RESPONDING in states
    finally:
        reader.stop()


def test_a_slow_chip_is_stopped_by_the_whole_reads_deadline(card) -> None:
    reader = SimulatedCardReader(apdu_delay_s=0.05, deadlines=CardDeadlines(apdu_s=5, read_s=0.4))
    reader.start()
    try:
        reader.insert(card)
        with pytest.raises(CardTimeoutError, match="whole read"):
            reader.read_card(key_for(card)).result(timeout=30)
        # The command in flight was answered a moment later: the reader is not stuck.
        assert wait_until(lambda: reader.status().state is ReaderState.CARD_PRESENT)
    finally:
        reader.stop()
